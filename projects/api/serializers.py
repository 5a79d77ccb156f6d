"""Project API serializers: one per use (list row, detail, input), field names stable and in English,
money in 万元 as decimal strings, dates ISO 8601."""

from django.utils.text import capfirst
from rest_framework import serializers

from core.api.fields import MoneyField, StrictDecimalField
from core.models import ChainLink, IndustryChain, PromotionMethod, Region
from enterprises.models import Enterprise, IndustrialPark
from projects.models import Currency, FollowUp, FundsInPlace, Project, Stage


def money(help_text: str, **kwargs) -> serializers.DecimalField:
    """An amount in 万元; on input read by core.money.parse_amount like the forms' amounts."""
    return MoneyField(help_text=f"{help_text} (万元, decimal string)", **kwargs)


# Output name -> ORM path, read with .values(): the list never builds model instances.
PROJECT_LIST_FIELDS = {
    "id": "id",
    "name": "name",
    "region": "region__code",
    "region_name": "region__name",
    "stage": "stage",
    "planned_investment": "planned_investment",
    "registered_on": "registered_on",
    "signed_on": "signed_on",
    "started_on": "started_on",
    "producing_on": "producing_on",
    "planned_start_on": "planned_start_on",
    "investor": "investor_id",
    "investor_name": "investor__name",
    "park": "park_id",
    "park_name": "park__name",
    "chain": "chain__code",
    "chain_name": "chain__name",
    "method": "method__code",
    "method_name": "method__name",
    "owner": "owner_id",
    "is_out_of_province": "is_out_of_province",
    "is_foreign": "is_foreign",
    "light": "light",
    "light_reason": "light_reason",
    "light_since": "light_since",
    "updated_at": "updated_at",
}


class ProjectListSerializer(serializers.Serializer):
    """One row of the project list (项目列表). Related objects as their code or id plus name."""

    id = serializers.IntegerField()
    name = serializers.CharField(help_text="项目名称")
    region = serializers.CharField(help_text="GB/T 2260 code, or JZKFQ (所属区划代码)")
    region_name = serializers.CharField(help_text="区划名称")
    stage = serializers.ChoiceField(choices=Stage.choices, help_text="项目阶段")
    planned_investment = money("计划总投资")
    registered_on = serializers.DateField(help_text="登记日期")
    signed_on = serializers.DateField(allow_null=True, help_text="签约日期")
    started_on = serializers.DateField(allow_null=True, help_text="开工日期")
    producing_on = serializers.DateField(allow_null=True, help_text="投产日期")
    planned_start_on = serializers.DateField(allow_null=True, help_text="计划开工日期")
    investor = serializers.IntegerField(help_text="Enterprise id (投资方)")
    investor_name = serializers.CharField(help_text="投资方名称")
    park = serializers.IntegerField(allow_null=True, help_text="Park id (园区)")
    park_name = serializers.CharField(allow_null=True, help_text="园区名称")
    chain = serializers.CharField(allow_null=True, help_text="IndustryChain code (产业链)")
    chain_name = serializers.CharField(allow_null=True, help_text="产业链名称")
    method = serializers.CharField(allow_null=True, help_text="PromotionMethod code (招商方式)")
    method_name = serializers.CharField(allow_null=True, help_text="招商方式名称")
    owner = serializers.IntegerField(allow_null=True, help_text="User id of the owner (负责人)")
    is_out_of_province = serializers.BooleanField(help_text="省外资金")
    is_foreign = serializers.BooleanField(help_text="外资")
    light = serializers.CharField(
        help_text="亮灯: green / yellow / red, empty outside the open pipeline"
    )
    light_reason = serializers.CharField(
        help_text="over_limit (超时限) / near_limit (预警) / promise_missed (承诺日期已过), or empty"
    )
    light_since = serializers.DateField(allow_null=True, help_text="亮灯起始日期")
    updated_at = serializers.DateTimeField()


# The related values one project's detail names, read with the row by a scalar subquery each
# (core.related): a join of the projects table with its relations costs PostgreSQL 15-25 ms to
# plan, more than a save takes. The detail's queryset (api.views.ProjectViewSet.detail_queryset)
# annotates them under these names.
PROJECT_DETAIL_NAMES = {
    "detail_region_code": "region__code",
    "detail_region_name": "region__name",
    "detail_investor_name": "investor__name",
    "detail_park_name": "park__name",
    "detail_chain_code": "chain__code",
    "detail_chain_name": "chain__name",
    "detail_chain_link_name": "chain_link__name",
    "detail_method_code": "method__code",
    "detail_method_name": "method__name",
}


def _read(name: str, field_class=None, **kwargs) -> serializers.Field:
    """Project's field `name`, read-only, as DRF's ModelSerializer would build it (the model
    field's label, help text, choices and nullability), declared once with the class: a
    ModelSerializer introspects the model again for every instance it serializes."""
    model_field = Project._meta.get_field(name)
    kwargs.setdefault("label", capfirst(model_field.verbose_name))  # each has its own (中文)
    if model_field.help_text:
        kwargs.setdefault("help_text", model_field.help_text)
    if model_field.null:
        kwargs.setdefault("allow_null", True)
    if model_field.choices:
        field_class = field_class or serializers.ChoiceField
        kwargs["choices"] = model_field.choices
    return field_class(read_only=True, **kwargs)


# Every field declared (what a ModelSerializer built from the model, field for field).
class ProjectDetailSerializer(serializers.Serializer):
    """One project, read from the detail queryset (its names annotated, PROJECT_DETAIL_NAMES)."""

    id = _read("id", serializers.BigIntegerField)
    name = _read("name", serializers.CharField)
    region = serializers.CharField(source="detail_region_code", read_only=True)
    region_name = serializers.CharField(source="detail_region_name", read_only=True)
    stage = _read("stage")
    planned_investment = money("计划总投资", read_only=True)
    fixed_asset_investment = money("固定资产投资", read_only=True, allow_null=True)
    currency = _read("currency")
    original_amount = money("原币金额 (万)", read_only=True, allow_null=True)
    exchange_rate = _read(
        "exchange_rate", serializers.DecimalField, max_digits=12, decimal_places=6
    )
    rate_date = _read("rate_date", serializers.DateField)
    expected_annual_output = money("预计年产值", read_only=True, allow_null=True)
    expected_annual_tax = money("预计年税收", read_only=True, allow_null=True)
    expected_jobs = _read("expected_jobs", serializers.IntegerField)
    investor = _read("investor", serializers.PrimaryKeyRelatedField)
    investor_name = serializers.CharField(source="detail_investor_name", read_only=True)
    co_investors = _read("co_investors", serializers.PrimaryKeyRelatedField, many=True)
    park = _read("park", serializers.PrimaryKeyRelatedField)
    park_name = serializers.CharField(source="detail_park_name", read_only=True, allow_null=True)
    chain = serializers.CharField(source="detail_chain_code", read_only=True, allow_null=True)
    chain_name = serializers.CharField(source="detail_chain_name", read_only=True, allow_null=True)
    chain_link = _read("chain_link", serializers.PrimaryKeyRelatedField)
    chain_link_name = serializers.CharField(
        source="detail_chain_link_name", read_only=True, allow_null=True
    )
    method = serializers.CharField(source="detail_method_code", read_only=True, allow_null=True)
    method_name = serializers.CharField(
        source="detail_method_name", read_only=True, allow_null=True
    )
    owner = _read("owner", serializers.PrimaryKeyRelatedField)
    registered_on = _read("registered_on", serializers.DateField)
    negotiating_on = _read("negotiating_on", serializers.DateField)
    signed_on = _read("signed_on", serializers.DateField)
    started_on = _read("started_on", serializers.DateField)
    producing_on = _read("producing_on", serializers.DateField)
    at_capacity_on = _read("at_capacity_on", serializers.DateField)
    dropped_on = _read("dropped_on", serializers.DateField)
    drop_reason = _read("drop_reason", serializers.CharField)
    planned_sign_on = _read("planned_sign_on", serializers.DateField)
    planned_start_on = _read("planned_start_on", serializers.DateField)
    planned_production_on = _read("planned_production_on", serializers.DateField)
    is_out_of_province = _read("is_out_of_province", serializers.BooleanField)
    is_foreign = _read("is_foreign", serializers.BooleanField)
    is_confidential = _read("is_confidential", serializers.BooleanField)
    notes = _read("notes", serializers.CharField, style={"base_template": "textarea.html"})
    light = _read("light")
    light_reason = _read("light_reason")
    light_since = _read("light_since", serializers.DateField)
    light_limit = _read("light_limit", serializers.IntegerField)
    created_at = _read("created_at", serializers.DateTimeField)
    updated_at = _read("updated_at", serializers.DateTimeField)

    class Meta:
        model = Project  # for the schema (drf-spectacular types the related keys by it)


class ProjectInputSerializer(serializers.Serializer):
    """What a client may send to create or change a project. Types only: the rules (pipeline order,
    dates, the 1万亿元 cap, the park in the region, your own region) live in projects.services."""

    name = serializers.CharField(max_length=200, help_text="项目名称")
    investor = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), help_text="Enterprise id (投资方)"
    )
    co_investors = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), many=True, required=False
    )
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), help_text="Region code (区划代码)"
    )
    park = serializers.PrimaryKeyRelatedField(
        queryset=IndustrialPark.objects.all(), required=False, allow_null=True
    )
    chain = serializers.SlugRelatedField(
        slug_field="code", queryset=IndustryChain.objects.all(), required=False, allow_null=True
    )
    chain_link = serializers.PrimaryKeyRelatedField(
        queryset=ChainLink.objects.all(), required=False, allow_null=True
    )
    method = serializers.SlugRelatedField(
        slug_field="code", queryset=PromotionMethod.objects.all(), required=False, allow_null=True
    )
    planned_investment = money("计划总投资; a JSON number is read exactly")
    fixed_asset_investment = money("固定资产投资", required=False, allow_null=True)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    original_amount = money("原币金额 (万)", required=False, allow_null=True)
    exchange_rate = StrictDecimalField(
        max_digits=12, decimal_places=6, required=False, allow_null=True, coerce_to_string=True
    )
    rate_date = serializers.DateField(required=False, allow_null=True)
    expected_annual_output = money("预计年产值", required=False, allow_null=True)
    expected_annual_tax = money("预计年税收", required=False, allow_null=True)
    expected_jobs = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_000_000
    )
    registered_on = serializers.DateField(required=False)
    negotiating_on = serializers.DateField(required=False, allow_null=True)
    signed_on = serializers.DateField(required=False, allow_null=True)
    started_on = serializers.DateField(required=False, allow_null=True)
    producing_on = serializers.DateField(required=False, allow_null=True)
    at_capacity_on = serializers.DateField(required=False, allow_null=True)
    planned_sign_on = serializers.DateField(required=False, allow_null=True)
    planned_start_on = serializers.DateField(required=False, allow_null=True)
    planned_production_on = serializers.DateField(required=False, allow_null=True)
    is_out_of_province = serializers.BooleanField(required=False)
    is_foreign = serializers.BooleanField(required=False)
    is_confidential = serializers.BooleanField(required=False)
    notes = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class ProjectUpdateSerializer(ProjectInputSerializer):
    """A change: the project's fields, and why, when it moves a figure of a locked period."""

    correction_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="更正原因: required when the change moves a figure of a locked period (锁定期间)",
    )


class ProjectCreateSerializer(ProjectInputSerializer):
    stage = serializers.ChoiceField(
        choices=[c for c in Stage.choices if c[0] != Stage.DROPPED],
        required=False,
        help_text="Initial stage (default lead); its milestone date must be given.",
    )


class StageAdvanceSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices, help_text="Target stage (目标阶段)")
    on = serializers.DateField(help_text="Milestone date (节点日期)")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class FollowUpSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True, default=None)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "project",
            "kind",
            "happened_on",
            "summary",
            "next_step",
            "next_due_on",
            "next_done",
            "author",
            "author_name",
            "created_at",
        ]
        read_only_fields = fields


class FollowUpInputSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="Project id")
    kind = serializers.ChoiceField(choices=FollowUp.Kind.choices)
    happened_on = serializers.DateField()
    summary = serializers.CharField(max_length=5000)
    next_step = serializers.CharField(max_length=500, required=False, allow_blank=True)
    next_due_on = serializers.DateField(required=False, allow_null=True)


class FundsInPlaceSerializer(serializers.ModelSerializer):
    amount = money("到位资金", read_only=True)
    month = serializers.SerializerMethodField(help_text="YYYY-MM")

    class Meta:
        model = FundsInPlace
        fields = ["id", "project", "month", "amount", "note", "updated_at"]
        read_only_fields = fields

    def get_month(self, obj) -> str:
        return obj.month.strftime("%Y-%m")


class FundsInPlaceInputSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="Project id")
    month = serializers.DateField(help_text="Any day of the month (stored as its first day)")
    amount = money("到位资金; recording a month again corrects it")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    correction_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="更正原因: required when the month is in a locked period (锁定期间)",
    )

"""Event API serializers: promotion events (招商活动), signings (签约) and orders / agreements
(订单与协议). Field names stable and in English, money in 万元 as decimal strings, dates ISO 8601."""

from rest_framework import serializers

from core.api.fields import MoneyField
from core.models import Region
from enterprises.models import Enterprise
from events.models import AgreementKind, EventAgreement, EventKind, PromotionEvent
from projects.models import Currency, Project


def money(help_text: str, **kwargs) -> serializers.DecimalField:
    """An amount in 万元; on input read by core.money.parse_amount like the forms' amounts."""
    return MoneyField(help_text=f"{help_text} (万元, decimal string)", **kwargs)


# --- events -------------------------------------------------------------------------------------------
class EventSerializer(serializers.ModelSerializer):
    """One promotion event (招商活动) with its signing totals."""

    kind = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="EventKind code (活动类型)"
    )
    kind_name = serializers.CharField(source="kind.name", read_only=True, help_text="活动类型名称")
    organisers = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Organising region codes (主办区划)"
    )
    signing_count = serializers.IntegerField(read_only=True, help_text="签约项目数")
    signing_total = money("签约金额合计", read_only=True, allow_null=True)

    class Meta:
        model = PromotionEvent
        fields = [
            "id",
            "title",
            "kind",
            "kind_name",
            "start_on",
            "end_on",
            "place_province",
            "place_city",
            "venue",
            "organisers",
            "leading_official",
            "signing_count",
            "signing_total",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "title": {"help_text": "活动名称"},
            "start_on": {"help_text": "开始日期"},
            "end_on": {"help_text": "结束日期 (= start_on for a one-day event)"},
            "place_province": {"help_text": "省份"},
            "place_city": {"help_text": "城市"},
            "venue": {"help_text": "地点"},
            "leading_official": {"help_text": "带队领导"},
        }


class EventDetailSerializer(EventSerializer):
    enterprises = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Participating enterprise ids (参会企业)"
    )
    projects_negotiated = serializers.SerializerMethodField(
        help_text="Ids of the projects negotiated that you may see (洽谈项目)"
    )

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "enterprises", "projects_negotiated", "notes"]
        read_only_fields = fields

    def get_projects_negotiated(self, event) -> list[int]:
        return list(self.context.get("visible_negotiated", []))


class EventInputSerializer(serializers.Serializer):
    """What a client sends to record or change an event. Types only: the rules (dates, organisers
    you may act for, projects you can see) live in events.services."""

    kind = serializers.SlugRelatedField(
        slug_field="code", queryset=EventKind.objects.all(), help_text="EventKind code (活动类型)"
    )
    title = serializers.CharField(max_length=200, help_text="活动名称")
    start_on = serializers.DateField(help_text="开始日期")
    end_on = serializers.DateField(required=False, allow_null=True, help_text="结束日期")
    place_city = serializers.CharField(max_length=100, help_text="城市")
    place_province = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text="省份"
    )
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True)
    organisers = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        many=True,
        help_text="Organising region codes (主办区划)",
    )
    leading_official = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    enterprises = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), many=True, required=False
    )
    projects_negotiated = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.all(), many=True, required=False, help_text="洽谈项目 ids"
    )


# --- signings -----------------------------------------------------------------------------------------
# Output name -> ORM path, read with .values(): the list never builds model instances.
SIGNING_LIST_FIELDS = {
    "id": "id",
    "event": "event_id",
    "event_title": "event__title",
    "project": "project_id",
    "project_name": "project__name",
    "region": "project__region__code",
    "signed_on": "signed_on",
    "amount": "amount",
    "agreement_kind": "agreement_kind",
    "note": "note",
    "created_at": "created_at",
}


class SigningSerializer(serializers.Serializer):
    """A project signed (项目签约), at an event or outside one."""

    id = serializers.IntegerField()
    event = serializers.IntegerField(allow_null=True, help_text="Event id, or null (签约活动)")
    event_title = serializers.CharField(allow_null=True, help_text="活动名称")
    project = serializers.IntegerField(help_text="Project id (项目)")
    project_name = serializers.CharField(help_text="项目名称")
    region = serializers.CharField(help_text="The project's region code (所属区划)")
    signed_on = serializers.DateField(help_text="签约日期")
    amount = money("签约金额")
    agreement_kind = serializers.ChoiceField(choices=AgreementKind.choices, help_text="协议类型")
    note = serializers.CharField(allow_blank=True, help_text="备注")
    created_at = serializers.DateTimeField()


class SigningInputSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="Project id (签约项目)")
    event = serializers.IntegerField(
        required=False, allow_null=True, help_text="Event id; omit for a signing outside events"
    )
    signed_on = serializers.DateField(help_text="签约日期")
    amount = money(
        "签约金额; default the project's planned investment", required=False, allow_null=True
    )
    agreement_kind = serializers.ChoiceField(
        choices=AgreementKind.choices, required=False, help_text="协议类型"
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    correction_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="更正原因: required when the change moves a figure of a locked period (锁定期间)",
    )


class SigningUpdateSerializer(serializers.Serializer):
    """A signing's amount, kind and note may be corrected; its project, event and date are
    milestones of the project (change them on the project)."""

    amount = money("签约金额", required=False)
    agreement_kind = serializers.ChoiceField(
        choices=AgreementKind.choices, required=False, help_text="协议类型"
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    correction_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="更正原因: required when the change moves a figure of a locked period (锁定期间)",
    )


# --- orders and agreements ----------------------------------------------------------------------------
class AgreementSerializer(serializers.ModelSerializer):
    """Orders or agreements that are not projects (订单与协议), e.g. export orders at an expo."""

    original_amount = money("原币金额 (万)", read_only=True, allow_null=True)
    amount_cny = money("折合人民币", read_only=True, allow_null=True)
    exchange_rate = serializers.DecimalField(
        max_digits=12, decimal_places=6, read_only=True, allow_null=True, help_text="汇率"
    )

    class Meta:
        model = EventAgreement
        fields = [
            "id",
            "event",
            "kind",
            "description",
            "counterparty",
            "quantity",
            "signed_on",
            "currency",
            "original_amount",
            "exchange_rate",
            "rate_date",
            "amount_cny",
            "created_at",
        ]
        read_only_fields = fields


class AgreementInputSerializer(serializers.Serializer):
    event = serializers.IntegerField(help_text="Event id (活动)")
    kind = serializers.ChoiceField(choices=EventAgreement.Kind.choices, help_text="类型")
    description = serializers.CharField(max_length=300, help_text="内容")
    counterparty = serializers.CharField(max_length=200, required=False, allow_blank=True)
    quantity = serializers.IntegerField(
        required=False, min_value=1, max_value=1_000_000, help_text="份数"
    )
    signed_on = serializers.DateField(required=False, allow_null=True, help_text="日期")
    currency = serializers.ChoiceField(choices=Currency.choices, required=False, help_text="币种")
    original_amount = money("原币金额 (万)", required=False, allow_null=True)
    exchange_rate = serializers.DecimalField(
        max_digits=12, decimal_places=6, required=False, allow_null=True, coerce_to_string=True
    )
    rate_date = serializers.DateField(required=False, allow_null=True, help_text="汇率日期")

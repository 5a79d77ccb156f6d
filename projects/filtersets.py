"""The one FilterSet for project lists: the /projects/ page, its exports and the API share it, so a
link from a dashboard means the same thing everywhere."""

import django_filters as filters
from django.contrib.contenttypes.models import ContentType
from django.core.validators import EMPTY_VALUES, RegexValidator
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scoped_region_id
from core.forms import FilterForm
from core.models import IndustryChain, PromotionMethod, Region
from enterprises.models import IndustrialPark, InvestorOrigin
from rollups.models import counted_agreement_kinds

from .models import (
    CompletedInvestment,
    FundsInPlace,
    Light,
    Project,
    Stage,
    counts_as_signed,
    lights_in_force_on,
)

MONTHLY_MODELS = {"funds": FundsInPlace, "completed": CompletedInvestment}


def monthly_rows(measure: str, window: tuple, *, verified: bool = False):
    """The funds-in-place or completed-investment rows of the months in `window` (either end open);
    months are stored as their first day. `verified`: only the funds rows whose evidence a city
    verifier accepted (the rollups' funds_verified rule), what the verified funds figure sums."""
    start, end = window
    model = MONTHLY_MODELS[measure]
    rows = model.objects.all()
    if start is not None:
        rows = rows.filter(month__gte=start)
    if end is not None:
        rows = rows.filter(month__lte=end)
    if verified:
        # The claims live in the verification app, above this one: the reverse relation.
        claim = Project._meta.get_field("milestone_claims").related_model
        rows = rows.filter(
            Exists(
                claim.objects.filter(
                    content_type=ContentType.objects.get_for_model(model),
                    object_id=OuterRef("pk"),
                    kind=measure,
                    state="verified",
                )
            )
        )
    return rows


def _date_range(field: str, label: str):
    return (
        filters.DateFilter(
            field_name=field, lookup_expr="gte", label=_("%(label)s from") % {"label": label}
        ),
        filters.DateFilter(
            field_name=field, lookup_expr="lte", label=_("%(label)s to") % {"label": label}
        ),
    )


class _Ordering(filters.OrderingFilter):
    """`sort`, with the id as the last key in the first key's direction: rows of equal amount or
    date keep one order, so pages neither repeat nor skip them, and an index on (column, id) serves
    the sort both ways (Project.Meta.indexes). Projects without the sorted date (not signed yet)
    go last either way: PostgreSQL would put them first when descending."""

    # Our own msgid, so the zh-hans catalogue carries it (django-filter ships zh_CN only).
    descending_fmt = _("%s (descending)")
    NULLABLE = frozenset({"signed_on", "started_on"})

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if name not in self.NULLABLE:
            return value
        return (
            F(name).desc(nulls_last=True) if value.startswith("-") else F(name).asc(nulls_last=True)
        )

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        keys = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*keys, "-id" if value[0].startswith("-") else "id")


class ProjectFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))
    # A code of the right form is looked up inside the list's own queries (`region_id IN (SELECT
    # id FROM core_region WHERE code = …)`), not by a query of its own: a list takes at most three
    # queries (docs/PERFORMANCE.md). A code that is no region's gives an empty list, as another
    # region's code does for a county user; a malformed one is refused.
    region = filters.CharFilter(
        method="filter_region",
        max_length=12,
        validators=[
            RegexValidator(
                r"^[0-9A-Z]+$",
                _("Select a valid choice. That choice is not one of the available choices."),
            )
        ],
        label=_("Region"),
        help_text="Region code, GB/T 2260 or JZKFQ (区划代码)",
    )
    # A plain column: no DISTINCT (MultipleChoiceFilter's default), which would sort every row.
    stage = filters.MultipleChoiceFilter(
        choices=Stage.choices, distinct=False, label=_("Stage"), help_text="项目阶段 (repeatable)"
    )
    chain = filters.ModelChoiceFilter(
        field_name="chain",
        to_field_name="code",
        queryset=IndustryChain.objects.all(),
        label=_("Industry chain"),
        help_text="IndustryChain code (产业链)",
    )
    park = filters.ModelChoiceFilter(
        queryset=IndustrialPark.objects.all(), label=_("Park"), help_text="Park id (园区)"
    )
    method = filters.ModelChoiceFilter(
        field_name="method",
        to_field_name="code",
        queryset=PromotionMethod.objects.all(),
        label=_("Promotion method"),
        help_text="PromotionMethod code (招商方式)",
    )
    owner = filters.NumberFilter(field_name="owner_id", label=_("Owner"))
    origin = filters.ChoiceFilter(
        field_name="investor__investor_origin",
        choices=InvestorOrigin.choices,
        label=_("Investor origin"),
        empty_label=_("All"),
    )
    amount_min = filters.NumberFilter(
        field_name="planned_investment", lookup_expr="gte", label=_("Investment from (万元)")
    )
    amount_max = filters.NumberFilter(
        field_name="planned_investment", lookup_expr="lte", label=_("Investment to (万元)")
    )
    # The assessment's size buckets link here: [amount_min, amount_below), as the rollup bands.
    amount_below = filters.NumberFilter(
        field_name="planned_investment", lookup_expr="lt", label=_("Investment below (万元)")
    )
    registered_from, registered_to = _date_range("registered_on", _("Registered"))
    signed_from, signed_to = _date_range("signed_on", _("Signed"))
    started_from, started_to = _date_range("started_on", _("Started"))
    planned_start_from, planned_start_to = _date_range("planned_start_on", _("Planned start"))
    producing_from, producing_to = _date_range("producing_on", _("Production"))
    negotiating_from, negotiating_to = _date_range("negotiating_on", _("Negotiation"))
    # Projects with funds in place (到位资金) / completed investment (完成投资) recorded in months
    # within the range; the list then also totals those months' amounts (selectors.project_totals).
    funds_from = filters.DateFilter(method="filter_monthly", label=_("Funds in place from"))
    funds_to = filters.DateFilter(method="filter_monthly", label=_("Funds in place to"))
    completed_from = filters.DateFilter(
        method="filter_monthly", label=_("Completed investment from")
    )
    completed_to = filters.DateFilter(method="filter_monthly", label=_("Completed investment to"))
    out_of_province = filters.BooleanFilter(
        field_name="is_out_of_province", label=_("Out-of-province")
    )
    foreign = filters.BooleanFilter(field_name="is_foreign", label=_("Foreign"))
    # The assessment's start rate (开工率) links here: the signed projects started since.
    has_started = filters.BooleanFilter(
        field_name="started_on", lookup_expr="isnull", exclude=True, label=_("Started")
    )
    late_entry = filters.BooleanFilter(field_name="late_entry", label=_("Late entry (补录)"))
    # 亮灯: the dashboards' "超时限未开工 N / 预警 M" card links here with light=red / yellow.
    light = filters.ChoiceFilter(
        choices=Light.choices, method="filter_light", label=_("Light"), empty_label=_("All")
    )
    # A past period's card and the assessment's red-light cell: the light the history recorded on
    # that day (models.lights_in_force_on), optionally only while the project was in one stage.
    light_on = filters.DateFilter(method="filter_light", label=_("Light on"))
    light_stage = filters.ChoiceFilter(
        choices=Stage.choices, method="filter_light", label=_("Stage when lit")
    )
    # The assessment's "returned as false" deduction links here: projects with an evidence record
    # returned as false (核实为虚假, still marked) whose claimed date lies in the range, as the
    # deduction's tally (rollups.ReturnedFalseTally) counts them.
    returned_false_from = filters.DateFilter(
        method="filter_returned_false", label=_("Evidence returned as false from")
    )
    returned_false_to = filters.DateFilter(
        method="filter_returned_false", label=_("Evidence returned as false to")
    )
    # The dashboards' signed figures link here with counts_as_signed=true: the same caliber (口径).
    counts_as_signed = filters.BooleanFilter(
        method="filter_counts_as_signed", label=_("Counts as a signed project (caliber)")
    )
    # The dashboards' verified figures (已核实) link here with verified=signed / started / funds:
    # projects whose evidence of that milestone a city verifier accepted (the rollups' *_verified
    # rule); for funds, of a month in the funds_from / funds_to window, whose sum the list shows.
    verified = filters.ChoiceFilter(
        choices=[
            ("signed", _("Signing")),
            ("started", _("Construction start")),
            ("funds", _("Funds in place")),
        ],
        method="filter_verified",
        label=_("Verified evidence"),
        empty_label=_("All"),
    )
    sort = _Ordering(
        fields=(
            ("registered_on", "registered"),
            ("signed_on", "signed"),
            ("started_on", "started"),
            ("planned_investment", "amount"),
            ("name", "name"),
            ("region__sort_order", "region"),
        ),
        field_labels={
            "registered_on": _("Registration date"),
            "signed_on": _("Signing date"),
            "started_on": _("Start date"),
            "planned_investment": _("Planned investment"),
            "name": _("Project name"),
            "region__sort_order": _("Region"),
        },
        label=_("Sort"),
        empty_label=_("By registration date, newest first"),
    )

    class Meta:
        form = FilterForm

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The regions the form offers. A county user sees only their region's projects: offering
        # the others would only lead to empty lists that read as "none there". (Asking for another
        # region still answers an empty list, as before.)
        region_id = scoped_region_id(user or getattr(self.request, "user", None))
        self.offered_regions = Region.objects.all()
        if region_id is not None:
            self.offered_regions = self.offered_regions.filter(pk=region_id)

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__in=Region.objects.filter(code=value).values("pk"))

    def monthly_window(self, measure: str) -> tuple | None:
        """(from, to) of the funds or completed-investment months asked for, either end open; None
        when neither is given."""
        data = self.form.cleaned_data
        start, end = data.get(f"{measure}_from"), data.get(f"{measure}_to")
        return None if start is None and end is None else (start, end)

    def filter_monthly(self, queryset, name, value):
        measure, end = name.rsplit("_", 1)
        window = self.monthly_window(measure)
        # Both ends make one condition on the same row: applied once, by whichever end is given.
        if window is None or (end == "to" and window[0] is not None):
            return queryset
        return queryset.filter(Exists(monthly_rows(measure, window).filter(project=OuterRef("pk"))))

    def filter_light(self, queryset, name, value):
        data = self.form.cleaned_data
        light, day, stage = data.get("light"), data.get("light_on"), data.get("light_stage")
        # The three make one condition: applied once, by `light` (nothing without it).
        if name != "light" or not light:
            return queryset
        if day is None:
            return queryset.filter(light=light)
        rows = lights_in_force_on(day).filter(light=light)
        if stage:
            rows = rows.filter(stage=stage)
        return queryset.filter(pk__in=rows.values("project_id"))

    def filter_returned_false(self, queryset, name, value):
        data = self.form.cleaned_data
        start, end = data.get("returned_false_from"), data.get("returned_false_to")
        # Both ends make one condition on the same claim: applied once, by whichever is given.
        if name == "returned_false_to" and start is not None:
            return queryset
        # The claims live in the verification app, above this one: the reverse relation.
        claim = Project._meta.get_field("milestone_claims").related_model
        claims = claim.objects.filter(project=OuterRef("pk"), found_false=True)
        if start is not None:
            claims = claims.filter(claimed_on__gte=start)
        if end is not None:
            claims = claims.filter(claimed_on__lte=end)
        return queryset.filter(Exists(claims))

    def filter_counts_as_signed(self, queryset, name, value):
        if value is None:
            return queryset
        condition = counts_as_signed(counted_agreement_kinds())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_verified(self, queryset, name, value):
        if not value:
            return queryset
        if value == "funds":
            window = self.monthly_window("funds") or (None, None)
            rows = monthly_rows("funds", window, verified=True)
            return queryset.filter(Exists(rows.filter(project=OuterRef("pk"))))
        # The claims live in the verification app, above this one: the reverse relation.
        claim = Project._meta.get_field("milestone_claims").related_model
        verified = claim.objects.filter(project=OuterRef("pk"), kind=value, state="verified")
        return queryset.filter(Exists(verified))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = (
            Q(name__icontains=value)
            | Q(investor__name__icontains=value)
            | Q(notes__icontains=value)
        )
        if value.isascii() and value.isalpha():
            lowered = value.lower()
            condition |= Q(investor__name_initials__startswith=lowered) | Q(
                investor__name_pinyin__contains=lowered
            )
        return queryset.filter(condition)

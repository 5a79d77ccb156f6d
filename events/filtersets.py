"""The one FilterSet for event lists: the /events/ page, its export and the API share it, so a
link means the same thing everywhere (as projects.filtersets does for projects)."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import CodeFilter, NullsLastOrdering
from core.forms import FilterForm
from core.models import Region

from .models import EventKind, PromotionEvent


class EventFilterSet(filters.FilterSet):
    """Kind, organising region, `from` / `to` (the events that overlap the range), and `sort`."""

    kind = CodeFilter(
        field_name="kind",
        to_field_name="code",
        queryset=EventKind.objects.all(),
        label=_("Kind"),
        empty_label=_("All kinds"),
        help_text="EventKind code (活动类型)",
    )
    region = CodeFilter(
        field_name="organisers",
        to_field_name="code",
        queryset=Region.objects.all(),
        label=_("Region"),
        empty_label=_("All regions"),
        help_text="Organising region code (主办区划)",
    )
    # `from` and `to` are Python keywords: declared into the class body by name.
    locals()["from"] = filters.DateFilter(
        field_name="end_on",
        lookup_expr="gte",
        label=_("From"),
        help_text="Events running on or after this date (起始日期)",
    )
    locals()["to"] = filters.DateFilter(
        field_name="start_on",
        lookup_expr="lte",
        label=_("To"),
        help_text="Events running on or before this date (截止日期)",
    )

    # The list's column headers sort by these (templates/events/event_list.html); the API's
    # queryset carries the same signing annotations (selectors.event_queryset).
    sort = NullsLastOrdering(
        fields=(
            ("start_on", "date"),
            ("title", "title"),
            ("signing_count", "signings"),
            ("signing_total", "amount"),
        ),
        field_labels={
            "start_on": _("Date"),
            "title": _("Title"),
            "signing_count": _("Signings"),
            "signing_total": _("Signed amount"),
        },
        label=_("Sort"),
        empty_label=_("By date, newest first"),
    )

    class Meta:
        model = PromotionEvent
        fields: list[str] = []
        form = FilterForm

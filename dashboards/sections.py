"""Dashboard sections beyond the rollup figures: the period's top 10 signed projects, the latest
events and what they signed, and the chain indicators against target.

Each reads a bounded number of rows with a fixed number of queries, whatever the data size:
- top projects: one index walk with LIMIT (the partial index `project_signed_by_investment`, see
  projects/migrations) plus one query asking accounts.scoping which of those ten the user may open
  (an EXISTS over the scope in the same statement was tried: PostgreSQL hashes the whole scope, a
  scan of the projects table that grows with it);
- events: one grouped query over the signings of the events in the period (events are few);
- indicators: chains.selectors.chain_indicator_progress (two queries).

A project the user may not open (another county's, for a county user) shows as a masked row with
its region and amount, as the event pages do: county officials read every region's aggregated
figures but only their own region's projects (DESIGN.md, "Access").
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, OuterRef, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import scope_projects
from chains.selectors import chain_indicator_progress
from core.models import Region
from core.periods import Period
from events.models import Signing
from lights.models import LightTally
from lights.selectors import light_counts_on, overdue_panel_items
from projects.models import Light, Project, Stage, counts_as_signed
from rollups.models import counted_agreement_kinds

from .selectors import CITY_CODE, measure_url

TOP_PROJECTS = 10
RECENT_EVENTS = 8
SUPERVISION_ROWS = 8


def top_projects(
    *, period: Period, region: Region | None, user, kinds: tuple[str, ...] | None = None
) -> dict:
    """The period's largest signed projects (planned investment, 万元), largest first: those
    the signed figures count under the caliber (口径), like the list its link opens. `kinds`: the
    caliber's agreement kinds when the caller has read them already (the dashboard's status)."""
    kinds = counted_agreement_kinds() if kinds is None else kinds
    qs = Project.objects.filter(
        counts_as_signed(kinds),
        signed_on__gte=period.start,
        signed_on__lte=period.end,
    )
    if region is not None:
        qs = qs.filter(region_id=region.pk)
    rows = list(
        qs.order_by("-planned_investment", "-id").values(
            "id",
            "name",
            "region_id",
            "region__name",
            "signed_on",
            "planned_investment",
            "stage",
        )[:TOP_PROJECTS]
    )
    ids = [r["id"] for r in rows]
    # Which of them the user may open: asked of the database only when the scope narrows the
    # projects at all (scope_projects hands a city role's queryset back as it was given).
    listed = Project.objects.filter(pk__in=ids).order_by()
    scoped = scope_projects(listed, user)
    if not ids:
        visible = set()
    elif scoped is listed:
        visible = set(ids)
    else:
        visible = set(scoped.values_list("pk", flat=True))
    items = []
    for rank, row in enumerate(rows, start=1):
        shown = row["id"] in visible
        items.append(
            {
                "rank": rank,
                "visible": shown,
                "name": row["name"] if shown else _("(a project of another region)"),
                "url": reverse("projects:detail", args=[row["id"]]) if shown else None,
                "region": row["region__name"],
                "signed_on": row["signed_on"],
                "amount": row["planned_investment"],
            }
        )
    scope = {"region": region.code} if region else {}
    return {
        "items": items,
        "list_url": measure_url("signed", period, sort="-amount", **scope),
    }


def recent_events(*, period: Period, region: Region | None, user) -> list[dict]:
    """The latest events in the period that signed projects, newest first: number of projects
    signed there and their amount at signing (万元). On a county dashboard, that county's signings.

    Event titles and totals are not confidential (events are public news; the event pages show
    every signed-in user the totals), so `user` does not narrow them."""
    qs = Signing.objects.filter(
        event__isnull=False,
        event__start_on__lte=period.end,
        event__end_on__gte=period.start,
    )
    if region is not None:
        qs = qs.filter(project__region_id=region.pk)
    rows = (
        qs.values("event_id", "event__title", "event__start_on", "event__place_city")
        .annotate(projects=Count("project_id", distinct=True), amount=Sum("amount"))
        .order_by("-event__start_on", "-event_id")[:RECENT_EVENTS]
    )
    return [
        {
            "id": row["event_id"],
            "title": row["event__title"],
            "date": row["event__start_on"],
            "place": row["event__place_city"],
            "projects": row["projects"],
            "amount": row["amount"] or Decimal(0),
            "url": reverse("events:detail", args=[row["event_id"]]),
        }
        for row in rows
    ]


def indicators(*, period: Period, region: Region | None, user) -> list[dict]:
    """Chain indicators (city-wide planning figures): latest reading up to the period's year
    against target, with the chain page behind each."""
    if region is not None:
        return []
    out = []
    for p in chain_indicator_progress(year=period.year):
        row = p.as_dict()
        row["bar_percent"] = p.bar_percent
        row["url"] = reverse("chains:detail", args=[p.indicator.chain_id]) + "#indicators"
        out.append(row)
    return out


def _list_link(base: str, **params) -> str:
    return base + "?" + urlencode(params)


def light_day(period: Period | None):
    """The past day a dashboard's 亮灯 card reads the light history for; None: today's lights."""
    return period.end if period is not None and period.end < timezone.localdate() else None


def light_cards(
    *, region: Region | None, period: Period | None = None, regions: list[Region] | None = None
) -> list[dict]:
    """亮灯 per region: "超时限未开工 N / 预警 M" — signed projects not started whose light is red /
    yellow — each linking to the project list filtered the same way. An aggregate every official
    may read, like the rollups; guard_links locks the lists a county user may not open.

    A period still running (or none) reads today's lights from lights.LightTally (kept exact by every
    light refresh: rewritten by the full pass, recounted where a drain moved it), never from the projects table, and links to the list by the stored light. A
    period that has ended reads the lights on its last day from the light history
    (lights.selectors.light_counts_on) and links to the list by the same history (light_on).

    `regions`: every region in display order, when the caller has read them (dashboards.selectors.
    all_regions); otherwise they are read here."""
    if region is not None:
        regions = [region]
    elif regions is None:
        regions = Region.objects.exclude(code=CITY_CODE).order_by("sort_order", "code")
    else:
        regions = [r for r in regions if r.code != CITY_CODE]
    day = light_day(period)
    if day is None:
        tallies = LightTally.objects.filter(stage=Stage.SIGNED)
        if region is not None:
            tallies = tallies.filter(region_id=region.pk)
        counts = {(t.region_id, t.light): t.count for t in tallies}
        by_history = {}
    else:
        counts = light_counts_on(day, stage=Stage.SIGNED)
        by_history = {"light_on": day.isoformat(), "light_stage": Stage.SIGNED}
    base = reverse("projects:list")
    cards = []
    for r in regions:
        card = {"code": r.code, "name": r.name}
        for light in (Light.RED, Light.YELLOW):
            n = counts.get((r.pk, light), 0)
            card[light] = n
            # A zero is plain text: an empty list says nothing more.
            if not n:
                card[f"{light}_url"] = None
            elif by_history:
                card[f"{light}_url"] = _list_link(base, light=light, region=r.code, **by_history)
            else:
                card[f"{light}_url"] = _list_link(
                    base, light=light, stage=Stage.SIGNED, region=r.code
                )
        cards.append(card)
    return cards


def supervision_panel(*, user, regions: list[Region] | None = None) -> dict:
    """The city dashboard's 督办 panel: overdue items the user may see, oldest due first. One
    bounded query: the items (scoped by their own region column) as values, with their projects'
    names, each a scalar subquery by id (no join of the projects table); a second one counts them
    only when there are more than the panel shows. Their regions come from `regions` (the page's,
    dashboards.selectors.all_regions), read here only when not given."""
    overdue = overdue_panel_items(user=user)
    name = Project.all_objects.filter(pk=OuterRef("project_id")).values("name")[:1]
    items = list(
        overdue.annotate(project_name=Subquery(name))
        .order_by("due_on", "id")
        .values("pk", "region_id", "due_on", "project_name")[: SUPERVISION_ROWS + 1]
    )
    count = len(items) if len(items) <= SUPERVISION_ROWS else overdue.count()
    items = items[:SUPERVISION_ROWS]
    if regions is None:
        regions = list(Region.objects.filter(pk__in={i["region_id"] for i in items}))
    by_id = {r.pk: r for r in regions}
    for item in items:
        item["region"] = by_id.get(item["region_id"])
        item["project_name"] = item["project_name"] or ""
    return {
        "count": count,
        "items": items,
        "url": reverse("lights:supervision_list") + "?status=overdue",
    }


def sections(
    *,
    period: Period,
    region: Region | None,
    user,
    regions: list[Region] | None = None,
    kinds: tuple[str, ...] | None = None,
) -> dict:
    """Everything above, for the dashboard context and the export. `regions` and `kinds` (the
    signing caliber): what the caller has read already (dashboards.selectors.dashboard_data's
    "regions" and its status's "signed_caliber"), so they are not read again.

    "all_light_cards" holds every county's 亮灯 card (the county ranking shows them), read in the
    same statement as the region's own; "light_cards" the region's (every county's on the city
    dashboard), the same dicts."""
    all_cards = light_cards(region=None, period=period, regions=regions)
    own = all_cards if region is None else [c for c in all_cards if c["code"] == region.code]
    if region is not None and not own:  # a region outside the reporting units
        own = light_cards(region=region, period=period)
    return {
        "light_cards": own,
        "all_light_cards": all_cards,
        "light_day": light_day(period),
        "supervision": supervision_panel(user=user, regions=regions) if region is None else None,
        "top_projects": top_projects(period=period, region=region, user=user, kinds=kinds),
        "recent_events": recent_events(period=period, region=region, user=user),
        "indicators": indicators(period=period, region=region, user=user),
    }

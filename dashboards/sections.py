"""Dashboard sections beyond the rollup figures: the period's top 10 signed projects, the latest
events and what they signed, the 督办 panel, the 亮灯 cards and the chain indicators against target.

Each reads a bounded number of rows with one fixed statement, whatever the data size. The top
projects, the events and the 督办 panel are plain SQL on a cursor (dashboards.reads.fetch, the
reader the rollup figures use; PostgreSQL and SQLite alike): building the ORM's queries cost more
CPU than the database took to answer them (issue 19, docs/PERFORMANCE.md). Values are parameters.
- top projects: one index walk with LIMIT (the partial index `project_signed_by_investment`, see
  projects/migrations), under the caliber's SQL rule (rollups.refresh.signed_counts_sql, the one
  the rollups count by). Which of the ten the user may open is answered from the rows themselves
  (region, confidential flag) by accounts.scoping.reach, the rule `scope` applies to
  projects, without asking the database again;
- events: one grouped statement over the signings of the events in the period (events are few);
- 督办: the overdue items the user may see (the same rule: SupervisionItem keeps its project's
  region, lights' scope rule), oldest due first, each project's name a scalar subquery by id; a
  second statement counts them only when there are more than the panel shows;
- 亮灯: today's from lights.LightTally (one statement), a past day's from lights.selectors.
  light_counts_on;
- indicators: chains.selectors.chain_indicator_progress.

A project the user may not open (another county's, for a county user) shows as a masked row with
its region and amount, as the event pages do: county officials read every region's aggregated
figures but only their own region's projects (DESIGN.md, "Access").
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import reach
from chains.selectors import chain_indicator_progress
from core.models import Region
from core.periods import Period
from lights.selectors import UNFINISHED, light_counts_on
from projects.models import Light, Stage
from rollups.models import counted_agreement_kinds
from rollups.refresh import signed_counts_sql

from .reads import fetch
from .selectors import CITY_CODE, measure_url

TOP_PROJECTS = 10
RECENT_EVENTS = 8
SUPERVISION_ROWS = 8


# The period's largest signed projects under the caliber ({counted}: rollups.refresh.
# signed_counts_sql), in the order of the partial index project_signed_by_investment.
TOP_SQL = (
    "SELECT p.id, p.name, p.region_id, r.name, p.signed_on, p.planned_investment, "
    "p.is_confidential FROM projects_project p JOIN core_region r ON r.id = p.region_id "
    "WHERE NOT p.is_deleted AND p.signed_on IS NOT NULL AND p.signed_on >= %s "
    "AND p.signed_on <= %s{region} AND {counted} "
    "ORDER BY p.planned_investment DESC, p.id DESC LIMIT %s"
)


def top_projects(
    *, period: Period, region: Region | None, user, kinds: tuple[str, ...] | None = None
) -> dict:
    """The period's largest signed projects (planned investment, 万元), largest first: those
    the signed figures count under the caliber (口径), like the list its link opens. `kinds`: the
    caliber's agreement kinds when the caller has read them already (the dashboard's status)."""
    kinds = counted_agreement_kinds() if kinds is None else kinds
    sql = TOP_SQL.format(
        region=" AND p.region_id = %s" if region is not None else "",
        counted=signed_counts_sql("p", tuple(kinds)),
    )
    params = [period.start, period.end, *([region.pk] if region is not None else []), TOP_PROJECTS]
    # Which of them the user may open: the projects' scope rule, applied to the rows read.
    seen = reach(user)
    items = []
    for rank, (pk, name, region_id, region_name, signed_on, amount, confidential) in enumerate(
        fetch(sql, params, texts=(1, 3)), start=1
    ):
        shown = (
            seen is not None
            and seen.region_id in (None, region_id)
            and not (seen.public_only and confidential)
        )
        items.append(
            {
                "rank": rank,
                "visible": shown,
                "name": name if shown else _("(a project of another region)"),
                "url": reverse("projects:detail", args=[pk]) if shown else None,
                "region": region_name,
                "signed_on": signed_on,
                "amount": amount,
            }
        )
    scope = {"region": region.code} if region else {}
    return {
        "items": items,
        "list_url": measure_url("signed", period, sort="-amount", **scope),
    }


# The latest events of a period that signed projects ({join} / {region}: a county's signings).
EVENTS_SQL = (
    "SELECT s.event_id, e.title, e.start_on, e.place_city, count(DISTINCT s.project_id), "
    "sum(s.amount) FROM events_signing s JOIN events_promotionevent e ON e.id = s.event_id{join} "
    "WHERE e.end_on >= %s AND e.start_on <= %s{region} "
    "GROUP BY s.event_id, e.title, e.start_on, e.place_city "
    "ORDER BY e.start_on DESC, s.event_id DESC LIMIT %s"
)


def recent_events(*, period: Period, region: Region | None, user) -> list[dict]:
    """The latest events in the period that signed projects, newest first: number of projects
    signed there and their amount at signing (万元). On a county dashboard, that county's signings.

    Event titles and totals are not confidential (events are public news; the event pages show
    every signed-in user the totals), so `user` does not narrow them."""
    sql = EVENTS_SQL.format(
        join=" JOIN projects_project p ON p.id = s.project_id" if region is not None else "",
        region=" AND p.region_id = %s" if region is not None else "",
    )
    params = [period.start, period.end, *([region.pk] if region is not None else []), RECENT_EVENTS]
    return [
        {
            "id": event_id,
            "title": title,
            "date": start_on,
            "place": place,
            "projects": projects,
            "amount": amount or Decimal(0),
            "url": reverse("events:detail", args=[event_id]),
        }
        for event_id, title, start_on, place, projects, amount in fetch(sql, params, texts=(1, 3))
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
        row["url"] = reverse("chains:detail", args=[p.chain_id]) + "#indicators"
        out.append(row)
    return out


def _list_link(base: str, **params) -> str:
    return base + "?" + urlencode(params)


# Today's 亮灯 per region and light of the projects in a stage (lights.LightTally).
LIGHT_TALLY_SQL = "SELECT region_id, light, count FROM lights_lighttally WHERE stage = %s"


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
        rows = fetch(
            LIGHT_TALLY_SQL + (" AND region_id = %s" if region is not None else ""),
            [str(Stage.SIGNED), *([region.pk] if region is not None else [])],
        )
        counts = {(region_id, light): n for region_id, light, n in rows}
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


# The overdue 督办 items a user may see ({scope}: accounts.scoping.reach), oldest due
# first, each with its project's name (any project's, soft-deleted too) read by id.
SUPERVISION_FROM = (
    "FROM lights_supervisionitem i{join} WHERE i.status IN ({statuses}) AND i.due_on < %s{scope}"
)
SUPERVISION_SQL = (
    "SELECT i.id, i.region_id, i.due_on, "
    "(SELECT p.name FROM projects_project p WHERE p.id = i.project_id) "
    "{source} ORDER BY i.due_on, i.id LIMIT %s"
)


def supervision_panel(*, user, regions: list[Region] | None = None) -> dict:
    """The city dashboard's 督办 panel: overdue items the user may see, oldest due first. One
    bounded statement (the items scoped by their own region column, their projects' names each a
    scalar subquery by id: no join of the projects table); a second one counts them only when
    there are more than the panel shows. Their regions come from `regions` (the page's,
    dashboards.selectors.all_regions), read here only when not given."""
    url = reverse("lights:supervision_list") + "?status=overdue"
    seen = reach(user)
    if seen is None:
        return {"count": 0, "items": [], "url": url}
    source = SUPERVISION_FROM.format(
        join=" JOIN projects_project c ON c.id = i.project_id" if seen.public_only else "",
        statuses=", ".join("%s" for _status in UNFINISHED),
        scope=(" AND i.region_id = %s" if seen.region_id is not None else "")
        + (" AND NOT c.is_confidential" if seen.public_only else ""),
    )
    params = [*(str(status) for status in UNFINISHED), timezone.localdate()]
    params += [seen.region_id] if seen.region_id is not None else []
    items = [
        {"pk": pk, "region_id": region_id, "due_on": due_on, "project_name": name or ""}
        for pk, region_id, due_on, name in fetch(
            SUPERVISION_SQL.format(source=source), [*params, SUPERVISION_ROWS + 1], texts=(3,)
        )
    ]
    if len(items) <= SUPERVISION_ROWS:
        count = len(items)
    else:
        count = fetch(f"SELECT count(*) {source}", params)[0][0]
    items = items[:SUPERVISION_ROWS]
    if regions is None:
        regions = list(Region.objects.filter(pk__in={i["region_id"] for i in items}))
    by_id = {r.pk: r for r in regions}
    for item in items:
        item["region"] = by_id.get(item["region_id"])
    return {"count": count, "items": items, "url": url}


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

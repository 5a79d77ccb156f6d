"""Reads of projects for pages, exports and the API; every one is scoped by the user.

The pipeline board reads its seven columns in two statements (`_stage_totals`, `_pages`): each
stage's rows are written by the ORM (`qs.filter(stage=…)`, sliced), and the stages' parts joined
by UNION ALL of derived tables, SQL that SQLite and PostgreSQL both run (the ORM's `union()`
refuses sliced members on SQLite). This is the board's only path; tests/projects/test_board.py
runs on either database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.http import Http404

from accounts.models import Role, User
from accounts.scoping import CITY_EDIT_ROLES, get_object_or_404_for, scope_projects
from core import pagination
from core.pagination import capped_totals
from core.related import related_value

from .filtersets import MONTHLY_MODELS, ProjectFilterSet, monthly_rows
from .models import PIPELINE, ClaimConflict, FollowUp, Project, Stage


def get_project_or_404(user, pk, *, queryset: QuerySet | None = None) -> Project:
    """The project `pk` if `user` may see it, else Http404. Pass `queryset` for select_related."""
    return get_object_or_404_for(user, queryset if queryset is not None else Project.objects, pk=pk)


def project_queryset(*, user, related: bool = True) -> QuerySet[Project]:
    """The projects `user` may see; `related=False` for a `.values()` read, which makes its own
    joins (select_related would only be built to be ignored)."""
    qs = scope_projects(Project.objects.all(), user)
    if not related:
        return qs
    return qs.select_related("investor", "region", "park", "chain", "chain_link", "method", "owner")


def project_list(*, user, params) -> tuple[ProjectFilterSet, QuerySet[Project]]:
    """The filtered list behind /projects/ and its exports (the API filters the same queryset
    with the same FilterSet): the projects table alone, newest registered first unless `sort`
    says otherwise. It sorts and counts without joins; `project_rows` reads a page's rows."""
    base = project_queryset(user=user, related=False)
    filterset = ProjectFilterSet(params, queryset=base, user=user)
    qs = filterset.qs if filterset.is_valid() else base.none()
    if not params.get("sort"):
        qs = qs.order_by("-registered_on", "-id")  # index project_registered_order
    return filterset, qs


# The columns /projects/ shows (projects.views._rows_html), and the names it shows, read
# by a subquery each (core.related: a join would take longer to plan than the rows to read).
LIST_COLUMNS = (
    "name",
    "is_confidential",
    "late_entry",
    "stage",
    "planned_investment",
    "signed_on",
    "registered_on",
    # The 亮灯 chip (core.templatetags.crm.light_chip).
    "light",
    "light_reason",
    "light_since",
)
LIST_NAMES = {
    "investor_name": "investor__name",
    "region_name": "region__name",
    "chain_name": "chain__name",
}


def project_rows(ids: QuerySet) -> list[dict]:
    """The shown rows of a page of `project_list`, with the names they show, in one query: `ids` is
    the page's slice of the list's ids (`values_list("pk")[a:b]`), sent as a subquery that sorts and
    slices on the projects table alone; the rows are sorted again in the list's order (a few
    rows, the names read for them only). A dict a row of `pk`, LIST_COLUMNS and the names (no
    model instances: views._rows_html writes each row's HTML from its keys)."""
    order = ids.query.order_by or Project._meta.ordering
    names = {name: related_value(Project, path) for name, path in LIST_NAMES.items()}
    return list(
        Project.objects.filter(pk__in=ids)
        .annotate(**names)
        .order_by(*order)
        .values("pk", *LIST_COLUMNS, *names)
    )


# The pipeline board (/projects/board/): a column per stage, dropped last; cards per column page.
BOARD_STAGES = [*PIPELINE, Stage.DROPPED]
BOARD_PAGE = 50
# What a board card shows (templates/projects/_board_cards.html), read as values (no model
# instances: a board shows up to 350 cards, and building them with their investor, region and owner
# was a third of its time), each related name by a scalar subquery as the list's rows read theirs.
CARD_COLUMNS = (
    "pk",
    "name",
    "is_confidential",
    "stage",
    "planned_investment",
    "light",
    "light_reason",
    "light_since",
)
CARD_NAMES = {
    "investor_name": "investor__name",
    "region_name": "region__name",
    "owner_username": "owner__username",
    "owner_first_name": "owner__first_name",
    "owner_last_name": "owner__last_name",
}


# A stage code no project has: a board statement's per-stage part is compiled once with it in
# the stage's place, then given each stage as that parameter (`_stage_sql`).
STAGE_SLOT = "\x00stage"


def _stage_sql(qs: QuerySet[Project], field: str, start: int, stop: int):
    """The SQL of `qs` narrowed to one stage, its `field` alone, rows `start` to `stop`, and a
    function giving its parameters for a stage; (None, None) when `qs` can match no row. The
    ORM compiles it once for every stage (a compile of the list's filters and scope costs
    ~0.2 ms of CPU, and the board's two statements have a part per stage, seven each): the
    stage is a parameter, the same SQL for each."""
    rows = qs.filter(stage=STAGE_SLOT).values(field)[start:stop]
    try:
        sql, params = rows.query.get_compiler(connection=connections[qs.db]).as_sql()
    except EmptyResultSet:  # filters no row can match (`qs.none()`, an empty choice)
        return None, None
    slot = params.index(STAGE_SLOT)

    def params_for(stage: str) -> list:
        stage_params = list(params)
        stage_params[slot] = stage
        return stage_params

    return sql, params_for


def _pages_sql(qs: QuerySet[Project], offsets: dict[str, int]) -> RawSQL | None:
    """The ids of a page of each board column, as one SQL expression for a `pk__in` lookup: per
    stage, `qs` narrowed to it, sorted in the list's order (on the projects table alone, as the
    list pages are) and sliced from its offset to BOARD_PAGE + 1 rows (the last one only says that
    more follow), the stages' pages joined by UNION ALL. Each page is wrapped in a derived table
    (`SELECT * FROM (… LIMIT 51) AS "page0"`, its one column the id): SQLite allows no LIMIT on a
    member of a compound statement itself, a derived table in one it does, as PostgreSQL does
    (the ORM's `union()` refuses sliced querysets on SQLite, hence the SQL). PostgreSQL walks
    `project_stage_order` (or the sort's index) for each and stops after 51 rows. (One query
    numbering every column's rows with ROW_NUMBER() OVER (PARTITION BY stage …) reads and sorts
    every row of the list instead: 30 ms at 10^4 projects.) None when no page can hold a row."""
    quote = connections[qs.db].ops.quote_name
    parts, params = [], []
    pages = {}  # offset -> its page's SQL and parameters (`_stage_sql`): the board's are all 0
    for i, (stage, offset) in enumerate(offsets.items()):
        if offset not in pages:
            pages[offset] = _stage_sql(qs, "pk", offset, offset + BOARD_PAGE + 1)
        sql, params_for = pages[offset]
        if sql is None:
            continue
        # The ORM's SQL and quoted names; every value is a parameter.
        parts.append(f"SELECT * FROM ({sql}) AS {quote(f'page{i}')}")  # noqa: S608  # nosec B608
        params.extend(params_for(stage))
    if not parts:
        return None
    return RawSQL(" UNION ALL ".join(parts), params)  # noqa: S611


def _pages(qs: QuerySet[Project], offsets: dict[str, int]) -> dict[str, tuple[list[dict], bool]]:
    """Each stage's page of cards (from its offset in `offsets`, up to BOARD_PAGE, in the list's
    order) and whether more follow, in one query: the rows of `_pages_sql`'s ids as dicts of
    CARD_COLUMNS and the names (each a scalar subquery, read for these rows only), sorted again in
    the list's order and dealt to their stages. The owner's name is `owner` (his display name, ""
    without an owner)."""
    pages: dict[str, list[dict]] = {stage: [] for stage in offsets}
    ids = _pages_sql(qs, offsets)
    if ids is None:
        return {stage: ([], False) for stage in offsets}
    order = qs.query.order_by or Project._meta.ordering
    names = {name: related_value(Project, path) for name, path in CARD_NAMES.items()}
    rows = Project.objects.filter(pk__in=ids).order_by(*order).values(*CARD_COLUMNS, **names)
    for row in rows:
        last, first = row.pop("owner_last_name"), row.pop("owner_first_name")
        username = row.pop("owner_username")
        row["owner"] = User.display_name_of(last, first, username) if username else ""
        pages[row["stage"]].append(row)
    return {stage: (cards[:BOARD_PAGE], len(cards) > BOARD_PAGE) for stage, cards in pages.items()}


def board_cards(qs: QuerySet[Project], *, stage: str, offset: int = 0) -> tuple[list, bool]:
    """One page of a board column (its "more" button): up to BOARD_PAGE cards of `qs` (a
    `project_list` queryset, in its order) at `stage` from `offset`, and whether more follow."""
    return _pages(qs, {stage: offset})[stage]


def _stage_totals(qs: QuerySet[Project], stages: list[str]) -> dict[str, dict]:
    """Each stage's `project_totals` over `qs` narrowed to it, capped as the list caps them, in
    one statement: per stage `SELECT COUNT(*), SUM(planned_investment)` over at most COUNT_CAP + 1
    of its rows (the list's `capped_totals` for that stage: up to COUNT_CAP exact, the same figures
    the list shows; beyond, "10,000+" and no sum), the stages' rows joined by UNION ALL. The ORM
    writes each stage's rows (`qs`'s filters and scope); the sum is converted as the ORM converts
    the list's (a Decimal on PostgreSQL; on SQLite a float made a Decimal alike).

    Measured and not taken: one GROUP BY stage over every row instead (exact counts, shown capped)
    reads the whole table, 90 ms at 10^5 projects and ten times that at 10^6, where these each stop
    after COUNT_CAP + 1 rows of their stage; the rollups' stage cells (rollups.StageRollup) are
    refreshed by the outbox's drain seconds after a move, so a column would not move with its
    card, and the list beyond COUNT_CAP shows "10,000+" without a sum, which the board must equal.
    What makes them (and the columns' pages of ids) cheap at any size is `project_stage_order`
    (stage, registered_on DESC, id DESC) INCLUDE (planned_investment) WHERE NOT is_deleted: at 10^5
    projects it took the unfiltered board's SQL from ~490 to ~45 ms. A county's board counts by
    `rollup_prj_stage_cell` (region, stage, …) INCLUDE (…, planned_investment), index-only too
    (EXPLAIN at 10^5 projects: no heap fetch); its columns' pages of ids are what it reads rows
    for (a bitmap of the region's rows at that stage, sorted for the first 51)."""
    cap = pagination.COUNT_CAP
    connection = connections[qs.db]
    quote = connection.ops.quote_name
    amount = quote("planned_investment")
    parts, params = [], []
    # None when filters no row can match: the stages' totals are 0.
    sql, params_for = _stage_sql(qs.order_by(), "planned_investment", 0, cap + 1)
    for i, stage in enumerate(stages if sql is not None else ()):
        # The ORM's SQL and quoted names; every value is a parameter.
        part = f"SELECT {i}, COUNT(*), SUM({amount}) FROM ({sql}) AS {quote(f'stage{i}')}"  # noqa: S608  # nosec B608
        parts.append(part)
        params.extend(params_for(stage))
    total = Sum("planned_investment").resolve_expression(Project.objects.all().query)
    converters = connection.ops.get_db_converters(total) + total.get_db_converters(connection)
    found = []
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = cursor.fetchall()
    totals = {stage: {"count": 0, "capped": False, "amount": Decimal(0)} for stage in stages}
    for i, count, amount_sum in found:
        for convert in converters:
            amount_sum = convert(amount_sum, total, connection)
        capped = count > cap
        totals[stages[i]] = {
            "count": min(count, cap),
            "capped": capped,
            "amount": None if capped else amount_sum or Decimal(0),
        }
    return totals


def board_columns(qs: QuerySet[Project], *, stages: list[str]) -> list[dict]:
    """The board's columns over a `project_list` queryset. Per stage: its totals, the list's
    totals for the same filters plus that stage, capped alike (`_stage_totals`), and its first
    page of cards (`_pages`). Two queries whatever the number of projects or columns."""
    totals = _stage_totals(qs, stages)
    pages = _pages(qs, dict.fromkeys(stages, 0))
    return [
        {
            "stage": Stage(stage),
            "totals": totals[stage],
            "cards": cards,
            "more": more,
            "next_offset": len(cards),
        }
        for stage, (cards, more) in pages.items()
    ]


def owner_candidates(*, region) -> QuerySet[User]:
    """The people who may own a project of `region` (a Region, its pk or None): city staff and
    administrators, and the county staff of that region. Not leaders, officials or API clients,
    who may not edit it."""
    region_id = getattr(region, "pk", region)
    may_own = Q(is_superuser=True) | Q(role__in=CITY_EDIT_ROLES)
    if region_id is not None:
        may_own |= Q(role=Role.COUNTY_STAFF, region_id=region_id)
    return User.objects.filter(may_own, is_active=True).order_by("username")


def project_totals(qs: QuerySet[Project], filterset: ProjectFilterSet | None = None) -> dict:
    """The number of projects in a list and their planned investment, in one query that reads
    at most COUNT_CAP + 1 rows (core.pagination): beyond COUNT_CAP the count is shown as
    "10,000+" and the sum (which would read every row) is not shown (`amount` None).

    When the filters ask for projects with funds in place or completed investment in a range of
    months, also the sum of those months' amounts (`funds` / `completed`): the figure a dashboard
    shows for that period, which links here."""
    totals, capped = capped_totals(qs, amount=Sum("planned_investment"))
    result = {
        "count": totals["count"],
        "capped": capped,
        "amount": None if capped else totals["amount"] or Decimal(0),
    }
    valid = bool(filterset and filterset.is_valid())
    verified = valid and filterset.form.cleaned_data.get("verified")
    for measure in MONTHLY_MODELS:
        window = filterset.monthly_window(measure) if valid else None
        if window is not None:
            # The verified funds figure links here with verified=funds: the sum of those rows.
            rows = monthly_rows(measure, window, verified=verified == measure == "funds")
            rows = rows.filter(project__in=qs.order_by().values("pk"))
            result[measure] = rows.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return result


def project_get(*, user, pk: int, related: bool = True) -> Project:
    """One project the user may see; anything else is a 404 (never a 403 that confirms it exists).
    `related=False`: the row alone, for a write that reads it again locked (projects.services): a
    join of the projects table with its seven relations costs PostgreSQL 15-25 ms to plan."""
    try:
        return project_queryset(user=user, related=related).get(pk=pk)
    except (Project.DoesNotExist, ValueError):
        raise Http404 from None


def deleted_project_get(*, user, pk: int) -> Project:
    try:
        return scope_projects(Project.all_objects.filter(is_deleted=True), user).get(pk=pk)
    except Project.DoesNotExist:
        raise Http404 from None


def follow_ups_due(*, user, today: dt.date, days_ahead: int = 7) -> QuerySet[FollowUp]:
    """Next steps not done, due within `days_ahead` days or overdue, on projects the user owns or
    followed up."""
    projects = scope_projects(Project.objects.all(), user)
    return (
        FollowUp.objects.filter(
            project__in=projects,
            next_done=False,
            next_due_on__isnull=False,
            next_due_on__lte=today + dt.timedelta(days=days_ahead),
        )
        .filter(Q(project__owner=user) | Q(author=user))
        .select_related("project", "project__region")
        .order_by("next_due_on")
    )


def stale_leads(*, user, today: dt.date, days: int = 30) -> QuerySet[Project]:
    """Leads and talks with no follow-up for `days` days (or none since registration)."""
    cutoff = today - dt.timedelta(days=days)
    qs = project_queryset(user=user).filter(stage__in=[Stage.LEAD, Stage.NEGOTIATING])
    mine = Q(owner=user)
    if user.region_id:
        mine |= Q(owner__isnull=True, region_id=user.region_id)
    qs = qs.filter(mine).annotate(last_follow_up=Max("follow_ups__happened_on"))
    return qs.filter(
        Q(last_follow_up__lt=cutoff) | Q(last_follow_up__isnull=True, registered_on__lt=cutoff)
    ).order_by("last_follow_up", "registered_on")


def conflicts_shown(conflicts, *, user) -> list[ClaimConflict]:
    """The conflicts with `project_visible` / `holder_visible` set: a county sees that another
    county registered the same investor (its region), never that county's project by name —
    it may be confidential, and the matrix test holds every page to that."""
    conflicts = list(conflicts)
    ids = {c.project_id for c in conflicts} | {c.holder_id for c in conflicts}
    visible = set(
        scope_projects(Project.all_objects.filter(pk__in=ids), user).values_list("pk", flat=True)
    )
    for c in conflicts:
        c.project_visible = c.project_id in visible
        c.holder_visible = c.holder_id in visible
    return conflicts


def open_conflicts(*, user) -> QuerySet[ClaimConflict]:
    """Open 首报首谈 conflicts the user may see: city roles all, a county those involving it."""
    visible = scope_projects(Project.all_objects.all(), user)
    return (
        ClaimConflict.objects.filter(status=ClaimConflict.Status.OPEN)
        .filter(
            Exists(visible.filter(pk=OuterRef("project_id")))
            | Exists(visible.filter(pk=OuterRef("holder_id")))
        )
        .select_related(
            "project", "project__region", "project__investor", "holder", "holder__region"
        )
    )

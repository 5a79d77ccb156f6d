"""Reads of projects for pages, exports and the API; every one is scoped by the user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import Role, User
from accounts.scoping import CITY_EDIT_ROLES, get_object_or_404_for, scope_projects
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


# The columns /projects/ shows (templates/projects/_list_rows.html), and the names it shows, read
# by a subquery each (core.related: a join would take longer to plan than the rows to read).
LIST_COLUMNS = (
    "name",
    "is_confidential",
    "late_entry",
    "stage",
    "planned_investment",
    "signed_on",
    "registered_on",
    # The 亮灯 chip (templates/includes/light_chip.html).
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
    model instances: the template reads a dict's keys directly; views._shown_rows adds what the
    template writes)."""
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


def _column_ids(qs: QuerySet[Project], *, stage: str, offset: int) -> tuple[list[int], bool]:
    """The ids of one page of a board column, in the list's order, on the projects table alone
    (as the list pages are), and whether more follow. A query a column: each an index walk that
    stops after BOARD_PAGE + 1 rows. (One query numbering every column's rows with
    ROW_NUMBER() OVER (PARTITION BY stage …) reads and sorts every row of the list instead: 30 ms
    at 10^4 projects against under 1 ms a column here.)"""
    ids = list(
        qs.filter(stage=stage).values_list("pk", flat=True)[offset : offset + BOARD_PAGE + 1]
    )
    return ids[:BOARD_PAGE], len(ids) > BOARD_PAGE


def _cards(ids: list[int]) -> dict[int, dict]:
    """The cards of `ids` by id, in one query: a dict each of CARD_COLUMNS and the names, the
    owner's as `owner` (his display name, "" without an owner)."""
    names = {name: related_value(Project, path) for name, path in CARD_NAMES.items()}
    rows = Project.objects.filter(pk__in=ids).order_by().values(*CARD_COLUMNS, **names)
    cards = {}
    for row in rows:
        last, first = row.pop("owner_last_name"), row.pop("owner_first_name")
        username = row.pop("owner_username")
        row["owner"] = User.display_name_of(last, first, username) if username else ""
        cards[row["pk"]] = row
    return cards


def board_cards(qs: QuerySet[Project], *, stage: str, offset: int = 0) -> tuple[list, bool]:
    """One page of a board column (its "more" button): up to BOARD_PAGE cards of `qs` (a
    `project_list` queryset, in its order) at `stage` from `offset`, and whether more follow."""
    ids, more = _column_ids(qs, stage=stage, offset=offset)
    rows = _cards(ids)
    return [rows[pk] for pk in ids if pk in rows], more


def _stage_totals(qs: QuerySet[Project], stages: list[str]) -> dict[str, dict]:
    """Each stage's `project_totals` over `qs` narrowed to it. One query while `qs` holds at most
    COUNT_CAP projects (the usual board: a county's, or filtered): then no stage is capped and
    the counts and sums per stage of those rows are exact, the same figures the list shows for
    that stage. Beyond it, a stage's figures are capped as the list caps them: a query a stage.

    Measured and not taken: one GROUP BY stage over every row instead (exact counts, shown capped)
    reads the whole table, 90 ms at 10^5 projects and ten times that at 10^6, where the capped
    queries each stop after COUNT_CAP + 1 rows of their stage; the rollups' stage cells
    (rollups.StageRollup) are refreshed by the outbox's drain seconds after a move, so a column
    would not move with its card, and the list beyond COUNT_CAP shows "10,000+" without a sum,
    which the board must equal. What makes these queries (and the columns' pages of ids) cheap at
    any size is `project_stage_order` (stage, registered_on DESC, id DESC) INCLUDE
    (planned_investment) WHERE NOT is_deleted: at 10^5 projects it took the unfiltered board's
    SQL from ~490 to ~45 ms."""
    per_stage = {}
    for stage in stages:
        per_stage[f"count_{stage}"] = Count("pk", filter=Q(stage=stage))
        per_stage[f"amount_{stage}"] = Sum("planned_investment", filter=Q(stage=stage))
    totals, capped = capped_totals(qs, **per_stage)
    if capped:
        return {stage: project_totals(qs.filter(stage=stage)) for stage in stages}
    return {
        stage: {
            "count": totals[f"count_{stage}"],
            "capped": False,
            "amount": totals[f"amount_{stage}"] or Decimal(0),
        }
        for stage in stages
    }


def board_columns(qs: QuerySet[Project], *, stages: list[str]) -> list[dict]:
    """The board's columns over a `project_list` queryset. Per stage: its totals, the list's
    totals for the same filters plus that stage, capped alike (`_stage_totals`), and its first
    page of cards. A query for the totals (one a stage beyond COUNT_CAP projects), one a column
    for its page of ids, and one for every column's cards: a constant number."""
    totals = _stage_totals(qs, stages)
    pages = {stage: _column_ids(qs, stage=stage, offset=0) for stage in stages}
    rows = _cards([pk for ids, _more in pages.values() for pk in ids])
    return [
        {
            "stage": Stage(stage),
            "totals": totals[stage],
            "cards": [rows[pk] for pk in ids if pk in rows],
            "more": more,
            "next_offset": len(ids),
        }
        for stage, (ids, more) in pages.items()
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

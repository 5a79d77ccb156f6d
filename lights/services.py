"""Writes of the lights app: deadline rules (versioned), the lights themselves, 督办 items.

How lights are computed (`lights_refresh`): the current rules are few (tens), so they are turned
into branches (`light_branches`: a condition and the light, reason, since, limit and rule it
gives), most specific rule first, and into one CASE giving the number of the branch that applies:
each condition is evaluated once; the five outputs are derived from that number. The conditions
are SQL text written from the rules at each call (column names, every value a parameter), not
ORM expressions: compiling those took 2–3 ms of Python in every drain that names a project, about
half of a one-edit refresh's Python. No project is read into Python. The computation is a few
set-based statements, the same on SQLite (`make run`) and PostgreSQL:

1. ``INSERT INTO lights_lightchange … SELECT`` the history row of every project whose light
   changes: the only pass over the projects. The branch number is computed in a derived table
   that the database must not inline into the outputs and comparisons (the CASE would be
   evaluated once per mention): PostgreSQL keeps a subquery with ``OFFSET 0`` apart, SQLite one
   with ``LIMIT -1``. That fence and a date plus days are the two clauses spelled per database
   (`_FENCE`, `_PLUS_DAYS`); the comparison is null-safe in SQL both run
   (``a <> b OR (a IS NULL) <> (b IS NULL)``).
2. ``UPDATE projects_project … FROM lights_lightchange`` of those projects, from the rows just
   written (no second evaluation of the rules). ``UPDATE … FROM`` runs on PostgreSQL and on SQLite
   ≥ 3.33.
3. The 督办 items of the projects that newly turned red, and their change-history records, by
   two ``INSERT … SELECT`` (the first computation opens one for every red light).
4. The dashboards' tally: rewritten from the partial index by the full pass; after a drain of
   a few projects, only the (region, stage) groups they left or entered are recounted.

The nightly beat job, the refresh after a stage change (a ``p|<id>`` outbox key, drained with the
rollups) and a rule change all call it; a rule change recomputes every light in that one run.
tests/lights/test_lights_on_sqlite.py runs the same rule changes on both databases and compares.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scoping import CITY_EDIT_ROLES, check_can_edit, scoped_region_id
from core.history import bulk_history_options
from projects.models import (
    MILESTONE_FIELD,
    PROMISE_FIELD,
    Light,
    LightReason,
    Project,
    Stage,
)

from .models import (
    LightChange,
    LightDayMark,
    LightDayTally,
    LightRule,
    LightTally,
    SupervisionItem,
    Transition,
)

logger = logging.getLogger(__name__)

OPEN_STAGES = [t.value for t in Transition]
# A red light's 督办 item is due this many days after the light turned red.
SUPERVISION_DUE_DAYS = 15
# Above this many projects named by one outbox drain, recompute every light (one pass is cheaper
# than a long IN list).
_MANY = 2000


def today() -> dt.date:
    return timezone.localdate()


def is_city_editor(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in CITY_EDIT_ROLES)
    )


def _check_city_editor(user) -> None:
    if user is not None and not is_city_editor(user):
        raise PermissionDenied(_("Only city staff may do this."))


# --- rules -----------------------------------------------------------------------------------------
def _validate_rule(rule: LightRule) -> None:
    errors: dict[str, str] = {}
    for field in ("yellow_days", "red_days"):
        value = getattr(rule, field)
        if value is None:
            errors[field] = _("Please give the number of days.")
        elif value < 0:
            errors[field] = _("The number of days cannot be negative.")
        elif value > 3650:
            errors[field] = _("At most 3650 days (ten years).")
    if not errors and rule.red_days <= rule.yellow_days:
        errors["red_days"] = _(
            "The red limit must be longer than the yellow limit (red %(red)s days, yellow "
            "%(yellow)s days)."
        ) % {"red": rule.red_days, "yellow": rule.yellow_days}
    if errors:
        raise ValidationError(errors)
    same_scope = LightRule.objects.filter(
        is_current=True,
        from_stage=rule.from_stage,
        region_id=rule.region_id,
        chain_id=rule.chain_id,
        min_investment=rule.min_investment,
    ).exclude(series=rule.series)
    if same_scope.exists():
        raise ValidationError(
            _(
                "A rule for this transition and scope already exists (rule no. %(series)s): change "
                "that rule instead of adding a second one."
            )
            % {"series": same_scope.first().series}
        )


@transaction.atomic
def rule_create(
    *,
    by,
    from_stage: str,
    yellow_days: int,
    red_days: int,
    region=None,
    chain=None,
    min_investment: int | None = None,
    note: str = "",
    as_of: dt.date | None = None,
) -> LightRule:
    """A new rule (version 1); every light is recomputed in the same transaction."""
    _check_city_editor(by)
    # Serialise rule writes: two concurrent edits of one scope cannot both pass the check.
    list(LightRule.objects.select_for_update().filter(is_current=True).values_list("pk"))
    series = (
        LightRule.objects.order_by("-series").values_list("series", flat=True).first() or 0
    ) + 1
    rule = LightRule(
        series=series,
        version=1,
        from_stage=from_stage,
        region=region,
        chain=chain,
        min_investment=min_investment,
        yellow_days=yellow_days,
        red_days=red_days,
        note=note,
        created_by=by,
    )
    _validate_rule(rule)
    rule.full_clean(validate_constraints=False)
    rule.save()
    lights_refresh(as_of=as_of)
    return rule


@transaction.atomic
def rule_change(*, rule: LightRule, by, as_of: dt.date | None = None, **fields) -> LightRule:
    """A new version of `rule` with `fields` changed (the old version is kept, retired); every
    light is recomputed in the same transaction."""
    _check_city_editor(by)
    unknown = set(fields) - {
        "yellow_days",
        "red_days",
        "region",
        "chain",
        "min_investment",
        "from_stage",
        "note",
    }
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    list(LightRule.objects.select_for_update().filter(is_current=True).values_list("pk"))
    current = LightRule.objects.get(series=rule.series, is_current=True)
    new = LightRule(
        series=current.series,
        version=current.version + 1,
        from_stage=current.from_stage,
        region_id=current.region_id,
        chain_id=current.chain_id,
        min_investment=current.min_investment,
        yellow_days=current.yellow_days,
        red_days=current.red_days,
        note=current.note,
        created_by=by,
    )
    for key, value in fields.items():
        setattr(new, key, value)
    _validate_rule(new)
    new.full_clean(validate_constraints=False)
    LightRule.objects.filter(pk=current.pk).update(is_current=False)
    new.save()
    lights_refresh(as_of=as_of)
    return new


@transaction.atomic
def rule_retire(*, rule: LightRule, by, as_of: dt.date | None = None) -> None:
    """Stop applying a rule (its versions stay, for the history); lights are recomputed."""
    _check_city_editor(by)
    LightRule.objects.filter(series=rule.series, is_current=True).update(is_current=False)
    lights_refresh(as_of=as_of)


# --- lights ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Sql:
    """A condition on the project (alias ``p``), as SQL text with ``%s`` placeholders and their
    parameters. Written from the rules' values in each call: the columns are model field names and
    every value is a parameter."""

    text: str
    params: tuple = ()

    def __and__(self, other: _Sql) -> _Sql:
        return _Sql(f"{self.text} AND {other.text}", self.params + other.params)


def _day(value: dt.date):
    return connection.ops.adapt_datefield_value(value)  # a date on PostgreSQL, ISO text on SQLite


def _in(column: str, values) -> _Sql:
    values = tuple(values)
    if not values:
        return _Sql("1 = 0")
    return _Sql(f"{column} IN ({', '.join(['%s'] * len(values))})", values)


def _rule_matches(rule: LightRule) -> _Sql:
    match = _Sql("p.stage = %s", (rule.from_stage,))
    if rule.region_id is not None:
        match &= _Sql("p.region_id = %s", (rule.region_id,))
    if rule.chain_id is not None:
        match &= _Sql("p.chain_id = %s", (rule.chain_id,))
    if rule.min_investment is not None:
        match &= _Sql("p.planned_investment >= %s", (rule.min_investment,))
    return match


def _promises(as_of: dt.date) -> list[tuple[str, _Sql, str]]:
    """(stage, condition, planned field): the planned date for leaving the stage has passed."""
    return [
        (stage, _Sql(f"p.stage = %s AND p.{field} < %s", (stage, _day(as_of))), field)
        for stage, field in PROMISE_FIELD.items()
    ]


@dataclass(frozen=True)
class _Branch:
    """One branch of the light computation: when `condition` holds (and no earlier branch does),
    the project's light, reason, limit and judging rule are these values and its light is in
    force since the date in `since_field` plus `since_days` days (no date: None)."""

    condition: _Sql
    light: str
    reason: str
    since_field: str | None
    since_days: int
    limit: int | None
    rule: int | None


def light_branches(as_of: dt.date, rules: list[LightRule]) -> list[_Branch]:
    """The branches of every project's light as of `as_of`, in order (the first that holds
    applies).

    Per project the most specific matching rule applies. Red by the rule (days in the stage ≥ the
    red limit) comes first; then red by a missed promise (the planned date for leaving the stage
    has passed); then yellow by the rule; else green, since the stage was entered."""
    rules = sorted(rules, key=lambda r: (r.specificity, r.version), reverse=True)  # newest first
    # Outside the open pipeline (at capacity, dropped) or deleted: no light.
    open_stage = _in("p.stage", OPEN_STAGES)
    unlit = _Sql(f"(p.is_deleted OR NOT {open_stage.text})", open_stage.params)
    branches = [_Branch(unlit, "", "", None, 0, None, None)]
    promises = _promises(as_of)
    for rule in rules:
        match = _rule_matches(rule)
        milestone = MILESTONE_FIELD[rule.from_stage]
        red_on = as_of - dt.timedelta(days=rule.red_days)
        yellow_on = as_of - dt.timedelta(days=rule.yellow_days)
        branches.append(
            _Branch(
                match & _Sql(f"p.{milestone} <= %s", (_day(red_on),)),
                Light.RED,
                LightReason.OVER_LIMIT,
                milestone,
                rule.red_days,
                rule.red_days,
                rule.pk,
            )
        )
        for stage, condition, field in promises:
            if stage == rule.from_stage:
                branches.append(
                    _Branch(
                        match & condition,
                        Light.RED,
                        LightReason.PROMISE_MISSED,
                        field,
                        1,
                        None,
                        None,
                    )
                )
        branches.append(
            _Branch(
                match & _Sql(f"p.{milestone} <= %s", (_day(yellow_on),)),
                Light.YELLOW,
                LightReason.NEAR_LIMIT,
                milestone,
                rule.yellow_days,
                rule.yellow_days,
                rule.pk,
            )
        )
        branches.append(_Branch(match, Light.GREEN, "", milestone, 0, None, rule.pk))
    for _stage, condition, field in promises:
        branches.append(
            _Branch(condition, Light.RED, LightReason.PROMISE_MISSED, field, 1, None, None)
        )
    for stage in OPEN_STAGES:
        in_stage = _Sql("p.stage = %s", (stage,))
        branches.append(_Branch(in_stage, Light.GREEN, "", MILESTONE_FIELD[stage], 0, None, None))
    return branches


def _branch_number(branches: list[_Branch]) -> _Sql:
    """One CASE giving the number of the branch that applies (NULL: no light): every branch's
    condition is evaluated once, whatever the outputs derived from the number."""
    whens = [f"WHEN {b.condition.text} THEN {i}" for i, b in enumerate(branches)]
    params = tuple(value for b in branches for value in b.condition.params)
    return _Sql(f"CASE {' '.join(whens)} ELSE NULL END", params)


def _by_branch(column: str, pairs: list[tuple[int, str, list]], default: str = "NULL"):
    """``CASE <column> WHEN <number> THEN <sql> … ELSE <default> END`` (the branches whose value
    is not the default), with its parameters."""
    if not pairs:
        return default, []
    whens, params = [], []
    for number, sql, sql_params in pairs:
        whens.append(f"WHEN {int(number)} THEN {sql}")
        params.extend(sql_params)
    return f"CASE {column} {' '.join(whens)} ELSE {default} END", params


# The two clauses spelled per database; the query around them is the same.
# A fence that keeps the database from inlining a derived table's columns (each a long CASE) into
# every outer reference: PostgreSQL does not pull up a subquery with OFFSET, SQLite does not
# flatten one with LIMIT.
_FENCE = {"sqlite": "LIMIT -1"}
# A date plus a whole number of days, a date again (PostgreSQL: date + integer).
_PLUS_DAYS = {"sqlite": "date({date}, '+{days} days')"}
# The stored columns the derived table passes on, by their own names.
_STORED = ("id", "region_id", "light", "light_reason", "light_since", "light_limit", "stage")


def _plus_days(date: str, days: int) -> str:
    if not days:
        return date
    return _PLUS_DAYS.get(connection.vendor, "({date} + {days})").format(date=date, days=int(days))


def _changes_select(project_ids: list[int] | None, branches: list[_Branch]) -> tuple[str, list]:
    """The SELECT of (project, region, previous light, light, reason, since, limit, stage, rule)
    for the projects whose light changes: every project that has or can have a light (or those of
    `project_ids`). The number of the branch that applies is computed once per project in a
    derived table (with the project's stored light and the dates the branches count from); the
    light, reason, since, limit and rule are derived from that number around it, then compared
    null-safely with the stored light (``a <> b OR (a IS NULL) <> (b IS NULL)``, which both
    databases run). Plain SQL text from the branches, the same on both databases but for
    `_FENCE` and `_PLUS_DAYS`."""
    dates = sorted({b.since_field for b in branches if b.since_field})
    number = _branch_number(branches)
    may_have_light = _in("p.stage", OPEN_STAGES)
    where = _Sql(
        f"((NOT p.is_deleted AND {may_have_light.text}) OR p.light <> '')", may_have_light.params
    )
    if project_ids is not None:
        where &= _in("p.id", project_ids)
    columns = ", ".join(f"p.{c}" for c in (*_STORED, *dates))
    sql = (
        f"SELECT {columns}, {number.text} AS new_branch "  # noqa: S608 (field names; values are parameters)
        f"FROM {Project._meta.db_table} p WHERE {where.text}"
    )
    params = [*number.params, *where.params]
    since = [
        (i, _plus_days(f"m.{b.since_field}", b.since_days), [])
        for i, b in enumerate(branches)
        if b.since_field is not None
    ]
    outputs = {
        "n_light": _by_branch(
            "m.new_branch", [(i, "%s", [b.light]) for i, b in enumerate(branches) if b.light], "''"
        ),
        "n_reason": _by_branch(
            "m.new_branch",
            [(i, "%s", [b.reason]) for i, b in enumerate(branches) if b.reason],
            "''",
        ),
        "new_since": _by_branch("m.new_branch", since),
        "new_limit": _by_branch(
            "m.new_branch",
            [(i, str(int(b.limit)), []) for i, b in enumerate(branches) if b.limit is not None],
        ),
        "new_rule": _by_branch(
            "m.new_branch",
            [(i, str(int(b.rule)), []) for i, b in enumerate(branches) if b.rule is not None],
        ),
    }
    columns, output_params = [], []
    for name, (expression, expression_params) in outputs.items():
        if name in ("new_limit", "new_rule"):  # typed, also when every branch gives NULL
            expression = f"CAST({expression} AS INTEGER)"
        columns.append(f"{expression} AS {name}")
        output_params.extend(expression_params)
    differs = " OR ".join(
        f"(n.{old} <> n.{new} OR (n.{old} IS NULL) <> (n.{new} IS NULL))"
        for old, new in (
            ("light", "n_light"),
            ("light_reason", "n_reason"),
            ("light_since", "new_since"),
            ("light_limit", "new_limit"),
        )
    )
    fence = _FENCE.get(connection.vendor, "OFFSET 0")
    return (
        "SELECT n.id, n.region_id, n.light, n.n_light, n.n_reason, n.new_since, n.new_limit, "  # noqa: S608 (field names; values are parameters)
        f"n.stage, n.new_rule FROM (SELECT m.*, {', '.join(columns)} "
        f"FROM ({sql}) m {fence}) n WHERE {differs}",
        [*output_params, *params],
    )


# Inside a caller's transaction (a drain, a rule change) no savepoint of its own (two round trips
# in every drain): a failure here rolls the caller back whole, which is what both want.
@transaction.atomic(savepoint=False)
def lights_refresh(
    *,
    as_of: dt.date | None = None,
    project_ids: Iterable[int] | None = None,
    groups: Iterable[tuple[int, str]] = (),
) -> int:
    """Recompute the light of every project (or of `project_ids`) as of `as_of` (default today):
    a history row for each change, the projects updated, a 督办 item opened for each project
    that newly turned red. Returns the number of lights that changed. Idempotent.

    Statements: one INSERT … SELECT of the history rows (the only pass over the projects), one
    UPDATE … FROM of the changed projects from those rows (no second evaluation of the rules),
    one INSERT … SELECT of the new reds' 督办 items and one of their change-history records, and
    the tally. ``UPDATE … FROM`` runs on PostgreSQL and on SQLite ≥ 3.33.

    The tally: the full pass rewrites it; with `project_ids`, the (region, stage) groups of the
    projects whose light changed are recounted, and `groups` too: the groups those projects left
    or entered since the tally was last kept (a move to another region or stage; the drain
    listener reads them from the outbox keys)."""
    as_of = as_of or today()
    # Unordered: light_branches orders the rules itself (the model's ordering costs a third of the
    # query's Python).
    rules = list(LightRule.objects.filter(is_current=True).order_by())
    branches = light_branches(as_of, rules)
    ids = list(project_ids) if project_ids is not None else None
    select, params = _changes_select(ids, branches)
    ops = connection.ops
    recorded_at = timezone.now()
    now = ops.adapt_datetimefield_value(recorded_at)
    table = LightChange._meta.db_table
    project_table = Project._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (project_id, region_id, previous_light, light, reason, since, "  # noqa: S608 (fixed column list; values are parameters)
            f"limit_days, stage, rule_id, as_of, recorded_at) SELECT c.*, %s, %s FROM ({select}) c",
            [ops.adapt_datefield_value(as_of), now, *params],
        )
        changed = cursor.rowcount
        if changed:
            # The rows just recorded are exactly the projects to update, with their new values.
            cursor.execute(
                f"UPDATE {project_table} SET light = h.light, light_reason = h.reason, "  # noqa: S608 (fixed names; values are parameters)
                f"light_since = h.since, light_limit = h.limit_days FROM {table} h "
                f"WHERE h.recorded_at = %s AND h.project_id = {project_table}.id",
                [now],
            )
    recorded = LightChange.objects.filter(recorded_at=recorded_at)
    new_reds = changed
    groups = set(groups)
    if changed and project_ids is not None:
        # A few projects: their rows tell which tally groups to recount and whether one turned red.
        rows = list(recorded.values_list("region_id", "stage", "light", "previous_light"))
        groups.update((region_id, stage) for region_id, stage, _light, _previous in rows)
        new_reds = any(light == Light.RED != previous for _r, _s, light, previous in rows)
    if changed:
        _follow_day_tallies(recorded)
    if new_reds:
        _open_red_items(recorded.filter(light=Light.RED).exclude(previous_light=Light.RED), as_of)
    if project_ids is None:
        _rewrite_tally()  # the full pass also re-derives the dashboards' tally
    else:
        _recount_tally(groups)
    return changed


def _rewrite_tally() -> None:
    """LightTally from the stored lights (red and yellow only: the partial index)."""
    LightTally.objects.all().delete()
    rows = (
        Project.objects.filter(light__in=[Light.RED, Light.YELLOW])
        .order_by()
        .values("region_id", "stage", "light")
        .annotate(n=Count("id"))
    )
    LightTally.objects.bulk_create(
        LightTally(region_id=r["region_id"], stage=r["stage"], light=r["light"], count=r["n"])
        for r in rows
    )


def _recount_tally(groups: set[tuple[int, str]]) -> None:
    """LightTally of the (region, stage) `groups` recounted from the stored lights (one count
    over those groups' red and yellow projects, one read of their tally rows); only the cells
    whose count differs are written. The other groups' cells are untouched: a change of a few
    projects costs the same whatever the number of lit projects city-wide."""
    if not groups:
        return
    lit = [Light.RED, Light.YELLOW]
    within = Q()
    for region_id, stage in groups:
        within |= Q(region_id=region_id, stage=stage)
    counted = {
        (r, s, light): n
        for r, s, light, n in Project.objects.filter(within, light__in=lit)
        .order_by()
        .values_list("region_id", "stage", "light")
        .annotate(n=Count("id"))
    }
    stored = {
        (r, s, light): (pk, n)
        for pk, r, s, light, n in LightTally.objects.filter(within).values_list(
            "pk", "region_id", "stage", "light", "count"
        )
    }
    gone = [pk for cell, (pk, _n) in stored.items() if cell not in counted]
    if gone:
        LightTally.objects.filter(pk__in=gone).delete()
    new = []
    for (region_id, stage, light), n in counted.items():
        pk, was = stored.get((region_id, stage, light), (None, None))
        if pk is None:
            new.append(LightTally(region_id=region_id, stage=stage, light=light, count=n))
        elif was != n:
            LightTally.objects.filter(pk=pk).update(count=n)
    LightTally.objects.bulk_create(new)


def ensure_default_rules() -> None:
    """The default deadline (signed → started, 150 / 180 days) when no signed rule is current:
    the data migration writes it; reference loaders call this after a database was flushed."""
    if not LightRule.objects.filter(from_stage=Transition.SIGNED, is_current=True).exists():
        series = (
            LightRule.objects.order_by("-series").values_list("series", flat=True).first() or 0
        ) + 1
        LightRule.objects.create(
            series=series, version=1, from_stage=Transition.SIGNED, yellow_days=150, red_days=180
        )


def _open_red_items(changes, as_of: dt.date) -> int:
    """A 督办 item for each project that newly turned red and has no unfinished red-light item,
    with its change-history record ("+"): two INSERT … SELECT statements (the first computation
    opens one for every red light, up to hundreds of thousands). The owner is the project's
    owner when that is county staff of the project's region. Returns how many were opened."""
    unfinished = SupervisionItem.objects.filter(origin=SupervisionItem.Origin.RED_LIGHT).exclude(
        status=SupervisionItem.Status.CLOSED
    )
    ops = connection.ops
    opened_at = timezone.now()
    now = ops.adapt_datetimefield_value(opened_at)
    instruction = Case(
        *[When(stage=stage, then=Value(_red_light_text(stage))) for stage in OPEN_STAGES],
        default=Value(""),
        output_field=CharField(),
    )
    select = (
        Project.objects.filter(pk__in=changes.values("project_id"))
        .exclude(pk__in=unfinished.values("project_id"))
        .order_by()
        .annotate(
            i_project=F("pk"),
            i_region=F("region_id"),
            i_owner=Case(
                When(
                    owner__role=Role.COUNTY_STAFF,
                    owner__region_id=F("region_id"),
                    then=F("owner_id"),
                ),
                default=Value(None),
                output_field=IntegerField(),
            ),
            i_instruction=instruction,
        )
        .values_list("i_project", "i_region", "i_owner", "i_instruction")
    )
    sql, params = select.query.sql_with_params()
    item_table = SupervisionItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {item_table} (created_at, updated_at, origin, due_on, status, answer, "  # noqa: S608 (fixed column list; values are parameters)
            "review_note, project_id, region_id, owner_id, instruction) "
            f"SELECT %s, %s, %s, %s, %s, '', '', s.* FROM ({sql}) s",
            [
                now,
                now,
                SupervisionItem.Origin.RED_LIGHT,
                ops.adapt_datefield_value(as_of + dt.timedelta(days=SUPERVISION_DUE_DAYS)),
                SupervisionItem.Status.OPEN,
                *params,
            ],
        )
        opened = cursor.rowcount
        if opened:
            _record_created_items(cursor, now)
    return opened


def _record_created_items(cursor, created_at) -> None:
    """The change-history ("+") records of the red-light items created at `created_at`, as
    simple-history's bulk helper would write them (the reason and client IP of
    `bulk_history_options`), copied by one INSERT … SELECT."""
    historical = SupervisionItem.history.model
    options = bulk_history_options()
    user = options["default_user"]
    extra = {
        "history_date": created_at,
        "history_change_reason": options["default_change_reason"] or None,
        "history_type": "+",
        "history_user_id": user.pk if user is not None else None,
        "ip_address": options["custom_historical_attrs"]["ip_address"],
    }
    columns, values, params = [], [], []
    for field in historical._meta.concrete_fields:
        if field.name == "history_id":
            continue
        columns.append(field.column)
        if field.attname in extra:
            values.append("%s")
            params.append(extra[field.attname])
        else:
            values.append(f"i.{SupervisionItem._meta.get_field(field.name).column}")
    cursor.execute(
        f"INSERT INTO {historical._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 (column names from the models; values are parameters)
        f"SELECT {', '.join(values)} FROM {SupervisionItem._meta.db_table} i "
        "WHERE i.created_at = %s AND i.origin = %s",
        [*params, created_at, SupervisionItem.Origin.RED_LIGHT],
    )


def red_light_instruction(project: Project) -> str:
    return _red_light_text(project.stage)


def _red_light_text(stage: str) -> str:
    stage = Stage(stage).label
    return _(
        "Red light (%(stage)s): explain why the project has not moved on, what is being done and "
        "when it will; attach evidence."
    ) % {"stage": stage}


def lights_refresh_from_outbox(keys: set[str]) -> None:
    """Drain listener: recompute the lights of the projects an outbox drain names (``p|<id>``).

    The keys also tell what else can have changed. A project that moved to another region or
    stage named the (region, stage) of its snapshot cell before and after the move (``s|`` keys),
    so the tally's groups to recount are those keys' groups when they name more than one (plus
    the groups of the projects whose light changed); and only when the keys name more than one
    region can a project have moved region, so only then are the moves followed (its history row
    in the new region, its 督办 items taken along)."""
    ids = {int(k[2:]) for k in keys if k.startswith("p|")}
    if not ids:
        return
    groups, regions = set(), set()
    for key in keys:
        kind, _sep, rest = key.partition("|")
        if kind == "s":
            region, stage = rest.split("|")[:2]
            groups.add((int(region), stage))
            regions.add(region)
        elif kind == "c":
            regions.add(rest.split("|")[1])
        elif kind == "m":
            regions.add(rest.split("|")[0])
    if len(ids) > _MANY:
        lights_refresh()
    else:
        lights_refresh(project_ids=ids, groups=groups if len(groups) > 1 else ())
    if len(regions) > 1:
        _record_moves(ids)
        # A project moved to another region takes its 督办 items along.
        moved = SupervisionItem.objects.filter(project_id__in=ids).exclude(
            region_id=F("project__region_id")
        )
        for item_id, region_id in moved.values_list("pk", "project__region_id"):
            SupervisionItem.objects.filter(pk=item_id).update(region_id=region_id)


def _record_moves(ids: set[int]) -> None:
    """A lit project moved to another region: a history row in the new region, in force from
    today (a past period counts the light where the project was then)."""
    latest = {}
    for row in (
        LightChange.objects.filter(project_id__in=ids)
        .order_by("project_id", "-id")
        .values("project_id", "region_id", "light", "reason", "limit_days", "stage", "rule_id")
    ):
        latest.setdefault(row["project_id"], row)
    regions = dict(Project.all_objects.filter(pk__in=list(latest)).values_list("pk", "region_id"))
    as_of = today()
    rows = [
        LightChange(
            project_id=pk,
            region_id=regions[pk],
            previous_light=row["light"],
            light=row["light"],
            reason=row["reason"],
            since=as_of if row["light"] else None,
            limit_days=row["limit_days"],
            stage=row["stage"],
            rule_id=row["rule_id"],
            as_of=as_of,
        )
        for pk, row in latest.items()
        if pk in regions and row["region_id"] != regions[pk]
    ]
    created = LightChange.objects.bulk_create(rows)
    if created:
        _follow_day_tallies(LightChange.objects.filter(pk__in=[row.pk for row in created]))


def _follow_day_tallies(new: QuerySet[LightChange]) -> None:
    """Keep every counted day's LightDayTally exact, in the transaction that recorded `new`
    (history rows just written, at most one per project): on each counted day a new row has taken
    effect by, it is now the project's row in force (the last recorded), so its light counts
    there instead of the row in force before it. A delta per counted day, from the new rows and
    the rows they replace (one index probe each); readers of a counted day (the dashboards' past
    cards, the assessment) then read the tally alone, never the history."""
    effective = Coalesce("since", "as_of")
    lit = [Light.RED, Light.YELLOW]
    # The counted days some new row has taken effect by (one query; none counted: nothing to do).
    days = LightDayMark.objects.filter(
        Exists(new.alias(on=effective).filter(on__lte=OuterRef("day")))
    ).values_list("day", flat=True)
    for day in days:
        now_in_force = new.alias(on=effective).filter(on__lte=day)
        replaced = (
            LightChange.objects.alias(on=effective)
            .filter(project=OuterRef("project_id"), pk__lt=OuterRef("pk"), on__lte=day)
            .order_by("-pk")
            .values("pk")[:1]
        )
        delta: dict[tuple, int] = {}
        for sign, rows in (
            (1, now_in_force),
            (-1, LightChange.objects.filter(pk__in=now_in_force.values(prev=Subquery(replaced)))),
        ):
            grouped = (
                rows.filter(light__in=lit)
                .order_by()
                .values_list("region_id", "stage", "light")
                .annotate(n=Count("id"))
            )
            for region_id, stage, light, n in grouped:
                key = (region_id, stage, light)
                delta[key] = delta.get(key, 0) + sign * n
        for (region_id, stage, light), n in delta.items():
            if not n:
                continue
            cell = LightDayTally.objects.filter(
                day=day, region_id=region_id, stage=stage, light=light
            )
            if not cell.update(count=F("count") + n) and n > 0:
                LightDayTally.objects.create(
                    day=day, region_id=region_id, stage=stage, light=light, count=n
                )
        if any(n < 0 for n in delta.values()):
            LightDayTally.objects.filter(day=day, count=0).delete()  # as a count leaves none


# --- 督办 ------------------------------------------------------------------------------------------
def may_answer(user, item: SupervisionItem) -> bool:
    """The county answers (its staff, for a project of their region); the city closes or
    returns, never answers its own instruction."""
    if user is None:
        return True
    if user.role == Role.COUNTY_STAFF:
        return scoped_region_id(user) == item.project.region_id
    return False


@transaction.atomic
def supervision_open(
    *, project: Project, by, due_on: dt.date, instruction: str, owner=None
) -> SupervisionItem:
    """City staff open a 督办 item on any project by hand."""
    _check_city_editor(by)
    instruction = (instruction or "").strip()
    if not instruction:
        raise ValidationError({"instruction": _("Please write the instruction.")})
    if due_on is None:
        raise ValidationError({"due_on": _("Please give the due date.")})
    if owner is not None and not (
        owner.role == Role.COUNTY_STAFF and owner.region_id == project.region_id
    ):
        raise ValidationError(
            {"owner": _("The responsible person must be county staff of the project's region.")}
        )
    item = SupervisionItem(
        project=project,
        region_id=project.region_id,
        origin=SupervisionItem.Origin.MANUAL,
        owner=owner,
        due_on=due_on,
        instruction=instruction,
        opened_by=by,
    )
    item.full_clean(validate_constraints=False)
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def supervision_answer(*, item: SupervisionItem, by, answer: str) -> SupervisionItem:
    """The county answers (again, after a return). The answer text is required."""
    item = SupervisionItem.objects.select_for_update().select_related("project").get(pk=item.pk)
    if by is not None:
        check_can_edit(by, item.project)
        if not may_answer(by, item):
            raise PermissionDenied(_("Only the county staff of the project's region answer."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Please write the answer.")})
    if item.status not in (SupervisionItem.Status.OPEN, SupervisionItem.Status.RETURNED):
        raise ValidationError(_("This item is not waiting for an answer."))
    item.answer = answer
    item.status = SupervisionItem.Status.ANSWERED
    item.answered_at = timezone.now()
    item.answered_by = by
    item._history_user = by
    item.save()
    return item


def _review(item: SupervisionItem, by, status: str, note: str) -> SupervisionItem:
    if not is_city_editor(by):
        raise PermissionDenied(_("Only city staff close or return a supervision item."))
    item = SupervisionItem.objects.select_for_update().get(pk=item.pk)
    if item.status != SupervisionItem.Status.ANSWERED:
        raise ValidationError(_("Only an answered item can be closed or returned."))
    item.status = status
    item.review_note = (note or "").strip()[:500]
    item.closed_at = timezone.now() if status == SupervisionItem.Status.CLOSED else None
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def supervision_close(*, item: SupervisionItem, by, note: str = "") -> SupervisionItem:
    return _review(item, by, SupervisionItem.Status.CLOSED, note)


@transaction.atomic
def supervision_return(*, item: SupervisionItem, by, note: str) -> SupervisionItem:
    if not is_city_editor(by):
        raise PermissionDenied(_("Only city staff close or return a supervision item."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Please say what is missing from the answer.")})
    return _review(item, by, SupervisionItem.Status.RETURNED, note)

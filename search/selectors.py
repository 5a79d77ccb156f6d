"""Global search (the header box on every page, and /search/): one read over projects, enterprises,
events, parks and people, always through `accounts.scoping`.

What a query matches, on both databases alike:
- Chinese (or any) text anywhere in a name or title (`icontains`);
- full pinyin and initials of an enterprise, project, park, contact or user name or an event title
  ("jlqc" -> 吉利汽车, "zlx" -> 张立新), from the pinyin / initials columns their services derive on
  every save
  (`core.textnorm.pinyin_keys`) — the same matching as the enterprise list
  (`enterprises.filtersets.search_q`); a project is also found by its investor's name, pinyin and
  credit code, as on the project list;
- a query of one or two characters ("吉利", "jl", SHORT_QUERY) only at the start of a name, title,
  pinyin or initials: it holds no trigram, so a trigram index cannot narrow `LIKE '%jl%'` and
  PostgreSQL would read every row (10^6 projects); `LIKE 'jl%'` is a range scan of the B-tree
  `text_pattern_ops` indexes of search.0004. The same lookups, `startswith` for `contains`, on both
  databases; the answer says that short queries match starts only;
- the start of a unified social credit code;
- a mobile number (four digits or more) of an enterprise contact, which also finds the enterprise
  and its projects, or of a user.

A county user's projects group holds only what `scope_projects` lets them see, so another county's
confidential project is never matched, shown or counted, by any of these fields.

One code path serves both databases. On PostgreSQL the `icontains` / `contains` / `startswith`
filters are served by pg_trgm GIN indexes (migrations search.0001–0004) — a trigram index answers
`LIKE '%…%'`, which a B-tree cannot — and the short queries' `istartswith` / `startswith` by the
B-tree prefix indexes of search.0004; SQLite (the embedded default) scans, which is fine at its
size. The one backend difference is `_closeness`: PostgreSQL orders equally ranked matches by
trigram similarity, SQLite by name.

Cost (docs/PERFORMANCE.md, "Global search"): beyond the database's own work, a dropdown call's
time was mostly Django building and compiling six querysets (their clones, joins, annotations, a
rank CASE resolved per arm, the UNION's compiler): 10–14 ms of CPU a call whatever the data size,
3–6× the database's own time for a light query. So the statement is put together here, and Django
writes only what carries a rule:
- which rows a user may see: `accounts.scoping`'s queryset for each model (`scope`,
  `scope_projects`, with the manager's own filter, e.g. not deleted), its WHERE compiled by Django
  and used as is (`_rows_of`) — no second copy of the access policy;
- every match and rank condition: the Q objects below (`_name_match`, `_name_starts`, `_like`,
  `enterprises.filtersets.search_q`), each compiled by Django's own lookups for the database at
  hand (`_Conditions`: LIKE escaping, the UPPER(col::text) forms the indexes hold);
- the SELECT around them (the rank CASE of three conditions, the closeness, the columns, the region
  join, the names looked up by subquery, ORDER BY and LIMIT) is plain SQL text in `_ranked`, the
  same on both databases (double-quoted names, CAST … AS TEXT).
Each table is named by its own name, also inside the subqueries of the same table (a condition
reads the row of its nearest FROM). About 3–4 ms of CPU a call (time.process_time). The ORM
can say the whole statement, but at three times the CPU, which the light queries' budget (≤ 3× the
database's own time) cannot afford: this text frame replaces it, on both databases, tested on both.

On PostgreSQL the six statements are sent as one UNION ALL, each part ordered and limited on its
own; SQLite cannot order or limit the parts of a compound statement, so there the same statements
run one after the other (`_rows`, tested on both). A match that reaches another table (an
enterprise's contacts by mobile, a project's investor) is a UNION of id lists, never an OR with a
subquery: with the OR, PostgreSQL reads every enterprise and, through the investors, every project
(seconds at 10^6 projects). Names from another table (a project's investor, a contact's enterprise)
are looked up by a subquery for the rows shown only, not joined: for many matches PostgreSQL would
hash the whole enterprises table first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import F, Q
from django.db.models.functions import Concat
from django.db.models.sql import Query
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scoping import scope, scope_projects
from enterprises.filtersets import search_q
from enterprises.models import Enterprise, EnterpriseContact, IndustrialPark
from events.models import PromotionEvent
from projects.models import Project, Stage

# A longer query cannot name anything better, and it would only make the LIKE patterns longer.
MAX_QUERY_LENGTH = 50
SUGGEST_LIMIT = 5  # per group, in the header's dropdown
PAGE_LIMIT = 30  # per group, on /search/
MIN_PHONE_DIGITS = 4
# Up to this many characters (spaces aside) a query holds no trigram: it matches starts only.
SHORT_QUERY = 2


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str | None  # None: shown, not openable (e.g. a user, for someone without the admin)


@dataclass
class Group:
    kind: str  # projects, enterprises, events, parks, people
    label: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # more matches than shown


@dataclass
class SearchResult:
    query: str  # the text searched for, after cleaning ("" when nothing usable was typed)
    groups: list[Group]
    notice: str = ""  # why nothing was searched, or that the query was shortened

    @property
    def found(self) -> bool:
        return any(group.hits for group in self.groups)


def clean_query(raw: str | None) -> tuple[str, str]:
    """The text to search for and a notice (Chinese) about it. Full-width letters and digits become
    half-width (NFKC), invisible format characters go, whitespace collapses; text without a single
    letter or digit (only punctuation) is not searched."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    notice = ""
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].strip()
        notice = _("Only the first %(n)d characters were searched for.") % {"n": MAX_QUERY_LENGTH}
    if not any(ch.isalnum() for ch in text):
        return "", _(
            "Type part of a name (Chinese, pinyin or initials), a credit code or a mobile number."
        )
    return text, notice


def is_short(text: str) -> bool:
    """Whether `text` is a short query, matched only at the start of names, pinyin and initials."""
    return len(text.replace(" ", "")) <= SHORT_QUERY


def _like(field_name: str, value: str, *, short: bool, fold_case: bool = True) -> Q:
    """`field` holds `value` (anywhere, or at its start for a short query), ignoring case unless
    the column is already lower case (pinyin, initials, digits): each form is what an index of
    search.0001–0004 holds."""
    lookup = ("i" if fold_case else "") + ("startswith" if short else "contains")
    return Q(**{f"{field_name}__{lookup}": value})


def _pinyin_letters(text: str) -> str:
    """The query as pinyin letters ("jlqc", "Ji Li"), or "" if it holds anything else: the same
    rule as the enterprise search (enterprises.filtersets.search_q)."""
    letters = "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha())
    return letters if letters and letters == text.lower().replace(" ", "") else ""


def _digits(text: str) -> str:
    """The digits of a phone-like query ("138 0013-8000", "+86 138…"), or "" if it is not one."""
    compact = "".join(ch for ch in text if ch not in " -+()")
    if not compact.isdigit() or len(compact) < MIN_PHONE_DIGITS:
        return ""
    return compact[2:] if compact.startswith("86") and len(compact) == 13 else compact


def _enterprise_match(text: str) -> Q:
    """Enterprises matching `text` by name, normalised name, pinyin, initials or credit code
    (enterprises.filtersets.search_q), and, for a phone-like query, those with a contact holding
    the number: then the ids are a UNION of the two, each part served by its own indexes on
    PostgreSQL. Written as one OR with the contacts' subquery, the planner reads every enterprise
    (and, through the projects' investors, every project: seconds at 10^6 projects)."""
    match = search_q(text, starts_only=is_short(text))
    digits = _digits(text)
    if not digits:
        return match
    ids = Enterprise.all_objects.filter(match).order_by().values("pk")
    by_contact = EnterpriseContact.objects.filter(mobile_normalized__contains=digits)
    return Q(pk__in=ids.union(by_contact.order_by().values("enterprise_id"), all=True))


def _name_match(text: str, name: str = "name", pinyin: str = "name_pinyin") -> Q:
    """The name (or title), its pinyin or its initials holds the query (starts with it, for a
    short query). `pinyin` is the pinyin column; the initials column is named alike."""
    short = is_short(text)
    match = _like(name, text, short=short)
    letters = _pinyin_letters(text)
    if letters:
        initials = pinyin.replace("_pinyin", "_initials")
        match |= _like(pinyin, letters, short=short, fold_case=False)
        match |= _like(initials, letters, short=short, fold_case=False)
    return match


def _name_starts(text: str, name: str = "name", pinyin: str = "name_pinyin") -> Q:
    """The name, or its initials or pinyin when pinyin letters were typed, starts with the query."""
    starts = Q(**{f"{name}__istartswith": text})
    letters = _pinyin_letters(text)
    if letters:
        initials = pinyin.replace("_pinyin", "_initials")
        starts |= Q(**{f"{initials}__startswith": letters}) | Q(
            **{f"{pinyin}__startswith": letters}
        )
    return starts


# --- the statement ------------------------------------------------------------------------------------
# A fragment of SQL and its parameters.
Sql = tuple[str, list]


def _q(name: str) -> str:
    """A table or column name in SQL: double quotes, as both PostgreSQL and SQLite quote them."""
    return f'"{name}"'


class _Conditions:
    """Conditions (Q objects) on one model's rows, written in SQL by Django's own lookups for the
    database at hand (its LIKE escaping and UPPER casts: every form an index of search.0001–0004
    holds), on the model's table by its own name. `annotations`: names the conditions may use
    beside the model's fields (the users' full name)."""

    def __init__(self, model, **annotations):
        self.query = Query(model)
        for alias, expression in annotations.items():
            self.query.add_annotation(expression, alias)
        self.compiler = self.query.get_compiler(using=DEFAULT_DB_ALIAS)

    def sql(self, condition: Q) -> Sql:
        try:
            sql, params = self.compiler.compile(self.query.build_where(condition))
        except EmptyResultSet:
            return "1 = 0", []
        except FullResultSet:
            return "1 = 1", []
        return sql, list(params)

    def annotation(self, alias: str) -> Sql:
        sql, params = self.compiler.compile(self.query.annotations[alias])
        return sql, list(params)


def _rows_of(qs) -> Sql | None:
    """The rows of `qs` (`accounts.scoping`'s queryset, or a manager's) as a condition on its
    table: its WHERE as Django writes it; None when it holds no row. A rule that reaches another
    table (none of the searched models' does) becomes its ids."""
    query = qs.query
    if len(query.alias_map) > 1:
        sql, params = qs.order_by().values("pk").query.sql_with_params()
        table, pk = query.model._meta.db_table, query.model._meta.pk.column
        return f"{_q(table)}.{_q(pk)} IN ({sql})", list(params)
    try:
        sql, params = query.get_compiler(using=DEFAULT_DB_ALIAS).compile(query.where)
    except EmptyResultSet:
        return None
    except FullResultSet:
        return "1 = 1", []
    return sql, list(params)


def _closeness(name: Sql, text: str) -> Sql:
    """How close a matched value is to the query, to order matches of equal rank: trigram
    similarity on PostgreSQL (pg_trgm), nothing on SQLite (the group's own order instead)."""
    if connection.vendor == "postgresql":
        return f"SIMILARITY({name[0]}, %s)", [*name[1], text]
    return "0.0", []


def _col(model, column: str) -> Sql:
    return f"{_q(model._meta.db_table)}.{_q(column)}", []


def _region(model) -> str:
    """The join to the row's region, for its name (`REGION`)."""
    return f" LEFT OUTER JOIN {_q('core_region')} ON ({_col(model, 'region_id')[0]} = {REGION_ID})"


REGION_ID = f"{_q('core_region')}.{_q('id')}"
REGION: Sql = (f"{_q('core_region')}.{_q('name')}", [])
BLANK: Sql = ("''", [])


def _ranked(
    tag: str,
    text: str,
    limit: int,
    *,
    scoped,
    match: Sql,
    conditions: _Conditions,
    starts: Q,
    name: str = "name",
    name_sql: Sql | None = None,
    columns: list[Sql],
    joins: str = "",
    order: str,
) -> Sql | None:
    """One arm's statement: the rows of `scoped` (the access policy's queryset) that `match`,
    best first: the exact name (rank 0), then a start of the name, its pinyin or initials
    (`starts`, 1), then the name holding the query anywhere (2), then the rest (matched by pinyin
    inside, an investor, a mobile: 3); equal ranks by trigram closeness on PostgreSQL, then
    `order`; at most `limit` rows of (rank, closeness, `tag`, the six `columns`). None when the
    user may see no row of the model."""
    rows = _rows_of(scoped)
    if rows is None:
        return None
    model = scoped.model
    name_sql = name_sql or _col(model, name)
    parts = [
        ("SELECT CASE WHEN ", []),
        conditions.sql(Q(**{f"{name}__iexact": text})),
        (" THEN 0 WHEN ", []),
        conditions.sql(starts),
        (" THEN 1 WHEN ", []),
        conditions.sql(Q(**{f"{name}__icontains": text})),
        (" THEN 2 ELSE 3 END, ", []),
        _closeness(name_sql, text),
        (f", '{tag}'", []),
    ]
    for column in columns:
        parts += [(", ", []), column]
    parts += [(f" FROM {_q(model._meta.db_table)}{joins} WHERE (", []), rows, (") AND (", [])]
    parts += [match, (f") ORDER BY 1, 2 DESC, {order} LIMIT {int(limit)}", [])]
    return "".join(sql for sql, _p in parts), [p for _sql, params in parts for p in params]


# Each arm of the one statement: a group's rows (the people group has two: contacts, then users),
# and how one of its rows (the six columns after the tag) becomes a hit.
def _projects(user, text: str, limit: int) -> Sql | None:
    return _ranked(
        "projects",
        text,
        limit,
        scoped=scope_projects(Project.objects.all(), user),
        match=_project_ids(text),
        conditions=_Conditions(Project),
        starts=_name_starts(text),
        columns=[
            _col(Project, "id"),
            _col(Project, "name"),
            _col(Project, "stage"),
            REGION,
            # The investor's name for the rows shown only (a subquery after the LIMIT), not
            # joined: for many matches ("新能源") PostgreSQL would hash the whole enterprises table.
            (_name_of(Enterprise, _col(Project, "investor_id")[0]), []),
            BLANK,
        ],
        joins=_region(Project),
        order=f"{_col(Project, 'registered_on')[0]} DESC, {_col(Project, 'id')[0]} DESC",
    )


def _name_of(model, key: str) -> str:
    """The name of the `model` row whose id is `key` (a column), as a scalar subquery."""
    table = _q(model._meta.db_table)
    return f'(SELECT U0."name" FROM {table} U0 WHERE U0."id" = {key})'  # noqa: S608  # nosec B608


def _project_ids(text: str) -> Sql:
    """Projects whose name holds `text` or whose investor matches it, as a UNION of the two ids:
    each part is served by its own index on PostgreSQL (the name's trigram or prefix index, the
    investor foreign key's B-tree). Written as one OR, the planner cannot combine an index with
    the investor subquery and reads the whole projects table for every search (EXPLAIN ANALYZE:
    a sequential scan at any size, 10^6 rows at 10^6 projects). The subqueries name their tables
    as the outer statement does: each condition reads its own subquery's row."""
    named, p0 = _Conditions(Project).sql(_name_match(text))
    investors, p1 = _rows_of(Enterprise.objects.all())  # not deleted
    matched, p2 = _Conditions(Enterprise).sql(_enterprise_match(text))
    project, enterprise = _q(Project._meta.db_table), _q(Enterprise._meta.db_table)
    by_name = f'SELECT {project}."id" FROM {project} WHERE {named}'  # noqa: S608  # nosec B608
    investor = f'{project}."investor_id"'
    by_investor = f'SELECT {project}."id" FROM {project} WHERE {investor} IN ('  # noqa: S608  # nosec B608
    of = f'SELECT {enterprise}."id" FROM {enterprise} WHERE ({investors}) AND ({matched})'  # noqa: S608  # nosec B608
    sql = f'{project}."id" IN ({by_name} UNION ALL {by_investor}{of}))'
    return sql, [*p0, *p1, *p2]


def _project_hit(row, user) -> Hit:
    pk, name, stage, region, investor, _pad = row
    return Hit(
        title=name,
        detail=f"{region} · {_choice(Stage, stage)} · {investor}",
        url=reverse("projects:detail", kwargs={"pk": pk}),
    )


def _enterprises(user, text: str, limit: int) -> Sql | None:
    starts = _name_starts(text)
    code = text.upper()
    if code.isalnum() and len(code) >= 4:
        starts |= Q(credit_code__startswith=code)
    conditions = _Conditions(Enterprise)
    return _ranked(
        "enterprises",
        text,
        limit,
        scoped=scope(Enterprise.objects.all(), user),
        match=conditions.sql(_enterprise_match(text)),
        conditions=conditions,
        starts=starts,
        columns=[
            _col(Enterprise, "id"),
            _col(Enterprise, "name"),
            _col(Enterprise, "credit_code"),
            REGION,
            BLANK,
            BLANK,
        ],
        joins=_region(Enterprise),
        order=f"{_col(Enterprise, 'name_pinyin')[0]}, {_col(Enterprise, 'id')[0]}",
    )


def _enterprise_hit(row, user) -> Hit:
    pk, name, credit_code, region, _pad, _pad2 = row
    return Hit(
        title=name,
        detail=" · ".join(part for part in (region, credit_code) if part),
        url=reverse("enterprises:detail", kwargs={"pk": pk}),
    )


def _events(user, text: str, limit: int) -> Sql | None:
    match = _name_match(text, "title", "title_pinyin")
    match |= _like("place_city", text, short=is_short(text))
    conditions = _Conditions(PromotionEvent)
    day = _col(PromotionEvent, "start_on")[0]
    return _ranked(
        "events",
        text,
        limit,
        scoped=scope(PromotionEvent.objects.all(), user),
        match=conditions.sql(match),
        conditions=conditions,
        starts=_name_starts(text, "title", "title_pinyin"),
        name="title",
        columns=[
            _col(PromotionEvent, "id"),
            _col(PromotionEvent, "title"),
            (f"CAST({day} AS TEXT)", []),  # YYYY-MM-DD on both databases
            _col(PromotionEvent, "place_city"),
            BLANK,
            BLANK,
        ],
        order=f"{day} DESC, {_col(PromotionEvent, 'id')[0]} DESC",
    )


def _event_hit(row, user) -> Hit:
    pk, title, day, place_city, _pad, _pad2 = row
    return Hit(
        title=title,
        detail=f"{day} · {place_city}",
        url=reverse("events:detail", kwargs={"pk": pk}),
    )


def _parks(user, text: str, limit: int) -> Sql | None:
    conditions = _Conditions(IndustrialPark)
    return _ranked(
        "parks",
        text,
        limit,
        scoped=scope(IndustrialPark.objects.all(), user),
        match=conditions.sql(_name_match(text)),
        conditions=conditions,
        starts=_name_starts(text),
        columns=[
            _col(IndustrialPark, "id"),
            _col(IndustrialPark, "name"),
            _col(IndustrialPark, "kind"),
            REGION,
            BLANK,
            BLANK,
        ],
        joins=_region(IndustrialPark),
        order=f"{_col(IndustrialPark, 'name')[0]}, {_col(IndustrialPark, 'id')[0]}",
    )


def _park_hit(row, user) -> Hit:
    pk, name, kind, region, _pad, _pad2 = row
    return Hit(
        title=name,
        detail=f"{region} · {_choice(IndustrialPark.Kind, kind)}",
        url=reverse("enterprises:park_detail", kwargs={"pk": pk}),
    )


def _contacts(user, text: str, limit: int) -> Sql | None:
    """Enterprise contacts by name, its pinyin or initials, or a mobile number."""
    digits = _digits(text)
    match = _name_match(text)
    if digits:
        match |= Q(mobile_normalized__contains=digits)
    conditions = _Conditions(EnterpriseContact)
    sql, params = conditions.sql(match)
    # Not a join with the enterprises: for a few hundred matches PostgreSQL hashes the whole
    # enterprises table (10^5 rows at 10^6 projects). The deleted ones are few (an index on the
    # flag); the name is looked up for the rows shown only (a subquery after the LIMIT).
    enterprise_id = _col(EnterpriseContact, "enterprise_id")[0]
    enterprises = _q(Enterprise._meta.db_table)
    deleted = f'SELECT U0."id" FROM {enterprises} U0 WHERE U0."is_deleted"'  # noqa: S608  # nosec B608
    return _ranked(
        "contacts",
        text,
        limit,
        scoped=scope(EnterpriseContact.objects.all(), user),
        match=(f"({sql}) AND NOT ({enterprise_id} IN ({deleted}))", params),
        conditions=conditions,
        starts=_name_starts(text),
        columns=[
            (enterprise_id, []),
            _col(EnterpriseContact, "name"),
            _col(EnterpriseContact, "title"),
            _col(EnterpriseContact, "phone"),
            (_name_of(Enterprise, enterprise_id), []),
            BLANK,
        ],
        order=f"{_col(EnterpriseContact, 'name')[0]}, {_col(EnterpriseContact, 'id')[0]}",
    )


def _contact_hit(row, user) -> Hit:
    enterprise_id, name, title, phone, enterprise, _pad = row
    return Hit(
        title=name,
        detail=" · ".join(part for part in (enterprise, title, phone) if part),
        url=reverse("enterprises:detail", kwargs={"pk": enterprise_id}) + "#contacts",
    )


def _users(user, text: str, limit: int) -> Sql | None:
    """Users (city roles see every user, others only themselves) by the full name (last name,
    then first), its pinyin or initials (accounts.services.user_save derives them), the username,
    the first name alone, or a mobile number."""
    short = is_short(text)
    match = _name_match(text, "full_name") | _like("username", text, short=short)
    match |= _like("first_name", text, short=short)
    digits = _digits(text)
    if digits:
        match |= Q(phone__contains=digits)
    model = get_user_model()
    conditions = _Conditions(model, full_name=Concat(F("last_name"), F("first_name")))
    full_name = conditions.annotation("full_name")
    return _ranked(
        "users",
        text,
        limit,
        scoped=scope(model.objects.filter(is_active=True), user),
        match=conditions.sql(match),
        conditions=conditions,
        starts=_name_starts(text, "full_name"),
        name="full_name",
        name_sql=full_name,
        columns=[
            _col(model, "id"),
            _col(model, "username"),
            full_name,
            _col(model, "role"),
            _col(model, "phone"),
            REGION,
        ],
        joins=_region(model),
        order=f"{_col(model, 'username')[0]}, {_col(model, 'id')[0]}",
    )


def _user_hit(row, user) -> Hit:
    pk, username, full_name, role, phone, region = row
    may_admin = user.is_staff and user.has_perm("accounts.change_user")
    return Hit(
        title=(full_name or "").strip() or username,
        detail=" · ".join(part for part in (_choice(Role, role), region, phone) if part),
        url=reverse("admin:accounts_user_change", args=[pk]) if may_admin else None,
    )


def _choice(choices, value) -> str:
    """The label of a stored choice (the value itself if it is not one)."""
    return str(dict(choices.choices).get(value, value))


# (tag, the group it fills, its statement, its hit), in the groups' order.
ARMS = [
    ("projects", "projects", _projects, _project_hit),
    ("enterprises", "enterprises", _enterprises, _enterprise_hit),
    ("events", "events", _events, _event_hit),
    ("parks", "parks", _parks, _park_hit),
    ("contacts", "people", _contacts, _contact_hit),
    ("users", "people", _users, _user_hit),
]
GROUPS = ["projects", "enterprises", "events", "parks", "people"]


def _rows(statements: list[Sql]) -> list[tuple]:
    """The arms' rows in one statement where the database can order and limit each part of a
    UNION ALL (PostgreSQL); SQLite (the embedded default) cannot, so there each arm is its own
    statement. The same statements and the same rows either way."""
    with connection.cursor() as cursor:
        if connection.features.supports_slicing_ordering_in_compound and len(statements) > 1:
            cursor.execute(
                " UNION ALL ".join(f"({sql})" for sql, _p in statements),
                [p for _sql, params in statements for p in params],
            )
            return cursor.fetchall()
        rows = []
        for sql, params in statements:
            cursor.execute(sql, params)
            rows += cursor.fetchall()
        return rows


def _labels() -> dict[str, str]:
    return {
        "projects": _("Projects"),
        "enterprises": _("Enterprises"),
        "events": _("Events"),
        "parks": _("Parks"),
        "people": _("People"),
    }


def global_search(*, user, q: str | None, limit: int = SUGGEST_LIMIT) -> SearchResult:
    """Everything `user` may see that matches `q`, grouped by kind, best matches first in each
    group (exact name, then the start of a name, pinyin initials or credit code, then anywhere),
    at most `limit` per group; a query of one or two characters matches only starts. Never raises
    on what was typed."""
    text, notice = clean_query(q)
    if text and is_short(text) and not notice:
        notice = _(
            "One or two characters match only the start of a name, its pinyin or initials; "
            "type more to search anywhere in it."
        )
    labels = _labels()
    groups = {kind: Group(kind=kind, label=labels[kind]) for kind in GROUPS}
    if not text or user is None or not user.is_authenticated:
        return SearchResult(query=text, groups=list(groups.values()), notice=notice)
    # Each arm's best `limit` + 1 rows (the last tells "more"), all in one statement.
    rows: dict[str, list[tuple]] = {tag: [] for tag, *_rest in ARMS}
    statements = [arm(user, text, limit + 1) for _tag, _kind, arm, _hit in ARMS]
    for row in _rows([statement for statement in statements if statement]):
        rows[row[2]].append(row[3:])  # (rank, closeness, tag, the six columns)
    for tag, kind, _arm, hit in ARMS:
        group = groups[kind]
        room = limit - len(group.hits)  # the people group: contacts first, then users
        group.hits += [hit(row, user) for row in rows[tag][:room]]
        group.more = group.more or len(rows[tag]) > room
    return SearchResult(query=text, groups=list(groups.values()), notice=notice)

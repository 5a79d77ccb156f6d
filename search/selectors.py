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

Cost (docs/PERFORMANCE.md, "Global search"): beyond the database's own work, most of a dropdown
call's time is Django building and compiling its SQL, so the one path keeps that small: each
group's rows come from one plain queryset (`ARMS`: its match filter, one rank CASE, the closeness,
rows as tuples, no model instances), and hits are built from the tuples. On PostgreSQL the six
querysets are sent as one UNION ALL statement, each part ordered and limited on its own; SQLite
cannot order or limit the parts of a compound statement, so there the same querysets run one
after the other (`_rows`, tested on both). A match that reaches another table (an enterprise's
contacts by mobile, a project's investor) is a UNION of id lists, never an OR with a subquery:
with the OR, PostgreSQL reads every enterprise and, through the investors, every project (seconds
at 10^6 projects). Names from another table (a project's investor, a contact's enterprise) are
looked up by a subquery for the rows shown only, not joined: for many matches PostgreSQL would
hash the whole enterprises table first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
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


def _closeness(field_name: str, text: str):
    """How close a matched value is to the query, to order matches of equal rank: trigram
    similarity on PostgreSQL (pg_trgm), nothing on SQLite (the group's own order instead)."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        return TrigramSimilarity(field_name, text)
    return Value(0.0, output_field=FloatField())


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


def _project_ids(text: str):
    """The ids of projects whose name holds `text` or whose investor matches it, as a UNION of
    the two: each part is served by its own index on PostgreSQL (the name's trigram index, the
    investor foreign key's B-tree). Written as one OR, the planner cannot combine an index with
    the investor subquery and reads the whole projects table for every search (EXPLAIN ANALYZE:
    a sequential scan at any size, 10^6 rows at 10^6 projects)."""
    named = Project.all_objects.filter(_name_match(text)).order_by().values("pk")
    investors = Enterprise.objects.filter(_enterprise_match(text)).order_by().values("pk")
    by_investor = Project.all_objects.filter(investor__in=investors)
    return named.union(by_investor.order_by().values("pk"), all=True)


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


def _ranked(qs, text: str, tag: str, *, name: str = "name", starts: Q, order: tuple, fields):
    """`qs` best matches first, as tuples (rank, closeness, `tag`, then six columns: `fields`
    padded with ""): the exact name (rank 0), then a start of the name, its pinyin or initials
    (`starts`, 1), then the name holding the query anywhere (2), then the rest (matched by pinyin
    inside, an investor, a mobile: 3); equal ranks by trigram closeness on PostgreSQL, then
    `order`. Not yet sliced."""
    rank = Case(
        When(**{f"{name}__iexact": text}, then=Value(0)),
        When(starts, then=Value(1)),
        When(**{f"{name}__icontains": text}, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    # The rank and the closeness are selected and ordered by their column: ordered by the
    # expressions themselves, Django resolves, hashes and compiles them once more (a good part of
    # the call's time).
    padding = (Value("", output_field=CharField()),) * (6 - len(fields))
    return (
        qs.annotate(rank=rank, closeness=_closeness(name, text))
        .order_by("rank", "-closeness", *order)
        .values_list("rank", "closeness", Value(tag, output_field=CharField()), *fields, *padding)
    )


# Each arm of the one statement: a group's rows (the people group has two: contacts, then users),
# and how one of its rows (the six columns after the tag) becomes a hit.
def _projects(user, text: str):
    # Ranked by the project's own name: a project found by its investor ranks last. The
    # investor's name is looked up for the rows shown only (a subquery after the LIMIT), not
    # joined: for many matches ("新能源") PostgreSQL would hash the whole enterprises table.
    investor = Enterprise.all_objects.filter(pk=OuterRef("investor_id")).order_by().values("name")
    return _ranked(
        scope_projects(Project.objects.all(), user)
        .filter(pk__in=_project_ids(text))
        .annotate(investor_name=Subquery(investor[:1])),
        text,
        "projects",
        starts=_name_starts(text),
        order=("-registered_on", "-id"),
        fields=("pk", "name", "stage", "region__name", "investor_name"),
    )


def _project_hit(row, user) -> Hit:
    pk, name, stage, region, investor, _pad = row
    return Hit(
        title=name,
        detail=f"{region} · {_choice(Stage, stage)} · {investor}",
        url=reverse("projects:detail", kwargs={"pk": pk}),
    )


def _enterprises(user, text: str):
    starts = _name_starts(text)
    code = text.upper()
    if code.isalnum() and len(code) >= 4:
        starts |= Q(credit_code__startswith=code)
    return _ranked(
        scope(Enterprise.objects.all(), user).filter(_enterprise_match(text)),
        text,
        "enterprises",
        starts=starts,
        order=("name_pinyin", "id"),
        fields=("pk", "name", "credit_code", "region__name"),
    )


def _enterprise_hit(row, user) -> Hit:
    pk, name, credit_code, region, _pad, _pad2 = row
    return Hit(
        title=name,
        detail=" · ".join(part for part in (region, credit_code) if part),
        url=reverse("enterprises:detail", kwargs={"pk": pk}),
    )


def _events(user, text: str):
    match = _name_match(text, "title", "title_pinyin")
    match |= _like("place_city", text, short=is_short(text))
    return _ranked(
        scope(PromotionEvent.objects.all(), user)
        .filter(match)
        .annotate(day=Cast("start_on", CharField())),
        text,
        "events",
        name="title",
        starts=_name_starts(text, "title", "title_pinyin"),
        order=("-start_on", "-id"),
        fields=("pk", "title", "day", "place_city"),
    )


def _event_hit(row, user) -> Hit:
    pk, title, day, place_city, _pad, _pad2 = row
    return Hit(
        title=title,
        detail=f"{day} · {place_city}",
        url=reverse("events:detail", kwargs={"pk": pk}),
    )


def _parks(user, text: str):
    return _ranked(
        scope(IndustrialPark.objects.all(), user).filter(_name_match(text)),
        text,
        "parks",
        starts=_name_starts(text),
        order=("name", "id"),
        fields=("pk", "name", "kind", "region__name"),
    )


def _park_hit(row, user) -> Hit:
    pk, name, kind, region, _pad, _pad2 = row
    return Hit(
        title=name,
        detail=f"{region} · {_choice(IndustrialPark.Kind, kind)}",
        url=reverse("enterprises:park_detail", kwargs={"pk": pk}),
    )


def _contacts(user, text: str):
    """Enterprise contacts by name, its pinyin or initials, or a mobile number."""
    digits = _digits(text)
    match = _name_match(text)
    if digits:
        match |= Q(mobile_normalized__contains=digits)
    # Not a join with the enterprises: for a few hundred matches PostgreSQL hashes the whole
    # enterprises table (10^5 rows at 10^6 projects). The deleted ones are few (an index on the
    # flag); the name is looked up for the rows shown only (a subquery after the LIMIT).
    deleted = Enterprise.all_objects.filter(is_deleted=True).values("pk")
    enterprise = (
        Enterprise.all_objects.filter(pk=OuterRef("enterprise_id")).order_by().values("name")
    )
    return _ranked(
        scope(EnterpriseContact.objects.all(), user)
        .filter(match)
        .exclude(enterprise_id__in=deleted)
        .annotate(enterprise_name=Subquery(enterprise[:1])),
        text,
        "contacts",
        starts=_name_starts(text),
        order=("name", "id"),
        fields=("enterprise_id", "name", "title", "phone", "enterprise_name"),
    )


def _contact_hit(row, user) -> Hit:
    enterprise_id, name, title, phone, enterprise, _pad = row
    return Hit(
        title=name,
        detail=" · ".join(part for part in (enterprise, title, phone) if part),
        url=reverse("enterprises:detail", kwargs={"pk": enterprise_id}) + "#contacts",
    )


def _users(user, text: str):
    """Users (city roles see every user, others only themselves) by the full name (last name,
    then first), its pinyin or initials (accounts.services.user_save derives them), the username,
    the first name alone, or a mobile number."""
    short = is_short(text)
    match = _name_match(text, "full_name") | _like("username", text, short=short)
    match |= _like("first_name", text, short=short)
    digits = _digits(text)
    if digits:
        match |= Q(phone__contains=digits)
    return _ranked(
        scope(get_user_model().objects.filter(is_active=True), user)
        .annotate(full_name=Concat(F("last_name"), F("first_name")))
        .filter(match),
        text,
        "users",
        name="full_name",
        starts=_name_starts(text, "full_name"),
        order=("username", "id"),
        fields=("pk", "username", "full_name", "role", "phone", "region__name"),
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


def _rows(arms: list) -> list[tuple]:
    """The arms' rows in one statement where the database can order and limit each part of a
    UNION ALL (PostgreSQL); SQLite (the embedded default) cannot, so there each arm is its own
    statement. The same querysets and the same rows either way."""
    if connection.features.supports_slicing_ordering_in_compound and len(arms) > 1:
        return list(arms[0].union(*arms[1:], all=True))
    return [row for arm in arms for row in arm]


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
    for row in _rows([arm(user, text)[: limit + 1] for _tag, _kind, arm, _hit in ARMS]):
        rows[row[2]].append(row[3:])  # (rank, closeness, tag, the six columns)
    for tag, kind, _arm, hit in ARMS:
        group = groups[kind]
        room = limit - len(group.hits)  # the people group: contacts first, then users
        group.hits += [hit(row, user) for row in rows[tag][:room]]
        group.more = group.more or len(rows[tag]) > room
    return SearchResult(query=text, groups=list(groups.values()), notice=notice)

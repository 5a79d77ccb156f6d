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

Cost (docs/PERFORMANCE.md, "Global search"): a dropdown call is six statements, one per group and
one for the users, and most of its time beyond the database's is Django building and compiling
them. So each group is one plain statement: its match filter, one rank (exact / start / anywhere /
the rest) and the closeness, rows fetched as tuples (`values_list`, no model instances), and hits
built from the tuples. A match that reaches another table (an enterprise's contacts by mobile, a
project's investor) is a UNION of id lists, never an OR with a subquery: with the OR, PostgreSQL
reads every enterprise and, through the investors, every project (seconds at 10^6 projects).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Concat
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
    similarity on PostgreSQL (pg_trgm), nothing on SQLite (the name orders them instead)."""
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


def _enterprise_ids(text: str):
    """The ids of enterprises matching `text` by name, normalised name, pinyin, initials or credit
    code (enterprises.filtersets.search_q), and, for a phone-like query, of those with a contact
    holding the number: a UNION of the two, each part served by its own indexes on PostgreSQL.
    Written as one OR with the contacts' subquery, the planner reads every enterprise (and, through
    the projects' investors, every project: seconds at 10^6 projects)."""
    ids = Enterprise.objects.filter(search_q(text, starts_only=is_short(text))).order_by()
    ids = ids.values("pk")
    digits = _digits(text)
    if digits:
        by_contact = EnterpriseContact.objects.filter(mobile_normalized__contains=digits)
        ids = ids.union(by_contact.order_by().values("enterprise_id"), all=True)
    return ids


def _project_ids(text: str):
    """The ids of projects whose name holds `text` or whose investor matches it, as a UNION of
    the two: each part is served by its own index on PostgreSQL (the name's trigram index, the
    investor foreign key's B-tree). Written as one OR, the planner cannot combine an index with
    the investor subquery and reads the whole projects table for every search (EXPLAIN ANALYZE:
    a sequential scan at any size, 10^6 rows at 10^6 projects)."""
    named = Project.all_objects.filter(_name_match(text)).order_by().values("pk")
    by_investor = Project.all_objects.filter(investor__in=_enterprise_ids(text))
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


def _ranked(qs, text: str, *, name: str = "name", starts: Q, order: tuple, fields: tuple, limit):
    """`qs` best matches first, as tuples of `fields`: the exact name (rank 0), then a start of
    the name, its pinyin or initials (`starts`, 1), then the name holding the query anywhere (2),
    then the rest (matched by pinyin inside, an investor, a mobile: 3); equal ranks by trigram
    closeness on PostgreSQL, then `order`. At most `limit` + 1 rows (the last tells "more")."""
    rank = Case(
        When(**{f"{name}__iexact": text}, then=Value(0)),
        When(starts, then=Value(1)),
        When(**{f"{name}__icontains": text}, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return list(
        qs.annotate(rank=rank, closeness=_closeness(name, text))
        .order_by("rank", "-closeness", *order)
        .values_list(*fields)[: limit + 1]
    )


def _projects(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    starts = _name_starts(text)
    letters = _pinyin_letters(text)
    starts |= Q(investor__name__istartswith=text)
    if letters:
        starts |= Q(investor__name_initials__startswith=letters)
    rows = _ranked(
        scope_projects(Project.objects.all(), user).filter(pk__in=_project_ids(text)),
        text,
        starts=starts,
        order=("-registered_on", "-id"),
        fields=("pk", "name", "stage", "region__name", "investor__name"),
        limit=limit,
    )
    stages = dict(Stage.choices)
    hits = [
        Hit(
            title=name,
            detail=f"{region} · {stages.get(stage, stage)} · {investor}",
            url=reverse("projects:detail", kwargs={"pk": pk}),
        )
        for pk, name, stage, region, investor in rows[:limit]
    ]
    return hits, len(rows) > limit


def _enterprises(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    starts = _name_starts(text)
    code = text.upper()
    if code.isalnum() and len(code) >= 4:
        starts |= Q(credit_code__startswith=code)
    rows = _ranked(
        scope(Enterprise.objects.all(), user).filter(pk__in=_enterprise_ids(text)),
        text,
        starts=starts,
        order=("name_pinyin", "id"),
        fields=("pk", "name", "credit_code", "region__name"),
        limit=limit,
    )
    hits = [
        Hit(
            title=name,
            detail=" · ".join(part for part in (region, credit_code) if part),
            url=reverse("enterprises:detail", kwargs={"pk": pk}),
        )
        for pk, name, credit_code, region in rows[:limit]
    ]
    return hits, len(rows) > limit


def _events(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    match = _name_match(text, "title", "title_pinyin")
    match |= _like("place_city", text, short=is_short(text))
    rows = _ranked(
        scope(PromotionEvent.objects.all(), user).filter(match),
        text,
        name="title",
        starts=_name_starts(text, "title", "title_pinyin"),
        order=("-start_on", "-id"),
        fields=("pk", "title", "start_on", "place_city"),
        limit=limit,
    )
    hits = [
        Hit(
            title=title,
            detail=f"{start_on.isoformat()} · {place_city}",
            url=reverse("events:detail", kwargs={"pk": pk}),
        )
        for pk, title, start_on, place_city in rows[:limit]
    ]
    return hits, len(rows) > limit


def _parks(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    rows = _ranked(
        scope(IndustrialPark.objects.all(), user).filter(_name_match(text)),
        text,
        starts=_name_starts(text),
        order=("name", "id"),
        fields=("pk", "name", "kind", "region__name"),
        limit=limit,
    )
    kinds = dict(IndustrialPark.Kind.choices)
    hits = [
        Hit(
            title=name,
            detail=f"{region} · {kinds.get(kind, kind)}",
            url=reverse("enterprises:park_detail", kwargs={"pk": pk}),
        )
        for pk, name, kind, region in rows[:limit]
    ]
    return hits, len(rows) > limit


def _people(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    """Enterprise contacts, then users (city roles see every user, others only themselves): by
    name, its pinyin or initials, or a mobile number; users also by their username."""
    digits = _digits(text)
    contact_match = _name_match(text)
    if digits:
        contact_match |= Q(mobile_normalized__contains=digits)
    contacts = scope(EnterpriseContact.objects.filter(enterprise__is_deleted=False), user)
    rows = _ranked(
        contacts.filter(contact_match),
        text,
        starts=_name_starts(text),
        order=("name", "id"),
        fields=("enterprise_id", "name", "title", "phone", "enterprise__name"),
        limit=limit,
    )
    hits = [
        Hit(
            title=name,
            detail=" · ".join(part for part in (enterprise, title, phone) if part),
            url=reverse("enterprises:detail", kwargs={"pk": enterprise_id}) + "#contacts",
        )
        for enterprise_id, name, title, phone, enterprise in rows[:limit]
    ]
    more = len(rows) > limit
    if len(hits) < limit:
        short = is_short(text)
        # The full name (last name, then first), its pinyin or initials (accounts.services.
        # user_save derives them), the username, or the first name alone.
        user_match = _name_match(text, "full_name") | _like("username", text, short=short)
        user_match |= _like("first_name", text, short=short)
        if digits:
            user_match |= Q(phone__contains=digits)
        users = (
            scope(get_user_model().objects.filter(is_active=True), user)
            .annotate(full_name=Concat(F("last_name"), F("first_name")))
            .filter(user_match)
            .order_by("username", "id")
            .values_list("pk", "username", "full_name", "role", "phone", "region__name")
        )
        room = limit - len(hits)
        user_rows = list(users[: room + 1])
        may_admin = bool(user_rows and user.is_staff and user.has_perm("accounts.change_user"))
        roles = dict(Role.choices)
        hits += [
            Hit(
                title=(full_name or "").strip() or username,
                detail=" · ".join(
                    part for part in (str(roles.get(role, role)), region, phone) if part
                ),
                url=reverse("admin:accounts_user_change", args=[pk]) if may_admin else None,
            )
            for pk, username, full_name, role, phone, region in user_rows[:room]
        ]
        more = more or len(user_rows) > room
    return hits, more


GROUPS = [
    ("projects", _projects),
    ("enterprises", _enterprises),
    ("events", _events),
    ("parks", _parks),
    ("people", _people),
]


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
    groups = [Group(kind=kind, label=labels[kind]) for kind, _find in GROUPS]
    if not text or user is None or not user.is_authenticated:
        return SearchResult(query=text, groups=groups, notice=notice)
    for group, (_kind, find) in zip(groups, GROUPS, strict=True):
        group.hits, group.more = find(user, text, limit)
    return SearchResult(query=text, groups=groups, notice=notice)

"""Global search (the header box on every page, and /search/): one read over projects, enterprises,
events, parks and people, always through `accounts.scoping`.

What a query matches, on both databases alike:
- Chinese (or any) text anywhere in a name or title (`icontains`);
- full pinyin and initials of an enterprise, project, park or contact name or an event title
  ("jlqc" -> 吉利汽车), from the pinyin / initials columns their services derive on every save
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

from accounts.scoping import scope, scope_projects
from enterprises.filtersets import search_q
from enterprises.models import Enterprise, EnterpriseContact, IndustrialPark
from events.models import PromotionEvent
from projects.models import Project

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


def _rank(*whens: When) -> Case:
    return Case(*whens, default=Value(9), output_field=IntegerField())


def _letters(text: str) -> str:
    return text.lower().replace(" ", "")


def _pinyin_letters(text: str) -> str:
    """The query as pinyin letters ("jlqc", "Ji Li"), or "" if it holds anything else: the same
    rule as the enterprise search (enterprises.filtersets.search_q)."""
    letters = "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha())
    return letters if letters and letters == _letters(text) else ""


def _digits(text: str) -> str:
    """The digits of a phone-like query ("138 0013-8000", "+86 138…"), or "" if it is not one."""
    compact = "".join(ch for ch in text if ch not in " -+()")
    if not compact.isdigit() or len(compact) < MIN_PHONE_DIGITS:
        return ""
    return compact[2:] if compact.startswith("86") and len(compact) == 13 else compact


def _enterprise_condition(text: str) -> Q:
    """Name, normalised name, pinyin, initials, credit code (enterprises.filtersets.search_q), or
    the mobile number of one of its contacts."""
    condition = search_q(text, starts_only=is_short(text)) or Q(pk__in=[])
    digits = _digits(text)
    if digits:
        condition |= Q(
            pk__in=EnterpriseContact.objects.filter(mobile_normalized__contains=digits).values(
                "enterprise_id"
            )
        )
    return condition


def _project_ids(text: str):
    """The ids of projects whose name holds `text` or whose investor matches it, as a UNION of
    the two: each part is served by its own index on PostgreSQL (the name's trigram index, the
    investor foreign key's B-tree). Written as one OR, the planner cannot combine an index with
    the investor subquery and reads the whole projects table for every search (EXPLAIN ANALYZE:
    a sequential scan at any size, 10^6 rows at 10^6 projects)."""
    investors = Enterprise.objects.filter(_enterprise_condition(text)).values("pk")
    short = is_short(text)
    by_name = _like("name", text, short=short)
    letters = _pinyin_letters(text)
    if letters:
        # Pinyin or initials of the project's own name (trigram indexes, search.0002).
        by_name |= _like("name_pinyin", letters, short=short, fold_case=False)
        by_name |= _like("name_initials", letters, short=short, fold_case=False)
    named = Project.all_objects.filter(by_name).order_by().values("pk")
    by_investor = Project.all_objects.filter(investor__in=investors).order_by().values("pk")
    return named.union(by_investor, all=True)


def _projects(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    letters = _letters(text)
    qs = (
        scope_projects(Project.objects.all(), user)
        .filter(pk__in=_project_ids(text))
        .annotate(
            rank=_rank(
                When(name__iexact=text, then=Value(0)),
                When(name__istartswith=text, then=Value(1)),
                When(investor__name__istartswith=text, then=Value(2)),
                When(investor__name_initials__startswith=letters, then=Value(2)),
                When(name_initials__startswith=letters, then=Value(2)),
                When(name_pinyin__startswith=letters, then=Value(2)),
                When(name__icontains=text, then=Value(3)),
            ),
            closeness=_closeness("name", text),
        )
        .select_related("region", "investor")
        .only("name", "stage", "region__name", "investor__name")
        .order_by("rank", "-closeness", "-registered_on", "-id")
    )
    rows = list(qs[: limit + 1])
    hits = [
        Hit(
            title=p.name,
            detail=" · ".join([p.region.name, p.get_stage_display(), p.investor.name]),
            url=reverse("projects:detail", kwargs={"pk": p.pk}),
        )
        for p in rows[:limit]
    ]
    return hits, len(rows) > limit


def _enterprises(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    letters = _letters(text)
    qs = (
        scope(Enterprise.objects.all(), user)
        .filter(_enterprise_condition(text))
        .annotate(
            rank=_rank(
                When(name__iexact=text, then=Value(0)),
                When(name__istartswith=text, then=Value(1)),
                When(name_initials__startswith=letters, then=Value(2)),
                When(name_pinyin__startswith=letters, then=Value(2)),
                When(credit_code__startswith=text.upper(), then=Value(2)),
                When(name__icontains=text, then=Value(3)),
            ),
            closeness=_closeness("name", text),
        )
        .select_related("region")
        .only("name", "credit_code", "region__name")
        .order_by("rank", "-closeness", "name_pinyin", "id")
    )
    rows = list(qs[: limit + 1])
    hits = [
        Hit(
            title=e.name,
            detail=" · ".join(
                part for part in (e.region.name if e.region else "", e.credit_code) if part
            ),
            url=reverse("enterprises:detail", kwargs={"pk": e.pk}),
        )
        for e in rows[:limit]
    ]
    return hits, len(rows) > limit


def _events(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    short = is_short(text)
    match = _like("title", text, short=short) | _like("place_city", text, short=short)
    # Starts with the query: the title, or its initials when pinyin letters were typed.
    starts = Q(title__istartswith=text)
    letters = _pinyin_letters(text)
    if letters:
        match |= _like("title_pinyin", letters, short=short, fold_case=False)
        match |= _like("title_initials", letters, short=short, fold_case=False)
        starts |= Q(title_initials__startswith=letters)
    qs = (
        scope(PromotionEvent.objects.all(), user)
        .filter(match)
        .annotate(
            rank=_rank(
                When(title__iexact=text, then=Value(0)),
                When(starts, then=Value(1)),
                When(title__icontains=text, then=Value(2)),
            ),
            closeness=_closeness("title", text),
        )
        .only("title", "start_on", "place_city")
        .order_by("rank", "-closeness", "-start_on", "-id")
    )
    rows = list(qs[: limit + 1])
    hits = [
        Hit(
            title=e.title,
            detail=f"{e.start_on.isoformat()} · {e.place_city}",
            url=reverse("events:detail", kwargs={"pk": e.pk}),
        )
        for e in rows[:limit]
    ]
    return hits, len(rows) > limit


def _name_match(text: str) -> Q:
    """A park's or contact's name, its pinyin or its initials holds the query (starts with it,
    for a short query)."""
    short = is_short(text)
    match = _like("name", text, short=short)
    letters = _pinyin_letters(text)
    if letters:
        match |= _like("name_pinyin", letters, short=short, fold_case=False)
        match |= _like("name_initials", letters, short=short, fold_case=False)
    return match


def _name_starts(text: str) -> Q:
    """The name, or its initials or pinyin when pinyin letters were typed, starts with the query."""
    starts = Q(name__istartswith=text)
    letters = _pinyin_letters(text)
    if letters:
        starts |= Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters)
    return starts


def _parks(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    qs = (
        scope(IndustrialPark.objects.all(), user)
        .filter(_name_match(text))
        .annotate(
            rank=_rank(
                When(name__iexact=text, then=Value(0)),
                When(_name_starts(text), then=Value(1)),
                When(name__icontains=text, then=Value(2)),
            ),
            closeness=_closeness("name", text),
        )
        .select_related("region")
        .only("name", "kind", "region__name")
        .order_by("rank", "-closeness", "name", "id")
    )
    rows = list(qs[: limit + 1])
    hits = [
        Hit(
            title=p.name,
            detail=f"{p.region.name} · {p.get_kind_display()}",
            url=reverse("enterprises:park_detail", kwargs={"pk": p.pk}),
        )
        for p in rows[:limit]
    ]
    return hits, len(rows) > limit


def _people(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    """Enterprise contacts, then users (city roles see every user, others only themselves)."""
    digits = _digits(text)
    contact_match = _name_match(text)
    if digits:
        contact_match |= Q(mobile_normalized__contains=digits)
    contacts = (
        scope(EnterpriseContact.objects.filter(enterprise__is_deleted=False), user)
        .filter(contact_match)
        .annotate(
            rank=_rank(
                When(name__iexact=text, then=Value(0)),
                When(_name_starts(text), then=Value(1)),
                When(name__icontains=text, then=Value(2)),
            )
        )
        .select_related("enterprise")
        .only("name", "title", "phone", "enterprise__name")
        .order_by("rank", "name", "id")
    )
    rows = list(contacts[: limit + 1])
    hits = [
        Hit(
            title=c.name,
            detail=" · ".join(part for part in (c.enterprise.name, c.title, c.phone) if part),
            url=reverse("enterprises:detail", kwargs={"pk": c.enterprise_id}) + "#contacts",
        )
        for c in rows[:limit]
    ]
    more = len(rows) > limit
    if len(hits) < limit:
        short = is_short(text)
        user_match = (
            _like("username", text, short=short)
            | _like("full_name", text, short=short)
            | _like("first_name", text, short=short)
        )
        if digits:
            user_match |= Q(phone__contains=digits)
        users = (
            scope(get_user_model().objects.filter(is_active=True), user)
            .annotate(full_name=Concat(F("last_name"), F("first_name")))
            .filter(user_match)
            .select_related("region")
            .only("username", "first_name", "last_name", "role", "phone", "region__name")
            .order_by("username", "id")
        )
        room = limit - len(hits)
        user_rows = list(users[: room + 1])
        may_admin = bool(user_rows and user.is_staff and user.has_perm("accounts.change_user"))
        hits += [
            Hit(
                title=u.display_name,
                detail=" · ".join(
                    part
                    for part in (u.get_role_display(), u.region.name if u.region else "", u.phone)
                    if part
                ),
                url=reverse("admin:accounts_user_change", args=[u.pk]) if may_admin else None,
            )
            for u in user_rows[:room]
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

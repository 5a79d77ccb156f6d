"""Global search (the header box on every page, and /search/): one read over projects, enterprises,
events, parks and people, always through `accounts.scoping`.

What a query matches, on both databases alike:
- Chinese (or any) text anywhere in a name or title (`icontains`);
- full pinyin and initials of an enterprise or project name or an event title ("jlqc" ->
  吉利汽车), from the pinyin / initials columns their services derive on every save
  (`core.textnorm.pinyin_keys`) — the same matching as the enterprise list
  (`enterprises.filtersets.search_q`); a project is also found by its investor's name, pinyin and
  credit code, as on the project list;
- the start of a unified social credit code;
- a mobile number (four digits or more) of an enterprise contact, which also finds the enterprise
  and its projects, or of a user.

A county user's projects group holds only what `scope_projects` lets them see, so another county's
confidential project is never matched, shown or counted, by any of these fields.

One code path serves both databases. On PostgreSQL the `icontains` / `contains` / `startswith`
filters are served by pg_trgm GIN indexes (migration search.0001) — a trigram index answers
`LIKE '%…%'`, which a B-tree cannot; SQLite (the embedded default) scans, which is fine at its
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
    condition = search_q(text) or Q(pk__in=[])
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
    by_name = Q(name__icontains=text)
    letters = _pinyin_letters(text)
    if letters:
        # Pinyin or initials of the project's own name (trigram indexes, search.0002).
        by_name |= Q(name_pinyin__contains=letters) | Q(name_initials__contains=letters)
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
    match = Q(title__icontains=text) | Q(place_city__icontains=text)
    # Starts with the query: the title, or its initials when pinyin letters were typed.
    starts = Q(title__istartswith=text)
    letters = _pinyin_letters(text)
    if letters:
        match |= Q(title_pinyin__contains=letters) | Q(title_initials__contains=letters)
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


def _parks(user, text: str, limit: int) -> tuple[list[Hit], bool]:
    qs = (
        scope(IndustrialPark.objects.all(), user)
        .filter(name__icontains=text)
        .annotate(
            rank=_rank(
                When(name__iexact=text, then=Value(0)),
                When(name__istartswith=text, then=Value(1)),
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
    contact_match = Q(name__icontains=text)
    if digits:
        contact_match |= Q(mobile_normalized__contains=digits)
    contacts = (
        scope(EnterpriseContact.objects.filter(enterprise__is_deleted=False), user)
        .filter(contact_match)
        .annotate(
            rank=_rank(
                When(name__iexact=text, then=Value(0)),
                When(name__istartswith=text, then=Value(1)),
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
        user_match = (
            Q(username__icontains=text)
            | Q(full_name__icontains=text)
            | Q(first_name__icontains=text)
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
    at most `limit` per group. Never raises on what was typed."""
    text, notice = clean_query(q)
    labels = _labels()
    groups = [Group(kind=kind, label=labels[kind]) for kind, _find in GROUPS]
    if not text or user is None or not user.is_authenticated:
        return SearchResult(query=text, groups=groups, notice=notice)
    for group, (_kind, find) in zip(groups, GROUPS, strict=True):
        group.hits, group.more = find(user, text, limit)
    return SearchResult(query=text, groups=groups, notice=notice)

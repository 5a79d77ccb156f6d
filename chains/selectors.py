"""Reads for the chain map, the target lists, the chain-leader view and the chain indicators.

Gap rule (DESIGN.md, 补链): a link is *filled* when a local enterprise sits on it — its main link, or a
local supplier link on it — or when a project on it has reached production (投产 or 达效). A link with
sub-links is filled when it or any sub-link is. Every other link is a *gap*. With a region or park
filter the same rule is applied to that region's or park's enterprises and projects only.

Projects are read through accounts.scoping, so a county user's map shows (and is filled by) the projects
that user may see; enterprises and chain roles are not region-confidential.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_projects
from core.models import ChainLink, IndustryChain, Region
from enterprises.models import ChainLeaderRole, Enterprise, IndustrialPark, SupplierLink
from projects.models import Project, Stage

from .models import ChainTarget

# A project on a link fills it from production on; earlier live stages "would fill it".
FILLING_STAGES = (Stage.PRODUCING, Stage.AT_CAPACITY)
PIPELINE_STAGES = (Stage.LEAD, Stage.NEGOTIATING, Stage.SIGNED, Stage.STARTED)
POSITION_ORDER = {
    ChainLink.Position.UPSTREAM: 0,
    ChainLink.Position.MIDSTREAM: 1,
    ChainLink.Position.DOWNSTREAM: 2,
}


@dataclass
class LinkState:
    """One link of a chain as the map shows it."""

    link: ChainLink
    depth: int = 0
    enterprises: list[Enterprise] = field(default_factory=list)
    leaders: list[Enterprise] = field(default_factory=list)
    producing_projects: list[Project] = field(default_factory=list)
    pipeline_projects: list[Project] = field(default_factory=list)
    open_targets: int = 0
    filled_directly: bool = False
    is_filled: bool = False

    @property
    def is_gap(self) -> bool:
        return not self.is_filled

    @property
    def enterprises_by_park(self) -> list[tuple[str, list[Enterprise]]]:
        groups: dict[str, list[Enterprise]] = defaultdict(list)
        for e in self.enterprises:
            groups[e.park.name if e.park_id else ""].append(e)
        return sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0]))


@dataclass
class ChainMap:
    chain: IndustryChain
    links: list[LinkState]
    leader_roles: list[ChainLeaderRole]
    region: Region | None = None
    park: IndustrialPark | None = None

    @property
    def gaps(self) -> list[LinkState]:
        return [s for s in self.links if s.is_gap]

    @property
    def gap_count(self) -> int:
        return len(self.gaps)


def _local_enterprises(region: Region | None, park: IndustrialPark | None) -> QuerySet:
    qs = Enterprise.objects.filter(is_local=True)
    if region is not None:
        qs = qs.filter(region=region)
    if park is not None:
        qs = qs.filter(park=park)
    return qs


def _link_states(
    links: list[ChainLink],
    *,
    user,
    region: Region | None = None,
    park: IndustrialPark | None = None,
) -> list[LinkState]:
    """The state of every link in `links`, in map order (position, then tree order). Constant queries."""
    states = {link.pk: LinkState(link=link) for link in links}
    link_ids = list(states)
    local = _local_enterprises(region, park)

    on_link: dict[int, dict[int, Enterprise]] = defaultdict(dict)
    for e in local.filter(main_link_id__in=link_ids).select_related("park"):
        on_link[e.main_link_id][e.pk] = e
    supplier_links = SupplierLink.objects.filter(
        link_id__in=link_ids, is_local=True, supplier__in=local
    ).select_related("supplier__park")
    for sl in supplier_links:
        on_link[sl.link_id].setdefault(sl.supplier_id, sl.supplier)

    leader_ids = set(
        ChainLeaderRole.objects.filter(chain_id__in={link.chain_id for link in links}).values_list(
            "enterprise_id", flat=True
        )
    )
    for link_id, enterprises in on_link.items():
        ordered = sorted(enterprises.values(), key=lambda e: (e.pk not in leader_ids, e.name))
        states[link_id].enterprises = ordered
        states[link_id].leaders = [e for e in ordered if e.pk in leader_ids]

    projects = scope_projects(Project.objects.all(), user).filter(
        chain_link_id__in=link_ids, stage__in=[*FILLING_STAGES, *PIPELINE_STAGES]
    )
    if region is not None:
        projects = projects.filter(region=region)
    if park is not None:
        projects = projects.filter(park=park)
    for p in projects.select_related("investor", "region").order_by("-planned_investment", "pk"):
        state = states[p.chain_link_id]
        if p.stage in FILLING_STAGES:
            state.producing_projects.append(p)
        else:
            state.pipeline_projects.append(p)

    open_targets = (
        ChainTarget.objects.filter(
            link_id__in=link_ids,
            status__in=[ChainTarget.Status.IDENTIFIED, ChainTarget.Status.CONTACTED],
        )
        .values("link_id")
        .annotate(n=Count("pk"))
    )
    for row in open_targets:
        states[row["link_id"]].open_targets = row["n"]

    for state in states.values():
        state.filled_directly = bool(state.enterprises or state.producing_projects)

    children: dict[int | None, list[LinkState]] = defaultdict(list)
    for state in states.values():
        parent_id = state.link.parent_id if state.link.parent_id in states else None
        children[parent_id].append(state)

    def fill(state: LinkState) -> bool:
        kids = [fill(child) for child in children.get(state.link.pk, [])]
        state.is_filled = state.filled_directly or any(kids)
        return state.is_filled

    ordered: list[LinkState] = []

    def walk(state: LinkState, depth: int) -> None:
        state.depth = depth
        ordered.append(state)
        for child in sorted(children.get(state.link.pk, []), key=_tree_key):
            walk(child, depth + 1)

    for root in sorted(children[None], key=lambda s: (s.link.chain_id, *_tree_key(s))):
        fill(root)
        walk(root, 0)
    return ordered


def _tree_key(state: LinkState) -> tuple:
    link = state.link
    return (POSITION_ORDER.get(link.position, 9), link.sort_order, link.name)


def chain_map(
    *, chain: IndustryChain, user, region: Region | None = None, park: IndustrialPark | None = None
) -> ChainMap:
    links = list(chain.links.all())
    roles = list(
        ChainLeaderRole.objects.filter(chain=chain)
        .select_related("enterprise__park", "enterprise__main_link")
        .order_by("level", "enterprise__name")
    )
    return ChainMap(
        chain=chain,
        links=_link_states(links, user=user, region=region, park=park),
        leader_roles=roles,
        region=region,
        park=park,
    )


@dataclass
class ChainSummary:
    chain: IndustryChain
    link_count: int
    gap_count: int
    leaders: list[Enterprise]
    open_targets: int
    pipeline_count: int


def chain_list(*, user) -> list[ChainSummary]:
    """Every chain with its gap count, leaders and open targets, in a constant number of queries."""
    chains = list(IndustryChain.objects.all())
    links = list(ChainLink.objects.all())
    states = _link_states(links, user=user)
    by_chain: dict[int, list[LinkState]] = defaultdict(list)
    for s in states:
        by_chain[s.link.chain_id].append(s)
    leaders: dict[int, list[Enterprise]] = defaultdict(list)
    for role in ChainLeaderRole.objects.select_related("enterprise").order_by("level"):
        if role.enterprise not in leaders[role.chain_id]:
            leaders[role.chain_id].append(role.enterprise)
    return [
        ChainSummary(
            chain=c,
            link_count=len(by_chain[c.pk]),
            gap_count=sum(1 for s in by_chain[c.pk] if s.is_gap),
            leaders=leaders[c.pk],
            open_targets=sum(s.open_targets for s in by_chain[c.pk]),
            pipeline_count=sum(len(s.pipeline_projects) for s in by_chain[c.pk]),
        )
        for c in chains
    ]


GRAPH_LABELS = {
    "enterprises": _("Local enterprises"),
    "leaders": _("Chain leaders"),
    "producing": _("In production"),
    "pipeline": _("In the pipeline"),
    "targets": _("Open targets"),
    "gap": _("Gap"),
    "filled": _("Filled"),
    "outside_parks": _("Outside parks"),
    "upstream": _("Upstream"),
    "midstream": _("Midstream"),
    "downstream": _("Downstream"),
}


def chain_graph_data(chain_map_: ChainMap) -> dict:
    """Nodes and edges for the ECharts graph: links in three columns (up / mid / downstream)."""
    columns: dict[str, int] = defaultdict(int)
    nodes, edges = [], []
    top: dict[str, list[str]] = defaultdict(list)
    for s in chain_map_.links:
        link = s.link
        row = columns[link.position]
        columns[link.position] += 1
        status = "filled" if s.is_filled else ("pipeline" if s.pipeline_projects else "gap")
        nodes.append(
            {
                "id": str(link.pk),
                "name": link.name,
                "position": link.position,
                "x": POSITION_ORDER.get(link.position, 1) * 320 + s.depth * 40,
                "y": row * 70,
                "status": status,
                "enterprises": [
                    {"park": park or "", "names": [e.name for e in ents]}
                    for park, ents in s.enterprises_by_park
                ],
                "leaders": [e.name for e in s.leaders],
                "producing": [p.name for p in s.producing_projects],
                "pipeline": [f"{p.name}({p.get_stage_display()})" for p in s.pipeline_projects],
                "targets": s.open_targets,
                "count": len(s.enterprises),
            }
        )
        if link.parent_id:
            edges.append({"source": str(link.parent_id), "target": str(link.pk), "kind": "part"})
        else:
            top[link.position].append(str(link.pk))
    ups, mids, downs = (top[p] for p in ("upstream", "midstream", "downstream"))
    for a_list, b_list in ((ups, mids), (mids, downs)):
        for a in a_list:
            for b in b_list:
                edges.append({"source": a, "target": b, "kind": "flow"})
    return {"nodes": nodes, "edges": edges, "labels": GRAPH_LABELS}


# --- targets -----------------------------------------------------------------------------------
def chain_targets(*, chain: IndustryChain, user) -> list[tuple[LinkState, list[ChainTarget]]]:
    """Each link of the chain with its targets, gaps first (the 招商目标清单)."""
    states = _link_states(list(chain.links.all()), user=user)
    targets: dict[int, list[ChainTarget]] = defaultdict(list)
    found = list(
        ChainTarget.objects.filter(link__chain=chain).select_related(
            "owner", "enterprise", "project", "link"
        )
    )
    # The lead a target became is a project like any other: shown only to those who may see it
    # (another county's confidential lead stays "converted", without its name or link).
    visible = set(
        scope_projects(Project.objects.all(), user)
        .filter(pk__in=[t.project_id for t in found if t.project_id])
        .values_list("pk", flat=True)
    )
    for t in found:
        t.visible_project = t.project if t.project_id in visible else None
        targets[t.link_id].append(t)
    rows = [(s, targets[s.link.pk]) for s in states]
    return sorted(rows, key=lambda r: (not r[0].is_gap, not r[1]))


# --- chain leaders -----------------------------------------------------------------------------
def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class SupplierRow:
    link: ChainLink
    local: list[SupplierLink]
    elsewhere: list[SupplierLink]


@dataclass
class LeaderSupply:
    leader: Enterprise
    roles: list[ChainLeaderRole]
    by_link: list[SupplierRow]
    local_count: int
    total_count: int
    trend: list[dict]
    projects: list[Project]

    @property
    def local_rate(self) -> Decimal | None:
        """本地配套率 = local suppliers / all suppliers, in per cent (one decimal)."""
        return percent(self.local_count, self.total_count)


def local_supporting_rate(*, leader: Enterprise, year: int | None = None) -> Decimal | None:
    """本地配套率 of `leader` in per cent: distinct local suppliers / distinct suppliers. With `year`,
    only supplier links in place by the end of that year count (a link without a since date is taken
    to have always been there)."""
    qs = SupplierLink.objects.filter(leader=leader)
    if year is not None:
        qs = qs.filter(Q(since__isnull=True) | Q(since__year__lte=year))
    total = qs.values("supplier_id").distinct().count()
    local = qs.filter(is_local=True).values("supplier_id").distinct().count()
    return percent(local, total)


def _supplier_counts(links: list[SupplierLink]) -> tuple[int, int]:
    suppliers = {sl.supplier_id for sl in links}
    local = {sl.supplier_id for sl in links if sl.is_local}
    return len(local), len(suppliers)


def leader_supply(*, leader: Enterprise, user) -> LeaderSupply:
    """A chain leader's suppliers by link, local vs elsewhere, the local rate, its trend by year and
    the live projects that bring suppliers in (investor already supplies it, or the project sits on
    the leader's chain in the leader's park)."""
    roles = list(leader.chain_roles.select_related("chain"))
    links = list(
        SupplierLink.objects.filter(leader=leader)
        .select_related("supplier__region", "supplier__park", "link")
        .order_by("link__sort_order", "supplier__name")
    )
    rows: dict[int, SupplierRow] = {}
    for sl in links:
        row = rows.setdefault(sl.link_id, SupplierRow(link=sl.link, local=[], elsewhere=[]))
        (row.local if sl.is_local else row.elsewhere).append(sl)
    local_count, total_count = _supplier_counts(links)

    years = sorted({sl.since.year for sl in links if sl.since})
    trend = []
    if years:
        for year in range(years[0], max(years[-1], timezone.localdate().year) + 1):
            in_place = [sl for sl in links if sl.since is None or sl.since.year <= year]
            loc, tot = _supplier_counts(in_place)
            trend.append({"year": year, "local": loc, "total": tot, "rate": percent(loc, tot)})

    supplier_ids = {sl.supplier_id for sl in links}
    condition = Q(investor_id__in=supplier_ids)
    chain_ids = [r.chain_id for r in roles]
    if leader.park_id and chain_ids:
        condition |= Q(chain_id__in=chain_ids, park_id=leader.park_id)
    projects = list(
        scope_projects(Project.objects.all(), user)
        .filter(condition)
        .exclude(investor=leader)
        .exclude(stage=Stage.DROPPED)
        .select_related("investor", "chain_link", "region")
        .order_by("-planned_investment", "pk")
    )
    return LeaderSupply(
        leader=leader,
        roles=roles,
        by_link=sorted(rows.values(), key=lambda r: (r.link.chain_id, r.link.sort_order)),
        local_count=local_count,
        total_count=total_count,
        trend=trend,
        projects=projects,
    )


def chain_leader_local_rates() -> list[dict]:
    """For dashboards: every chain leader with its local supporting rate (本地配套率, per cent)."""
    out = []
    roles = ChainLeaderRole.objects.select_related("enterprise", "chain").order_by("chain", "level")
    seen: set[int] = set()
    counts = {
        row["leader_id"]: row
        for row in SupplierLink.objects.values("leader_id").annotate(
            total=Count("supplier_id", distinct=True),
            local=Count("supplier_id", distinct=True, filter=Q(is_local=True)),
        )
    }
    for role in roles:
        if role.enterprise_id in seen:
            continue
        seen.add(role.enterprise_id)
        row = counts.get(role.enterprise_id, {"total": 0, "local": 0})
        out.append(
            {
                "enterprise_id": role.enterprise_id,
                "enterprise": role.enterprise.name,
                "chain": role.chain.name,
                "local": row["local"],
                "total": row["total"],
                "rate": percent(row["local"], row["total"]),
            }
        )
    return out


# --- indicators --------------------------------------------------------------------------------
@dataclass
class IndicatorProgress:
    """A chain programme's indicator (its chain, target and unit) with its latest reading."""

    chain_id: int
    chain_code: str
    chain_name: str
    programme: str
    name: str
    unit: str
    target_value: Decimal
    target_year: int | None
    latest_year: int | None
    latest_value: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        if self.latest_value is None:
            return None
        return percent(self.latest_value, self.target_value)

    @property
    def bar_percent(self) -> int:
        return min(100, int(self.percent or 0))

    def as_dict(self) -> dict:
        return {
            "chain": self.chain_code,
            "chain_name": self.chain_name,
            "programme": self.programme,
            "name": self.name,
            "unit": self.unit,
            "target": self.target_value,
            "target_year": self.target_year,
            "latest_year": self.latest_year,
            "latest_value": self.latest_value,
            "percent": self.percent,
        }


# Every indicator (of a chain: {chain}) with its chain and its latest reading (up to a year:
# {upto}; readings are unique per indicator and year), in the chain page's order.
INDICATOR_SQL = (
    "SELECT i.chain_id, c.code, c.name, i.programme, i.name, i.unit, i.target_value, "
    "i.target_year, r.year, r.value FROM chains_chainindicator i "
    "JOIN core_industrychain c ON c.id = i.chain_id "
    "LEFT JOIN chains_chainindicatorreading r ON r.indicator_id = i.id AND r.year = "
    "(SELECT max(l.year) FROM chains_chainindicatorreading l WHERE l.indicator_id = i.id{upto})"
    "{chain} ORDER BY c.sort_order, i.sort_order, i.name"
)
_PLACES = Decimal("0.0001")  # ChainIndicator.target_value's and the readings' decimal places


def _decimal(value) -> Decimal | None:
    """A decimal column read on a plain cursor: PostgreSQL gives the Decimal the ORM would; SQLite
    (the embedded default) an int or a float, made that Decimal."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(repr(value)).quantize(_PLACES)


def chain_indicator_progress(
    *, chain: IndustryChain | None = None, year: int | None = None
) -> list[IndicatorProgress]:
    """Each chain indicator with its latest reading (up to `year` if given) against its target.

    Meant for the chain page and the city dashboard: `[p.as_dict() for p in
    chain_indicator_progress()]` gives plain values. One fixed statement on a plain cursor
    (PostgreSQL and SQLite alike), whatever the number of indicators and readings: the city
    dashboard reads it on every request, and building the ORM's two queries (the indicators, their
    readings prefetched) cost more CPU than the database took to answer (issue 19)."""
    sql = INDICATOR_SQL.format(
        upto=" AND l.year <= %s" if year is not None else "",
        chain=" WHERE i.chain_id = %s" if chain is not None else "",
    )
    params = [*([year] if year is not None else []), *([chain.pk] if chain is not None else [])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        IndicatorProgress(
            chain_id=chain_id,
            chain_code=code,
            chain_name=chain_name,
            programme=programme,
            name=name,
            unit=unit,
            target_value=_decimal(target),
            target_year=target_year,
            latest_year=latest_year,
            latest_value=_decimal(latest),
        )
        for chain_id, code, chain_name, programme, name, unit, target, target_year, latest_year, latest in rows
    ]


def today() -> dt.date:
    return timezone.localdate()

"""Reading a ledger's rows into a plan: for every row, new / update / unchanged / error, with each
error's row, column and reason. Nothing here writes; `imports.services` applies a plan.

Foreign keys and existing records are resolved in bulk (a handful of queries per file, not per
row); each row is then checked with the same validators the services run.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import check_can_edit_region
from core.credit_code import normalize_credit_code
from core.models import ChainLink, IndustryChain, PromotionMethod, Region
from core.textnorm import check_name_characters, normalize_name
from enterprises.models import Enterprise, IndustrialPark
from enterprises.services import enterprise_validate
from events.models import EventKind, PromotionEvent, Signing
from events.services import check_can_edit_event, event_validate
from projects.models import FundsInPlace, Project, Stage
from projects.services import (
    funds_check_month,
    new_project,
    project_bulk_apply_preview,
    today,
    validate_project,
)
from targets.models import Target
from targets.services import check_can_set_targets

from . import values
from .columns import (
    ENTERPRISE_COLUMNS,
    EVENT_COLUMNS,
    FUNDS_COLUMNS,
    PROJECT_COLUMNS,
    STAGE_ALIASES,
    STAGE_WORDS,
    TARGET_COLUMNS,
    Column,
)
from .models import Kind, LedgerKey
from .readers import LedgerFileError, Table

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
# The reason project_bulk_apply records on the moves a ledger row makes that need one (back, or
# out of 终止): the ledger has no column for it.
IMPORT_REASON = "台账导入"
ACTION_WORDS = {NEW: "新增", UPDATE: "更新", UNCHANGED: "无变化", ERROR: "错误"}
Progress = Callable[[int, int], None]


@dataclass
class RowPlan:
    row: int
    label: str = ""
    action: str = NEW
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, reason)
    changes: list[str] = field(default_factory=list)  # headers of changed columns
    notes: list[str] = field(default_factory=list)
    target: object | None = None  # the existing object, for updates
    fields: dict = field(default_factory=dict)  # model field values to write
    extra: dict = field(default_factory=dict)  # kind-specific: investor to create, ledger id …
    # The locked periods (rollups.locks) whose figures the row would move, as [kind, first day].
    locked: list[list[str]] = field(default_factory=list)
    # A new project row: the unsaved project its check built (projects.services.new_project), for
    # the preview's outbox keys; not stored with the plan.
    project: object | None = field(default=None, repr=False, compare=False)
    # An updated project row: the outbox keys project_bulk_apply would name for it, found by the
    # check that gave the row its verdict (projects.services.project_bulk_apply_preview); not
    # stored with the plan.
    keys: set[str] | None = field(default=None, repr=False, compare=False)

    def error(self, column: str, reason: str) -> None:
        self.errors.append((column, reason))
        self.action = ERROR

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "label": self.label,
            "action": self.action,
            "errors": [list(e) for e in self.errors],
            "changes": self.changes,
            "notes": self.notes,
            **({"locked": self.locked} if self.locked else {}),
        }


def _norm_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("*", "").replace(" ", "")
    return text.strip()


def _bare_header(text: str) -> str:
    return re.sub(r"\(.*?\)", "", _norm_header(text))


def map_columns(table: Table, columns: list[Column]) -> dict[str, int]:
    """Column key -> index in the sheet; a missing required column refuses the whole file."""
    exact = {_norm_header(h): i for i, h in enumerate(table.header) if h}
    bare = {_bare_header(h): i for i, h in enumerate(table.header) if h}
    found, missing = {}, []
    for col in columns:
        index = exact.get(_norm_header(col.header))
        if index is None:
            index = bare.get(_bare_header(col.header))
        if index is None:
            if col.required:
                missing.append(col.header)
            continue
        found[col.key] = index
    if missing:
        raise LedgerFileError(
            _("Required columns are missing: %(cols)s. Download the template to see them all.")
            % {"cols": "、".join(missing)}
        )
    return found


class Refs:
    """Reference data by every name a ledger may use for it, loaded once per file."""

    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        for r in Region.objects.all():
            for key in {r.name, r.code, re.sub(r"(区|县|市)$", "", r.name)}:
                self.regions.setdefault(key, r)
        self.parks = {p.name: p for p in IndustrialPark.objects.all()}
        self.chains: dict[str, IndustryChain] = {}
        for c in IndustryChain.objects.all():
            self.chains[c.name] = c
            self.chains[c.code] = c
            self.chains[c.name.removesuffix("产业链")] = c
        self.links = {(link.chain_id, link.name): link for link in ChainLink.objects.all()}
        self.methods: dict[str, PromotionMethod] = {}
        for m in PromotionMethod.objects.all():
            self.methods[m.name] = m
            self.methods[m.code] = m
            self.methods[m.name.removesuffix("招商")] = m
        self.event_kinds: dict[str, EventKind] = {}
        for k in EventKind.objects.all():
            self.event_kinds[k.name] = k
            self.event_kinds[k.code] = k
        self.stages = {word: code for code, word in STAGE_WORDS.items()}
        self.stages.update(STAGE_ALIASES)
        self.stages.update({code: code for code in Stage.values})


def parse_cell(col: Column, raw, refs: Refs, parsed: dict):
    """One cell -> value. Raises ValidationError with a Chinese reason."""
    if values.is_blank(raw):
        if col.required:
            raise ValidationError(_("This column is required."))
        return None
    if col.parser == "text":
        text = values.text(raw)
        if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
            text = text[1:]  # undo the exporter's formula neutralisation
        if col.max_length and len(text) > col.max_length:
            raise ValidationError(
                _("At most %(n)d characters (this has %(m)d).")
                % {"n": col.max_length, "m": len(text)}
            )
        return text
    if col.parser == "money":
        return values.parse_money(raw)
    if col.parser == "date":
        return values.parse_date(raw)
    if col.parser == "month":
        return values.parse_month(raw)
    if col.parser == "bool":
        return values.parse_bool(raw)
    if col.parser == "int":
        return values.parse_int(raw)
    key = values.text(raw)
    if col.parser == "region":
        found = refs.regions.get(key)
        if found is None:
            raise ValidationError(_("Unknown region “%(v)s”.") % {"v": key})
        return found
    if col.parser == "regions":
        found = []
        for part in re.split(r"[、,，;；/\s]+", key):
            if not part:
                continue
            region = refs.regions.get(part)
            if region is None:
                raise ValidationError(_("Unknown region “%(v)s”.") % {"v": part})
            if region not in found:
                found.append(region)
        return found
    if col.parser == "event_kind":
        found = refs.event_kinds.get(key)
        if found is None:
            raise ValidationError(
                _("Unknown kind of event “%(v)s”; use one of %(list)s.")
                % {"v": key, "list": "、".join(sorted({k.name for k in refs.event_kinds.values()}))}
            )
        return found
    if col.parser == "park":
        found = refs.parks.get(key)
        if found is None:
            raise ValidationError(_("Unknown park “%(v)s”.") % {"v": key})
        return found
    if col.parser == "chain":
        found = refs.chains.get(key)
        if found is None:
            raise ValidationError(_("Unknown industry chain “%(v)s”.") % {"v": key})
        return found
    if col.parser == "link":
        chain = parsed.get("chain")
        if chain is None:
            raise ValidationError(_("Give the industry chain of this chain link."))
        found = refs.links.get((chain.pk, key))
        if found is None:
            raise ValidationError(
                _("“%(v)s” is not a link of the chain “%(chain)s”.") % {"v": key, "chain": chain}
            )
        return found
    if col.parser == "method":
        found = refs.methods.get(key)
        if found is None:
            raise ValidationError(_("Unknown promotion method “%(v)s”.") % {"v": key})
        return found
    if col.parser == "stage":
        found = refs.stages.get(key)
        if found is None:
            raise ValidationError(
                _("Unknown stage “%(v)s”; use one of %(list)s.")
                % {"v": key, "list": "、".join(STAGE_WORDS.values())}
            )
        return found
    if col.parser == "choice":
        reverse = {word: value for value, word in col.choices.items()}
        if key in reverse:
            return reverse[key]
        if key in col.choices:
            return key
        raise ValidationError(
            _("“%(v)s” is not one of %(list)s.")
            % {"v": key, "list": "、".join(col.choices.values())}
        )
    raise AssertionError(col.parser)


def parse_rows(table: Table, columns: list[Column], refs: Refs) -> list[tuple[RowPlan, dict]]:
    """Every row's cells parsed; a cell that cannot be read puts its row in error."""
    index = map_columns(table, columns)
    present = [(col, index[col.key]) for col in columns if col.key in index]
    out = []
    for row_no, cells in table.rows:
        plan = RowPlan(row=row_no)
        parsed: dict = {}
        for col, position in present:
            try:
                parsed[col.key] = parse_cell(col, cells[position], refs, parsed)
            except ValidationError as exc:
                plan.error(col.header, "；".join(exc.messages))
                parsed[col.key] = None
        out.append((plan, parsed))
    return out


def _messages_by_column(exc: Exception, header_of: dict[str, str]) -> list[tuple[str, str]]:
    if isinstance(exc, PermissionDenied):
        return [("", str(exc))]
    if not hasattr(exc, "error_dict"):
        return [("", m) for m in exc.messages]
    out = []
    for fname, errors in exc.message_dict.items():
        column = header_of.get(fname, "" if fname == "__all__" else fname)
        for message in errors:
            out.append((column, message))
    return out


def _permission(plan: RowPlan, user, region, column: str) -> bool:
    try:
        check_can_edit_region(user, region)
    except PermissionDenied as exc:
        plan.error(column, str(exc))
        return False
    return True


# --- projects ------------------------------------------------------------------------------------
PROJECT_HEADERS = {c.key: c.header for c in PROJECT_COLUMNS}
PROJECT_FIELD_KEYS = [
    c.key
    for c in PROJECT_COLUMNS
    if c.key not in ("ledger_id", "investor_name", "investor_credit_code", "stage")
]
PROJECT_HEADERS["investor"] = PROJECT_HEADERS["investor_name"]


def plan_projects(
    table: Table, *, user, progress: Progress | None = None, writing: bool = False
) -> list[RowPlan]:
    """A new row is checked here with validate_project on the very project project_bulk_create
    will write (whose pinyin keys the plan keeps for the import). An updated row gets its
    verdict, its changes and its outbox keys (`RowPlan.keys`, for `imports.services.mark_locked`)
    from project_bulk_apply's own rules, run in memory on all of them at once
    (project_bulk_apply_preview): the import then writes the row through that very path. A
    stored plan is imported without checking its rows again. `writing=True`: the plan is about
    to be applied by the services, which check every row themselves, so new rows are not
    checked here."""
    refs = Refs()
    rows = parse_rows(table, PROJECT_COLUMNS, refs)
    investors = _investor_lookup(parsed for _plan, parsed in rows)
    # Existing projects by ledger id, then by name + region: one query each.
    ledger_ids = {p["ledger_id"] for _pl, p in rows if p.get("ledger_id")}
    keyed = {
        (k.region_id, k.key): k.object_id
        for k in LedgerKey.objects.filter(kind=Kind.PROJECTS, key__in=ledger_ids)
    }
    names = {p["name"] for _pl, p in rows if p.get("name")}
    existing = list(
        Project.objects.filter(pk__in=_project_ids(names, keyed.values())).select_related(
            "investor", "region", "park", "chain", "chain_link", "method"
        )
    )
    by_pk = {p.pk: p for p in existing}
    by_name: dict[tuple[int, str], list[Project]] = {}
    for p in existing:
        by_name.setdefault((p.region_id, p.name), []).append(p)

    seen: dict[tuple, int] = {}
    total = len(rows)
    day = today()
    search_keys: dict[str, tuple[str, str]] = {}  # each distinct name's pinyin, once per file
    for i, (plan, parsed) in enumerate(rows, 1):
        if progress and i % 200 == 0:
            progress(i, total)
        plan.label = parsed.get("name") or ""
        region = parsed.get("region")
        if region is None or not parsed.get("name"):
            if not plan.errors:
                plan.error(PROJECT_HEADERS["name"], _("This column is required."))
            continue
        if not _permission(plan, user, region, PROJECT_HEADERS["region"]):
            continue
        ledger_id = parsed.get("ledger_id") or ""
        key = (region.pk, "id", ledger_id) if ledger_id else (region.pk, "name", parsed["name"])
        if key in seen:
            plan.error(
                PROJECT_HEADERS["ledger_id" if ledger_id else "name"],
                _("The same project appears again on row %(row)d.") % {"row": seen[key]},
            )
            continue
        seen[key] = plan.row
        target = None
        if ledger_id and (region.pk, ledger_id) in keyed:
            target = by_pk.get(keyed[(region.pk, ledger_id)])
        if target is None:
            same = by_name.get((region.pk, parsed["name"]), [])
            if len(same) > 1:
                plan.error(
                    PROJECT_HEADERS["name"],
                    _(
                        "%(n)d projects in this region have this name; add a ledger id to tell them apart."
                    )
                    % {"n": len(same)},
                )
                continue
            target = same[0] if same else None
        plan.extra["ledger_id"] = ledger_id
        plan.extra["ledger_key_known"] = bool(ledger_id) and (region.pk, ledger_id) in keyed
        _plan_project_row(
            plan,
            parsed,
            target,
            investors,
            user=user,
            validate=not (writing and not target),
            day=day,
            search_keys=search_keys,
        )
    _check_updates([plan for plan, _parsed in rows if plan.action == UPDATE], user)
    if progress:
        progress(total, total)
    return [plan for plan, _parsed in rows]


def update_fields(plan: RowPlan) -> dict:
    """The fields project_bulk_apply is given for an updated project row."""
    fields = dict(plan.fields)
    investor = plan.extra.get("investor")
    if investor is not None and investor.pk != plan.target.investor_id:
        fields["investor"] = investor
    return fields


def _check_updates(plans: list[RowPlan], user) -> None:
    """Each updated row's verdict from the path the import writes it through: project_bulk_apply's
    rules (the stage moves and validate_project) run in memory, its errors by column; then what
    the row changes (none: unchanged) and the keys it names."""
    verdicts = project_bulk_apply_preview(
        by=user,
        rows=[(plan.target, plan.extra["stage"], update_fields(plan)) for plan in plans],
        reason=IMPORT_REASON,
    )
    for plan, verdict in zip(plans, verdicts, strict=True):
        if isinstance(verdict, Exception):
            for column, message in _messages_by_column(verdict, PROJECT_HEADERS):
                plan.error(column, message)
            continue
        moved, plan.keys = verdict
        target = plan.target
        plan.changes = [
            PROJECT_HEADERS[key]
            for key in [*PROJECT_FIELD_KEYS, "stage"]
            if getattr(moved, key) != getattr(target, key)
        ]
        if moved.investor_id != target.investor_id or (
            plan.extra["investor"] is None and plan.extra["investor_name"]
        ):
            plan.changes.append(PROJECT_HEADERS["investor_name"])
        plan.action = UPDATE if plan.changes else UNCHANGED


def _project_ids(names, ids) -> list[int]:
    """Ids of the projects with one of `names` or one of `ids`: a plain query on the projects
    table alone (its name index), not the six-way join of the caller's select_related, so a file
    of 10,000 new names stays a short plan (and no second query when nothing matches). Sent in
    slices of LOOKUP_SLICE values: SQLite (`make run`) refuses more than 32,766 parameters in
    one statement."""
    names, ids = sorted(names), sorted(ids)
    found: set[int] = set()
    for start in range(0, max(len(names), len(ids)), LOOKUP_SLICE):
        some_names = names[start : start + LOOKUP_SLICE]
        some_ids = ids[start : start + LOOKUP_SLICE]
        found.update(
            Project.objects.filter(Q(name__in=some_names) | Q(pk__in=some_ids)).values_list(
                "pk", flat=True
            )
        )
    return sorted(found)


# Values per lookup statement: under SQLite's limit of 32,766 parameters, and one statement for
# the 10,000 rows a large ledger has.
LOOKUP_SLICE = 10_000


def _investor_lookup(parsed_rows) -> dict:
    """Existing enterprises by normalised credit code and by normalised name, with each name
    the file gives normalised once (`find_investor` looks them up)."""
    codes, names = set(), set()
    normalized: dict[str, str] = {}
    for parsed in parsed_rows:
        if parsed.get("investor_credit_code"):
            codes.add(normalize_credit_code(parsed["investor_credit_code"]))
        if parsed.get("investor_name"):
            names.add(_normalized(normalized, parsed["investor_name"]))
    by_code = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    by_name: dict[str, list[Enterprise]] = {}
    for e in Enterprise.objects.filter(normalized_name__in=names).order_by("id"):
        by_name.setdefault(e.normalized_name, []).append(e)
    return {"code": by_code, "name": by_name, "normalized": normalized}


def _normalized(names: dict[str, str], name: str) -> str:
    """normalize_name(name), each distinct name once per file (`names` lives as long as it)."""
    key = names.get(name)
    if key is None:
        key = names[name] = normalize_name(name)
    return key


def find_investor(investors: dict, name: str, code: str) -> Enterprise | None:
    """The enterprise `investors` (from _investor_lookup, or a writer's own of the same shape)
    knows by credit code, else by name."""
    code = normalize_credit_code(code) if code else ""
    if code and code in investors["code"]:
        return investors["code"][code]
    candidates = investors["name"].get(
        _normalized(investors.setdefault("normalized", {}), name), []
    )
    if code:
        # A name match with another credit code is a different company.
        candidates = [e for e in candidates if not e.credit_code or e.credit_code == code]
    return candidates[0] if candidates else None


def _plan_project_row(
    plan: RowPlan,
    parsed: dict,
    target: Project | None,
    investors,
    *,
    user=None,
    validate: bool = True,
    day: dt.date | None = None,
    search_keys: dict | None = None,
) -> None:
    """One row's plan. A new row is checked by validate_project unless `validate` is false; an
    updated one is left for _check_updates."""
    try:
        # Before matching, which drops invisible characters and would match it instead.
        check_name_characters(parsed.get("investor_name") or "")
    except ValidationError as exc:
        plan.error(PROJECT_HEADERS["investor_name"], "；".join(exc.messages))
    investor = find_investor(
        investors, parsed.get("investor_name") or "", parsed.get("investor_credit_code") or ""
    )
    plan.extra["investor_name"] = parsed.get("investor_name") or ""
    plan.extra["investor_credit_code"] = parsed.get("investor_credit_code") or ""
    if investor is None and parsed.get("investor_name"):
        plan.notes.append(_("New investor: %(name)s") % {"name": parsed["investor_name"]})
    stage = parsed.get("stage")
    fields = {}
    for key in PROJECT_FIELD_KEYS:
        value = parsed.get(key)
        if value is None and target is not None:
            continue  # a blank cell keeps what the project has
        if value is None and key in ("is_out_of_province", "is_foreign"):
            value = False
        if value is None and key in ("notes", "drop_reason"):
            value = ""
        fields[key] = value
    if target is None and not validate:
        # Written next by project_bulk_create, which validates the row itself.
        if not plan.errors:
            plan.fields, plan.action = fields, NEW
            plan.extra.update(stage=stage, investor=investor)
        return
    if target is None:
        if plan.errors:
            return
        # The very object project_bulk_create will write, checked by its validation.
        candidate = new_project(
            by=user,
            row={**fields, "stage": stage, "investor": investor},
            day=day,
            search_keys=search_keys,
        )
        try:
            validate_project(candidate, relations_loaded=True, day=day)
        except ValidationError as exc:
            for column, message in _messages_by_column(exc, PROJECT_HEADERS):
                plan.error(column, message)
            return
        plan.fields, plan.action, plan.project = fields, NEW, candidate
        # The import writes this row as checked here, with these keys (project_bulk_create).
        plan.extra.update(
            stage=stage,
            investor=investor,
            search_keys=[candidate.name_pinyin, candidate.name_initials],
        )
        return
    if not plan.errors:
        # Checked with the file's other updated rows, by the rules that write it (_check_updates).
        plan.fields, plan.target, plan.action = fields, target, UPDATE
        plan.extra.update(stage=stage, investor=investor)


# --- enterprises ---------------------------------------------------------------------------------
ENTERPRISE_HEADERS = {c.key: c.header for c in ENTERPRISE_COLUMNS}
ENTERPRISE_HEADERS["main_link"] = "主导产业链环节"


def plan_enterprises(
    table: Table, *, user, progress: Progress | None = None, writing: bool = False
) -> list[RowPlan]:
    refs = Refs()
    rows = parse_rows(table, ENTERPRISE_COLUMNS, refs)
    lookup = _investor_lookup(
        {"investor_name": p.get("name"), "investor_credit_code": p.get("credit_code")}
        for _pl, p in rows
    )
    # Credit codes held by any enterprise (deleted ones too): one query, not one per row.
    codes = {normalize_credit_code(p["credit_code"]) for _pl, p in rows if p.get("credit_code")}
    taken = {
        code: (pk, name)
        for pk, code, name in Enterprise.all_objects.filter(credit_code__in=codes).values_list(
            "pk", "credit_code", "name"
        )
    }
    seen: dict[str, int] = {}
    total = len(rows)
    for i, (plan, parsed) in enumerate(rows, 1):
        if progress and i % 200 == 0:
            progress(i, total)
        plan.label = parsed.get("name") or ""
        if plan.errors:
            continue
        code = normalize_credit_code(parsed.get("credit_code") or "")
        key = code or normalize_name(parsed["name"])
        if key in seen:
            plan.error(
                ENTERPRISE_HEADERS["credit_code" if code else "name"],
                _("The same enterprise appears again on row %(row)d.") % {"row": seen[key]},
            )
            continue
        seen[key] = plan.row
        target = find_investor(lookup, parsed["name"], code)
        region = parsed.get("region")
        if region is not None and not _permission(plan, user, region, ENTERPRISE_HEADERS["region"]):
            continue
        fields = {}
        for col in ENTERPRISE_COLUMNS:
            value = parsed.get(col.key)
            if value is None and target is not None:
                continue
            if value is None:
                value = {"bool": False, "text": "", "choice": ""}.get(col.parser)
            fields[col.key] = value
        if "credit_code" in fields and fields["credit_code"]:
            fields["credit_code"] = normalize_credit_code(fields["credit_code"])
        candidate = copy.copy(target) if target is not None else Enterprise()
        for k, v in fields.items():
            setattr(candidate, k, v)
        try:
            enterprise_validate(candidate, in_bulk=True)
            holder = taken.get(candidate.credit_code)
            if candidate.credit_code and holder and holder[0] != candidate.pk:
                raise ValidationError(
                    {
                        "credit_code": _(
                            "Another enterprise (%(name)s) already has this credit code."
                        )
                        % {"name": holder[1]}
                    }
                )
        except ValidationError as exc:
            for column, message in _messages_by_column(exc, ENTERPRISE_HEADERS):
                plan.error(column, message)
            continue
        plan.fields = fields
        if target is None:
            plan.action = NEW
            continue
        plan.target = target
        plan.changes = [
            ENTERPRISE_HEADERS[k] for k in fields if getattr(candidate, k) != getattr(target, k)
        ]
        plan.action = UPDATE if plan.changes else UNCHANGED
    if progress:
        progress(total, total)
    return [plan for plan, _parsed in rows]


# --- funds in place ------------------------------------------------------------------------------
FUNDS_HEADERS = {c.key: c.header for c in FUNDS_COLUMNS}


def plan_funds(
    table: Table, *, user, progress: Progress | None = None, writing: bool = False
) -> list[RowPlan]:
    refs = Refs()
    rows = parse_rows(table, FUNDS_COLUMNS, refs)
    ledger_ids = {p["project_ledger_id"] for _pl, p in rows if p.get("project_ledger_id")}
    keyed = {
        (k.region_id, k.key): k.object_id
        for k in LedgerKey.objects.filter(kind=Kind.PROJECTS, key__in=ledger_ids)
    }
    names = {p["project_name"] for _pl, p in rows if p.get("project_name")}
    projects = list(
        (
            Project.objects.filter(name__in=names) | Project.objects.filter(pk__in=keyed.values())
        ).select_related("region")
    )
    by_pk = {p.pk: p for p in projects}
    by_name: dict[tuple[int, str], list[Project]] = {}
    for p in projects:
        by_name.setdefault((p.region_id, p.name), []).append(p)
    existing = {
        (f.project_id, f.month): f for f in FundsInPlace.objects.filter(project__in=projects)
    }
    this_month = timezone.localdate().replace(day=1)
    seen: dict[tuple, int] = {}
    total = len(rows)
    for i, (plan, parsed) in enumerate(rows, 1):
        if progress and i % 200 == 0:
            progress(i, total)
        plan.label = parsed.get("project_name") or ""
        if plan.errors:
            continue
        region = parsed["region"]
        project = None
        ledger_id = parsed.get("project_ledger_id")
        if ledger_id and (region.pk, ledger_id) in keyed:
            project = by_pk.get(keyed[(region.pk, ledger_id)])
        if project is None:
            same = by_name.get((region.pk, parsed["project_name"]), [])
            if len(same) != 1:
                plan.error(
                    FUNDS_HEADERS["project_name"],
                    _("No project of this name in %(region)s.") % {"region": region}
                    if not same
                    else _("Several projects in this region have this name; give the ledger id."),
                )
                continue
            project = same[0]
        if not _permission(plan, user, project.region, FUNDS_HEADERS["region"]):
            continue
        month: dt.date = parsed["month"]
        if month > this_month:
            plan.error(
                FUNDS_HEADERS["month"],
                _("Money cannot be recorded for a month that has not begun."),
            )
            continue
        try:
            funds_check_month(project=project, month=month)
        except ValidationError as exc:
            plan.error(FUNDS_HEADERS["month"], "；".join(exc.messages))
            continue
        key = (project.pk, month)
        if key in seen:
            plan.error(
                FUNDS_HEADERS["month"],
                _("The same project and month appear again on row %(row)d.") % {"row": seen[key]},
            )
            continue
        seen[key] = plan.row
        note = parsed.get("note") or ""
        plan.fields = {"project": project, "month": month, "amount": parsed["amount"], "note": note}
        target = existing.get(key)
        if target is None:
            plan.action = NEW
            continue
        plan.target = target
        if target.amount != parsed["amount"]:
            plan.changes.append(FUNDS_HEADERS["amount"])
        if parsed.get("note") is not None and target.note != note:
            plan.changes.append(FUNDS_HEADERS["note"])
        plan.action = UPDATE if plan.changes else UNCHANGED
    if progress:
        progress(total, total)
    return [plan for plan, _parsed in rows]


# --- events with their signings ------------------------------------------------------------------
EVENT_HEADERS = {c.key: c.header for c in EVENT_COLUMNS}
EVENT_HEADERS.update(
    {
        "project": EVENT_HEADERS["project_name"],
        "note": EVENT_HEADERS["signing_note"],
        "reason": EVENT_HEADERS["signed_on"],
        "stage": EVENT_HEADERS["signed_on"],
    }
)
EVENT_FIELD_KEYS = [
    "kind",
    "end_on",
    "place_city",
    "place_province",
    "venue",
    "leading_official",
    "notes",
]


def plan_events(
    table: Table, *, user, progress: Progress | None = None, writing: bool = False
) -> list[RowPlan]:
    """One row per signing. An event is known by its start date and title; a signing by its event
    and project (a project by ledger id, else by name, within the given county if any)."""
    refs = Refs()
    rows = parse_rows(table, EVENT_COLUMNS, refs)
    titles = {p["title"] for _pl, p in rows if p.get("title")}
    existing: dict[tuple, list[PromotionEvent]] = {}
    for e in (
        PromotionEvent.objects.filter(title__in=titles)
        .select_related("kind")
        .prefetch_related("organisers")
    ):
        existing.setdefault((e.start_on, e.title), []).append(e)
    ledger_ids = {p["project_ledger_id"] for _pl, p in rows if p.get("project_ledger_id")}
    keyed: dict[str, list[tuple[int, int]]] = {}
    for k in LedgerKey.objects.filter(kind=Kind.PROJECTS, key__in=ledger_ids):
        keyed.setdefault(k.key, []).append((k.region_id, k.object_id))
    names = {p["project_name"] for _pl, p in rows if p.get("project_name")}
    ids = [pk for pairs in keyed.values() for _r, pk in pairs]
    projects = list(
        (
            Project.objects.filter(name__in=names) | Project.objects.filter(pk__in=ids)
        ).select_related("region")
    )
    by_pk = {p.pk: p for p in projects}
    by_name: dict[str, list[Project]] = {}
    for p in projects:
        by_name.setdefault(p.name, []).append(p)
    event_ids = [e.pk for events in existing.values() for e in events]
    signed = set(
        Signing.objects.filter(event_id__in=event_ids).values_list("event_id", "project_id")
    )
    groups: dict[tuple, dict] = {}
    seen_signings: dict[tuple, int] = {}
    total = len(rows)
    for i, (plan, parsed) in enumerate(rows, 1):
        if progress and i % 200 == 0:
            progress(i, total)
        title, start = parsed.get("title"), parsed.get("start_on")
        plan.label = title or ""
        if not title or not start:
            continue  # the missing column is already reported
        key = (start, title)
        group = groups.get(key)
        if group is None:
            group = _plan_event_group(plan, parsed, existing.get(key, []), user)
            groups[key] = group
        elif group.get("failed"):
            plan.error(
                EVENT_HEADERS["title"],
                _("This event has errors on row %(row)d.") % {"row": group["row"]},
            )
            continue
        else:
            plan.extra["event_action"] = UNCHANGED
            for k in [*EVENT_FIELD_KEYS, "organisers"]:
                value = parsed.get(k)
                if value not in (None, "", []) and value != group["given"].get(k):
                    plan.error(
                        EVENT_HEADERS[k],
                        _("Differs from row %(row)d, where this event first appears.")
                        % {"row": group["row"]},
                    )
        if plan.errors:
            continue
        plan.extra["event_key"] = key
        plan.extra["event"] = group["event"]
        signing_new = False
        if parsed.get("project_ledger_id") or parsed.get("project_name"):
            signing_new = _plan_signing(
                plan, parsed, group, keyed, by_pk, by_name, signed, seen_signings, user
            )
            plan.label = (
                f"{title} / {parsed.get('project_name') or parsed.get('project_ledger_id')}"
            )
        elif any(parsed.get(k) for k in ("signed_on", "amount", "agreement_kind")):
            plan.error(EVENT_HEADERS["project_name"], _("Name the project that was signed."))
        if plan.errors:
            continue
        event_action = plan.extra["event_action"]
        if event_action != UNCHANGED:
            plan.action = event_action
        else:
            plan.action = NEW if signing_new else UNCHANGED
    if progress:
        progress(total, total)
    return [plan for plan, _parsed in rows]


def _plan_event_group(plan: RowPlan, parsed: dict, candidates: list, user) -> dict:
    group = {"row": plan.row, "event": None, "given": {}, "failed": True}
    if len(candidates) > 1:
        plan.error(
            EVENT_HEADERS["title"],
            _("%(n)d events have this date and title; tell them apart in the system first.")
            % {"n": len(candidates)},
        )
        return group
    target = candidates[0] if candidates else None
    given = {k: parsed.get(k) for k in [*EVENT_FIELD_KEYS, "organisers"]}
    fields = {}
    for k in EVENT_FIELD_KEYS:
        value = given[k]
        if value is None and target is not None:
            continue
        if value is None and k not in ("kind", "end_on"):
            value = ""
        fields[k] = value
    organisers = given["organisers"] or (list(target.organisers.all()) if target else [])
    if target is None and fields.get("kind") is None:
        plan.error(EVENT_HEADERS["kind"], _("This column is required."))
    if plan.errors:
        return group
    candidate = copy.copy(target) if target is not None else PromotionEvent()
    candidate.title, candidate.start_on = parsed["title"], parsed["start_on"]
    for k, v in fields.items():
        setattr(candidate, k, v)
    try:
        if target is not None:
            check_can_edit_event(user, target)
        check_can_edit_event(user, organisers=organisers)
    except PermissionDenied as exc:
        plan.error(EVENT_HEADERS["organisers"], str(exc))
        return group
    try:
        event_validate(candidate, organisers)
    except ValidationError as exc:
        for column, message in _messages_by_column(exc, EVENT_HEADERS):
            plan.error(column, message)
        return group
    group.update(
        failed=False,
        event=target,
        given=given,
        start=candidate.start_on,
        end=candidate.end_on or candidate.start_on,
    )
    plan.extra["event_fields"] = {
        **fields,
        **({"organisers": organisers} if given["organisers"] or target is None else {}),
    }
    if target is None:
        plan.extra["event_fields"].update(title=candidate.title, start_on=candidate.start_on)
        plan.extra["event_action"] = NEW
        return group
    plan.changes = [EVENT_HEADERS[k] for k in fields if getattr(candidate, k) != getattr(target, k)]
    if given["organisers"] and {r.pk for r in given["organisers"]} != {
        r.pk for r in target.organisers.all()
    }:
        plan.changes.append(EVENT_HEADERS["organisers"])
    plan.extra["event_action"] = UPDATE if plan.changes else UNCHANGED
    return group


def _plan_signing(plan, parsed, group, keyed, by_pk, by_name, signed, seen_signings, user) -> bool:
    """Resolve and check one signing; True when it is new."""
    region = parsed.get("project_region")
    project = None
    ledger_id = parsed.get("project_ledger_id")
    if ledger_id:
        pairs = [(r, pk) for r, pk in keyed.get(ledger_id, []) if region is None or r == region.pk]
        if len(pairs) == 1:
            project = by_pk.get(pairs[0][1])
    if project is None:
        same = [
            p
            for p in by_name.get(parsed.get("project_name") or "", [])
            if region is None or p.region_id == region.pk
        ]
        if len(same) != 1:
            plan.error(
                EVENT_HEADERS["project_name"],
                _("No such project; import it with the project ledger first.")
                if not same
                else _("Several projects have this name; give the ledger id or the county."),
            )
            return False
        project = same[0]
    if not _permission(plan, user, project.region, EVENT_HEADERS["project_region"]):
        return False
    signed_on = parsed.get("signed_on") or group["start"]
    if not (group["start"] <= signed_on <= group["end"]):
        plan.error(
            EVENT_HEADERS["signed_on"],
            _("A signing at this event must fall within its dates (%(start)s – %(end)s).")
            % {"start": group["start"], "end": group["end"]},
        )
        return False
    key = (plan.extra["event_key"], project.pk)
    if key in seen_signings:
        plan.error(
            EVENT_HEADERS["project_name"],
            _("The same signing appears again on row %(row)d.") % {"row": seen_signings[key]},
        )
        return False
    seen_signings[key] = plan.row
    event = group["event"]
    if event is not None and (event.pk, project.pk) in signed:
        # Already recorded: the re-imported row changes nothing (its evidence may still attach).
        plan.extra["signing_existing"] = {"event": event, "project": project}
        return False
    if project.stage == Stage.DROPPED:
        plan.error(
            EVENT_HEADERS["project_name"],
            _("A dropped project cannot be signed; revive it first."),
        )
        return False
    if project.signed_on and signed_on < project.signed_on:
        plan.error(
            EVENT_HEADERS["signed_on"],
            _(
                "“%(project)s” was signed on %(date)s; correct the project's signing date "
                "before recording an earlier signing."
            )
            % {"project": project.name, "date": project.signed_on},
        )
        return False
    plan.extra["signing"] = {
        "project": project,
        "signed_on": signed_on,
        "amount": parsed.get("amount"),
        "agreement_kind": parsed.get("agreement_kind") or "formal",
        "note": parsed.get("signing_note") or "",
    }
    plan.notes.append(_("New signing: %(name)s") % {"name": project.name})
    return True


# --- targets -------------------------------------------------------------------------------------
TARGET_HEADERS = {c.key: c.header for c in TARGET_COLUMNS}
TARGET_VALUES = ["signed_count", "signed_amount", "new_start_amount", "funds_amount"]


def plan_targets(
    table: Table, *, user, progress: Progress | None = None, writing: bool = False
) -> list[RowPlan]:
    """One row per region and year (the matching key, so a re-import changes nothing); a blank
    cell keeps the stored value."""
    refs = Refs()
    rows = parse_rows(table, TARGET_COLUMNS, refs)
    years = {p["year"] for _pl, p in rows if p.get("year") is not None}
    existing = {(t.region_id, t.year): t for t in Target.objects.filter(year__in=years)}
    try:
        check_can_set_targets(user)
        denied = ""
    except PermissionDenied as exc:
        denied = str(exc)
    seen: dict[tuple, int] = {}
    for plan, parsed in rows:
        region, year = parsed.get("region"), parsed.get("year")
        plan.label = f"{region.name} {year}" if region and year else ""
        if plan.errors:
            continue
        if denied:
            plan.error(TARGET_HEADERS["region"], denied)
            continue
        if not 1990 <= year <= 2100:
            plan.error(TARGET_HEADERS["year"], _("“%(v)s” is not a year.") % {"v": year})
            continue
        key = (region.pk, year)
        if key in seen:
            plan.error(
                TARGET_HEADERS["year"],
                _("The same region and year appear again on row %(row)d.") % {"row": seen[key]},
            )
            continue
        seen[key] = plan.row
        target = existing.get(key)
        values = {}
        for k in TARGET_VALUES:
            value = parsed.get(k)
            if value is None:
                value = getattr(target, k) if target else 0
            values[k] = value
        candidate = Target(region=region, year=year, **values)
        try:
            candidate.full_clean(
                exclude=["region"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            for column, message in _messages_by_column(exc, TARGET_HEADERS):
                plan.error(column, message)
            continue
        plan.fields = {"region": region, "year": year, **values}
        if target is None:
            plan.action = NEW
            continue
        plan.target = target
        plan.changes = [TARGET_HEADERS[k] for k in TARGET_VALUES if getattr(target, k) != values[k]]
        plan.action = UPDATE if plan.changes else UNCHANGED
    return [plan for plan, _parsed in rows]


PLANNERS = {
    Kind.PROJECTS: plan_projects,
    Kind.ENTERPRISES: plan_enterprises,
    Kind.FUNDS: plan_funds,
    Kind.EVENTS: plan_events,
    Kind.TARGETS: plan_targets,
}
COLUMNS = {
    Kind.PROJECTS: PROJECT_COLUMNS,
    Kind.ENTERPRISES: ENTERPRISE_COLUMNS,
    Kind.FUNDS: FUNDS_COLUMNS,
    Kind.EVENTS: EVENT_COLUMNS,
    Kind.TARGETS: TARGET_COLUMNS,
}
SHEET_NAMES = {
    Kind.PROJECTS: ("项目台账", "项目"),
    Kind.ENTERPRISES: ("企业名录", "企业"),
    Kind.FUNDS: ("到位资金",),
    Kind.EVENTS: ("活动签约", "活动"),
    Kind.TARGETS: ("目标任务", "目标"),
}


def summarise(plans: list[RowPlan]) -> dict[str, int]:
    counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
    for p in plans:
        counts[p.action] += 1
    return counts

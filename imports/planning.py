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
from django.utils import timezone
from django.utils.translation import gettext as _

from core.credit_code import normalize_credit_code
from core.models import ChainLink, IndustryChain, PromotionMethod, Region
from core.scoping import check_can_edit_region
from core.textnorm import normalize_name
from enterprises.models import Enterprise, IndustrialPark
from enterprises.services import enterprise_validate
from projects.models import MILESTONE_FIELD, FundsInPlace, Project, Stage
from projects.services import validate_project

from . import values
from .columns import (
    ENTERPRISE_COLUMNS,
    FUNDS_COLUMNS,
    PROJECT_COLUMNS,
    STAGE_ALIASES,
    STAGE_WORDS,
    Column,
)
from .models import Kind, LedgerKey
from .readers import LedgerFileError, Table

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
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
    index = map_columns(table, columns)
    out = []
    for row_no, cells in table.rows:
        plan = RowPlan(row=row_no)
        parsed: dict = {}
        for col in columns:
            if col.key not in index:
                continue
            raw = cells[index[col.key]]
            try:
                parsed[col.key] = parse_cell(col, raw, refs, parsed)
            except ValidationError as exc:
                plan.error(col.header, "；".join(exc.messages))
                parsed[col.key] = None
        out.append((plan, parsed))
    return out


def _messages_by_column(exc: ValidationError, header_of: dict[str, str]) -> list[tuple[str, str]]:
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
    """`writing=True`: the plan is about to be applied by the services, which validate every new
    row themselves (project_bulk_create), so new rows are not validated twice here."""
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
    existing = Project.objects.filter(name__in=names) | Project.objects.filter(
        pk__in=list(keyed.values())
    )
    existing = list(
        existing.select_related("investor", "region", "park", "chain", "chain_link", "method")
    )
    by_pk = {p.pk: p for p in existing}
    by_name: dict[tuple[int, str], list[Project]] = {}
    for p in existing:
        by_name.setdefault((p.region_id, p.name), []).append(p)

    seen: dict[tuple, int] = {}
    total = len(rows)
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
        _plan_project_row(plan, parsed, target, investors, validate=not (writing and not target))
    if progress:
        progress(total, total)
    return [plan for plan, _parsed in rows]


def _investor_lookup(parsed_rows) -> dict:
    """Existing enterprises by normalised credit code and by normalised name."""
    codes, names = set(), set()
    for parsed in parsed_rows:
        if parsed.get("investor_credit_code"):
            codes.add(normalize_credit_code(parsed["investor_credit_code"]))
        if parsed.get("investor_name"):
            names.add(normalize_name(parsed["investor_name"]))
    by_code = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    by_name: dict[str, list[Enterprise]] = {}
    for e in Enterprise.objects.filter(normalized_name__in=names).order_by("id"):
        by_name.setdefault(e.normalized_name, []).append(e)
    return {"code": by_code, "name": by_name}


def find_investor(investors: dict, name: str, code: str) -> Enterprise | None:
    code = normalize_credit_code(code) if code else ""
    if code and code in investors["code"]:
        return investors["code"][code]
    candidates = investors["name"].get(normalize_name(name), [])
    if code:
        # A name match with another credit code is a different company.
        candidates = [e for e in candidates if not e.credit_code or e.credit_code == code]
    return candidates[0] if candidates else None


def _plan_project_row(
    plan: RowPlan, parsed: dict, target: Project | None, investors, *, validate: bool = True
) -> None:
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
    candidate = copy.copy(target) if target is not None else Project()
    for key, value in fields.items():
        setattr(candidate, key, value)
    if investor is not None:
        candidate.investor = investor
    if stage:
        candidate.stage = stage
        if target is not None and stage != Stage.DROPPED:
            # Moving back clears the dates of the stages left behind, as the service does.
            from projects.models import PIPELINE

            for later in PIPELINE[PIPELINE.index(stage) + 1 :]:
                field_name = MILESTONE_FIELD[later]
                if parsed.get(field_name) is None:
                    setattr(candidate, field_name, None)
            if target.stage == Stage.DROPPED:
                candidate.dropped_on, candidate.drop_reason = None, ""
    if plan.errors:
        return
    try:
        if validate:
            validate_project(candidate, db_constraints=False, relations_loaded=True)
    except ValidationError as exc:
        for column, message in _messages_by_column(exc, PROJECT_HEADERS):
            plan.error(column, message)
        return
    plan.fields = fields
    plan.extra["stage"] = stage
    plan.extra["investor"] = investor
    if target is None:
        plan.action = NEW
        return
    plan.target = target
    changes = [
        PROJECT_HEADERS[key]
        for key in [*PROJECT_FIELD_KEYS, "stage"]
        if getattr(candidate, key) != getattr(target, key)
    ]
    if candidate.investor_id != target.investor_id or (
        investor is None and parsed.get("investor_name")
    ):
        changes.append(PROJECT_HEADERS["investor_name"])
    plan.changes = changes
    plan.action = UPDATE if changes else UNCHANGED


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


PLANNERS = {
    Kind.PROJECTS: plan_projects,
    Kind.ENTERPRISES: plan_enterprises,
    Kind.FUNDS: plan_funds,
}
COLUMNS = {
    Kind.PROJECTS: PROJECT_COLUMNS,
    Kind.ENTERPRISES: ENTERPRISE_COLUMNS,
    Kind.FUNDS: FUNDS_COLUMNS,
}
SHEET_NAMES = {
    Kind.PROJECTS: ("项目台账", "项目"),
    Kind.ENTERPRISES: ("企业名录", "企业"),
    Kind.FUNDS: ("到位资金",),
}


def summarise(plans: list[RowPlan]) -> dict[str, int]:
    counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
    for p in plans:
        counts[p.action] += 1
    return counts

"""Writes on targets: set one, or import a small spreadsheet of them."""

from __future__ import annotations

from decimal import Decimal
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from core.history import (
    bulk_create_with_history,
    bulk_delete_with_history,
    bulk_history_options,
    bulk_update_with_history,
)
from core.models import Region
from core.money import parse_amount

from .models import Target

# Column headers accepted in the import (Chinese or English), in this order.
IMPORT_COLUMNS = [
    ("region", ("地区", "县(市、区)", "region")),
    ("year", ("年度", "year")),
    ("signed_count", ("签约项目数", "signed projects")),
    ("signed_amount", ("签约投资额(万元)", "签约投资额", "signed investment")),
    ("new_start_amount", ("新开工投资额(万元)", "新开工投资额", "new-start investment")),
    ("funds_amount", ("到位资金(万元)", "到位资金", "funds in place")),
]
# Optional columns (the assessment's measures): absent or blank leaves the region without one.
OPTIONAL_IMPORT_COLUMNS = [
    ("out_of_province_count", ("省外签约项目数", "out-of-province signed projects")),
    ("out_of_province_amount", ("省外签约投资额(万元)", "省外签约投资额")),
    ("foreign_count", ("外资签约项目数", "foreign signed projects")),
    ("foreign_amount", ("外资签约投资额(万元)", "外资签约投资额")),
    ("completed_amount", ("完成投资(万元)", "完成投资", "completed investment")),
]
OPTIONAL_FIELDS = [field for field, _names in OPTIONAL_IMPORT_COLUMNS]
KEEP = object()  # target_set: an optional measure not given keeps its stored value


def can_set_targets(user) -> bool:
    """City administrators and city staff set targets; everyone else reads them."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in (Role.CITY_ADMIN, Role.CITY_STAFF))
    )


def check_can_set_targets(user) -> None:
    if user is None:
        return
    if not (user.is_superuser or user.role in (Role.CITY_ADMIN, Role.CITY_STAFF)):
        raise PermissionDenied(_("Only city staff set targets."))


# What a row of target_set / target_bulk_set may hold besides region and year.
ROW_FIELDS = {"signed_count", "signed_amount", "new_start_amount", "funds_amount", *OPTIONAL_FIELDS}


def _apply_set(target: Target, row: dict, *, in_bulk: bool = False) -> None:
    """The rule of setting a region's targets, applied to `target` in memory, nothing written: the
    row's four figures set, each optional measure in `row` set (None or "": no target; one absent
    keeps its stored value), then every rule checked. `in_bulk`: the caller loaded the region and
    holds every row's region and year once, so nothing is queried here. target_set and
    target_bulk_set both apply it, so a form, the API and a ledger row obey the same rule."""
    unknown = set(row) - ROW_FIELDS
    if unknown:
        raise TypeError(f"unknown target fields: {sorted(unknown)}")
    target.signed_count = row["signed_count"]
    target.signed_amount = parse_amount(row["signed_amount"])
    target.new_start_amount = parse_amount(row["new_start_amount"])
    target.funds_amount = parse_amount(row["funds_amount"])
    for field in ("out_of_province_count", "foreign_count"):
        if field in row:
            value = row[field]
            setattr(target, field, None if value in (None, "") else int(value))
    for field in ("out_of_province_amount", "foreign_amount", "completed_amount"):
        if field in row:
            value = row[field]
            setattr(target, field, None if value in (None, "") else parse_amount(value))
    if in_bulk:
        target.full_clean(exclude=["region"], validate_unique=False, validate_constraints=False)
    else:
        target.full_clean()


@transaction.atomic
def target_set(
    *,
    by,
    region: Region,
    year: int,
    signed_count: int,
    signed_amount: Decimal | str,
    new_start_amount: Decimal | str,
    funds_amount: Decimal | str,
    out_of_province_count=KEEP,
    out_of_province_amount=KEEP,
    foreign_count=KEEP,
    foreign_amount=KEEP,
    completed_amount=KEEP,
) -> Target:
    """Create or correct a region's targets for a year. The optional measures (省外, 外资, completed
    investment) take None for "no target"; not given, they keep what is stored."""
    check_can_set_targets(by)
    # One history row per change: a new target is saved once, with its figures.
    target = Target.objects.select_for_update().filter(region=region, year=year).first()
    if target is None:
        target = Target(region=region, year=year)
    optional = {
        "out_of_province_count": out_of_province_count,
        "out_of_province_amount": out_of_province_amount,
        "foreign_count": foreign_count,
        "foreign_amount": foreign_amount,
        "completed_amount": completed_amount,
    }
    _apply_set(
        target,
        {
            "signed_count": signed_count,
            "signed_amount": signed_amount,
            "new_start_amount": new_start_amount,
            "funds_amount": funds_amount,
            **{field: value for field, value in optional.items() if value is not KEEP},
        },
    )
    target.save()
    return target


# The columns a set writes (the figures and the optional measures).
_SET_COLUMNS = [
    "signed_count",
    "signed_amount",
    "new_start_amount",
    "funds_amount",
    *OPTIONAL_FIELDS,
]


@transaction.atomic
def target_bulk_set(*, by, rows: list[dict]) -> tuple[list[Target], list[Target]]:
    """Set many regions' targets at once (ledger imports and their rollback). Each row holds
    target_set's arguments (`region`, a loaded Region; `year`; the four figures; optional
    measures, absent ones kept) and gets target_set's rule (_apply_set) in memory; the stored
    targets of every row are read with one query; then the new targets are written with
    `bulk_create_with_history` and the changed ones with `bulk_update_with_history`, one
    statement each plus one for their change history, with `by`, the `history_reason` and the
    request's IP, as a save records them. A row that breaks a rule raises its ValidationError
    with `row_index` set; nothing is written. Returns (created, updated): a row that changes
    nothing is left alone."""
    if not rows:
        return [], []
    check_can_set_targets(by)
    keys = [(row["region"].pk, row["year"]) for row in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("target_bulk_set takes each region and year once")
    existing = {
        (t.region_id, t.year): t
        for t in Target.objects.select_for_update().filter(
            region_id__in={region for region, _year in keys}, year__in={year for _r, year in keys}
        )
    }
    new, changed = [], []
    for index, (key, row) in enumerate(zip(keys, rows, strict=True)):
        target = existing.get(key)
        if target is None:
            target = Target(region=row["region"], year=row["year"])
        before = [getattr(target, field) for field in _SET_COLUMNS]
        values = {k: v for k, v in row.items() if k not in ("region", "year")}
        try:
            _apply_set(target, values, in_bulk=True)
        except ValidationError as exc:
            exc.row_index = index
            raise
        if target.pk is None:
            new.append(target)
        elif [getattr(target, field) for field in _SET_COLUMNS] != before:
            changed.append(target)
    options = bulk_history_options(by)
    created = bulk_create_with_history(new, Target, **options)
    now = timezone.now()
    for target in changed:
        target.updated_at = now  # `auto_now`, as save() sets it
    bulk_update_with_history(changed, Target, [*_SET_COLUMNS, "updated_at"], **options)
    return created, changed


@transaction.atomic
def targets_set_year(*, by, year: int, rows: list[dict]) -> list[Target]:
    """Set a year's targets for several regions at once, all or none. Each row holds `region`, the
    four figures (None counts as 0) and, when the row has them at all, the optional measures
    (None: no target). Rows that change nothing are left alone, so the change history (变更记录)
    only records real changes."""
    check_can_set_targets(by)
    existing = {t.region_id: t for t in Target.objects.filter(year=year)}
    saved = []
    for row in rows:
        region = row["region"]
        values = {
            "signed_count": row.get("signed_count") or 0,
            "signed_amount": row.get("signed_amount") or Decimal(0),
            "new_start_amount": row.get("new_start_amount") or Decimal(0),
            "funds_amount": row.get("funds_amount") or Decimal(0),
        }
        optional = {f: row[f] for f in OPTIONAL_FIELDS if f in row}
        current = existing.get(region.pk)
        if (
            current is None
            and not any(values.values())
            and all(v in (None, "") for v in optional.values())
        ):
            continue
        if current is not None and all(
            getattr(current, k) == v for k, v in (values | optional).items()
        ):
            continue
        saved.append(target_set(by=by, region=region, year=year, **values, **optional))
    return saved


@transaction.atomic
def target_bulk_delete(*, by, targets: list[Target]) -> None:
    """Remove many targets at once (an import's new rows being rolled back): one statement, and
    one for their change history."""
    if not targets:
        return
    check_can_set_targets(by)
    bulk_delete_with_history(targets, Target, **bulk_history_options(by))


@transaction.atomic
def targets_import_xlsx(*, by, file: BinaryIO) -> list[Target]:
    """Import targets from the first sheet of an xlsx: a header row, then one row per region and
    year. Regions by name or code. All rows or none: any bad row raises with its row number."""
    from openpyxl import load_workbook

    check_can_set_targets(by)
    sheet = load_workbook(file, read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, [])]
    positions = {}
    for field, names in IMPORT_COLUMNS:
        match = next((i for i, h in enumerate(header) if h in names), None)
        if match is None:
            raise ValidationError(_("Column “%(name)s” is missing.") % {"name": names[0]})
        positions[field] = match
    for field, names in OPTIONAL_IMPORT_COLUMNS:
        match = next((i for i, h in enumerate(header) if h in names), None)
        if match is not None:
            positions[field] = match
    regions = {r.name: r for r in Region.objects.all()} | {r.code: r for r in Region.objects.all()}
    targets, errors = [], []
    for number, row in enumerate(rows, start=2):
        if not any(row):
            continue
        value = {field: row[i] for field, i in positions.items()}
        region = regions.get(str(value["region"] or "").strip())
        if region is None:
            errors.append(_("Row %(row)s: unknown region.") % {"row": number})
            continue
        try:
            targets.append(
                target_set(
                    by=by,
                    region=region,
                    year=int(value["year"]),
                    signed_count=int(value["signed_count"] or 0),
                    signed_amount=str(value["signed_amount"] or 0),
                    new_start_amount=str(value["new_start_amount"] or 0),
                    funds_amount=str(value["funds_amount"] or 0),
                    **{
                        field: (None if value[field] in (None, "") else str(value[field]))
                        for field in OPTIONAL_FIELDS
                        if field in value
                    },
                )
            )
        except (ValidationError, TypeError, ValueError) as exc:
            errors.append(
                _("Row %(row)s: %(error)s")
                % {"row": number, "error": "; ".join(getattr(exc, "messages", [str(exc)]))}
            )
    if errors:
        raise ValidationError(errors)
    return targets

"""Writes on enterprises, parks, chain roles and supplier links. Every rule lives here."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import can_edit, check_can_edit, check_can_edit_region, is_city_wide
from core.credit_code import normalize_credit_code, validate_credit_code
from core.history import (
    bulk_create_with_history,
    bulk_history_options,
    bulk_update_with_history,
)
from core.money import parse_amount, validate_amount
from core.textnorm import check_name_characters, normalize_mobile, normalize_name, pinyin_keys

from .models import (
    Enterprise,
    EnterpriseContact,
    EnterpriseYearFigure,
    IndustrialPark,
    tier_figure,
    tier_for_output,
)

if TYPE_CHECKING:
    from accounts.models import User

NOTES_MAX = Enterprise._meta.get_field("notes").max_length
ENTERPRISE_FIELDS = {
    "name",
    "credit_code",
    "is_local",
    "region",
    "park",
    "origin_province",
    "origin_city",
    "investor_origin",
    "ownership",
    "main_chain",
    "main_link",
    "website",
    "notes",
}


# --- who may write ------------------------------------------------------------------------------
# Enterprises are shared reference data: everyone logged in reads them all. Writing is for the edit
# roles; county staff write enterprises of their own region and those with no region yet (an
# outside investor a county has just met has none), never another county's.
def can_edit_enterprise(user: User | None, enterprise: Enterprise | None = None) -> bool:
    """May `user` create (enterprise=None) or change `enterprise`? None as user = a system job."""
    if user is None:
        return True
    if not can_edit(user):
        return False
    if enterprise is None or is_city_wide(user):
        return True
    return enterprise.region_id is None or enterprise.region_id == user.region_id


def _check_can_edit(user: User | None, enterprise: Enterprise | None, region=None) -> None:
    if not can_edit_enterprise(user, enterprise):
        if user is not None and can_edit(user):
            raise PermissionDenied(_("You may only change enterprises of your own region."))
        raise PermissionDenied(_("Your role may not change records."))
    # The region being written must also be the user's own (or none).
    if (
        user is not None
        and region is not None
        and not is_city_wide(user)
        and getattr(region, "pk", region) != user.region_id
    ):
        raise PermissionDenied(_("You may only change enterprises of your own region."))


def _attribute(instance, by: User | None) -> None:
    """Name `by` in the change history even outside a web request (API, imports, shell)."""
    if by is not None:
        instance._history_user = by


def _check_name(name: str) -> None:
    try:
        check_name_characters(name)
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from exc


def _derive(enterprise: Enterprise, *, check_clash: bool = True) -> None:
    enterprise.name = (enterprise.name or "").strip()
    if not enterprise.name:
        raise ValidationError({"name": _("Please enter the enterprise name.")})
    _check_name(enterprise.name)
    # Django checks max_length of CharFields in full_clean, but never of TextFields.
    if len(enterprise.notes or "") > NOTES_MAX:
        raise ValidationError(
            {
                "notes": _("Please keep the notes under %(max)d characters (now %(n)d).")
                % {"max": NOTES_MAX, "n": len(enterprise.notes)}
            }
        )
    enterprise.normalized_name = normalize_name(enterprise.name)
    enterprise.name_pinyin, enterprise.name_initials = pinyin_keys(enterprise.name)
    if enterprise.credit_code:
        try:
            validate_credit_code(enterprise.credit_code)
        except ValidationError as exc:
            raise ValidationError({"credit_code": exc.messages}) from exc
        enterprise.credit_code = normalize_credit_code(enterprise.credit_code)
    if enterprise.credit_code and check_clash:
        clash = Enterprise.all_objects.filter(credit_code=enterprise.credit_code).exclude(
            pk=enterprise.pk
        )
        if clash.exists():
            raise ValidationError(
                {
                    "credit_code": _("Another enterprise (%(name)s) already has this credit code.")
                    % {"name": clash.first().name}
                }
            )
    if (
        enterprise.park_id
        and enterprise.region_id
        and enterprise.park.region_id != enterprise.region_id
    ):
        raise ValidationError({"park": _("The park is not in the enterprise's region.")})


def enterprise_validate(enterprise: Enterprise, *, in_bulk: bool = False) -> None:
    """Every rule an enterprise must satisfy, without saving: imports check each row with it before
    anything is written (the same checks enterprise_create / enterprise_update run).

    `in_bulk=True`: the caller loaded the foreign keys from the database and checks credit-code
    clashes for all its rows at once (see enterprise_bulk_create), so nothing is queried here."""
    _derive(enterprise, check_clash=not in_bulk)
    if in_bulk:
        enterprise.full_clean(
            exclude=[f.name for f in Enterprise._meta.concrete_fields if f.is_relation],
            validate_unique=False,
            validate_constraints=False,
        )
    else:
        enterprise.full_clean()


def enterprise_create(
    *, by: User | None = None, token: uuid.UUID | None = None, **fields: Any
) -> Enterprise:
    """Create an enterprise; the name is normalised and the credit code checked.

    `token` is the form's one-time token: a double-submitted form gets back the enterprise the
    first submission created instead of a second one.
    """
    unknown = set(fields) - ENTERPRISE_FIELDS
    if unknown:
        raise TypeError(f"unknown enterprise fields: {sorted(unknown)}")
    if token is not None:
        existing = Enterprise.all_objects.filter(creation_token=token).first()
        if existing is not None:
            return existing
    _check_can_edit(by, None, fields.get("region"))
    try:
        with transaction.atomic():
            enterprise = Enterprise(**fields, creation_token=token)
            _attribute(enterprise, by)
            _derive(enterprise)
            enterprise.full_clean()
            enterprise.save()
    except IntegrityError:
        # The twin submission committed first, between our check and our insert.
        if token is not None:
            existing = Enterprise.all_objects.filter(creation_token=token).first()
            if existing is not None:
                return existing
        raise
    return enterprise


def _clash_error(name: str) -> ValidationError:
    return ValidationError(
        {
            "credit_code": _("Another enterprise (%(name)s) already has this credit code.")
            % {"name": name}
        }
    )


def _check_clashes(enterprises: list[Enterprise]) -> None:
    """No two of `enterprises` share a credit code, nor does any other enterprise (deleted ones
    too) hold one of theirs as stored now: one query for all of them. An enterprise keeping its
    own code does not clash with itself; two swapping their codes do (each code is held by the
    other as stored, and the unique index would refuse the swap's UPDATE), as saving them one at
    a time would. A clash raises its ValidationError with `row_index` set."""
    seen: dict[str, int] = {}
    for index, e in enumerate(enterprises):
        if e.credit_code and e.credit_code in seen:
            exc = _clash_error(enterprises[seen[e.credit_code]].name)
            exc.row_index = index
            raise exc
        if e.credit_code:
            seen[e.credit_code] = index
    if not seen:
        return
    holders = Enterprise.all_objects.filter(credit_code__in=list(seen)).values_list(
        "pk", "credit_code", "name"
    )
    clashes = sorted(
        (seen[code], name) for pk, code, name in holders if pk != enterprises[seen[code]].pk
    )
    if clashes:  # the first row that clashes, as a row-by-row check would name it
        index, name = clashes[0]
        exc = _clash_error(name)
        exc.row_index = index
        raise exc


@transaction.atomic
def enterprise_bulk_create(
    *, by: User | None = None, rows: list[dict], batch_size: int = 2000
) -> list[Enterprise]:
    """Create many enterprises at once (ledger imports): enterprise_create's rules row by row,
    credit-code clashes checked with one query for all rows, then one `bulk_create` of the rows
    and one INSERT … SELECT of their change history (core.history's `bulk_create_with_history`;
    `batch_size` is no longer used). Foreign keys must be objects loaded from the database. A row that breaks a
    rule raises its ValidationError with `row_index` set; nothing is written."""
    enterprises = []
    checked_regions: set = set()
    for index, fields in enumerate(rows):
        unknown = set(fields) - ENTERPRISE_FIELDS
        if unknown:
            raise TypeError(f"unknown enterprise fields: {sorted(unknown)}")
        region = fields.get("region")
        if getattr(region, "pk", region) not in checked_regions:
            _check_can_edit(by, None, region)
            checked_regions.add(getattr(region, "pk", region))
        enterprise = Enterprise(**fields)
        _attribute(enterprise, by)
        try:
            enterprise_validate(enterprise, in_bulk=True)
        except ValidationError as exc:
            exc.row_index = index
            raise
        enterprises.append(enterprise)
    _check_clashes(enterprises)
    if not enterprises:
        return []
    return bulk_create_with_history(enterprises, Enterprise, **bulk_history_options(by))


def _apply_update(
    enterprise: Enterprise, fields: dict, *, by: User | None, in_bulk: bool = False
) -> None:
    """The rule of a change to an enterprise, applied in memory, nothing written: who may make it
    (the enterprise's region and the one written), then `fields` set and every rule checked
    (enterprise_validate; `in_bulk` as there). enterprise_update and enterprise_bulk_update both
    apply it, so an edit in a form and a ledger row obey the same rule."""
    unknown = set(fields) - ENTERPRISE_FIELDS
    if unknown:
        raise TypeError(f"unknown enterprise fields: {sorted(unknown)}")
    _check_can_edit(by, enterprise, fields.get("region"))
    _attribute(enterprise, by)
    for key, value in fields.items():
        setattr(enterprise, key, value)
    enterprise_validate(enterprise, in_bulk=in_bulk)


@transaction.atomic
def enterprise_update(
    *, enterprise: Enterprise, by: User | None = None, **fields: Any
) -> Enterprise:
    _apply_update(enterprise, fields, by=by)
    enterprise.save()
    return enterprise


# Every column an update may change (the fields and what _derive derives from them).
_UPDATED_COLUMNS = [
    f for f in Enterprise._meta.concrete_fields if not f.primary_key and f.name != "updated_at"
]


@transaction.atomic
def enterprise_bulk_update(
    *, by: User | None = None, rows: list[tuple[Enterprise, dict]]
) -> list[Enterprise]:
    """Change many enterprises at once (ledger imports and their rollback). Each row is
    (enterprise, fields), the fields as enterprise_update takes them, and gets enterprise_update's
    rule (_apply_update) in memory; credit-code clashes are checked with one query for all rows;
    then the columns some row changed are written with one UPDATE … FROM (VALUES …) and the
    change history with one INSERT … SELECT (core.history's `bulk_update_with_history`, per
    2,000 rows), with `by`, the `history_reason` and the request's IP, as a save records them.

    The enterprises are changed as given, each once: the caller read them in its transaction, as
    enterprise_update takes its one (their parks, which the park rule reads, are fetched with one
    query when not loaded). Foreign keys in `fields` must be objects loaded from the database. A
    row that breaks a rule raises its ValidationError (or PermissionDenied) with `row_index` set;
    nothing is written."""
    if not rows:
        return []
    enterprises = [enterprise for enterprise, _fields in rows]
    if len({e.pk for e in enterprises}) != len(enterprises) or None in {e.pk for e in enterprises}:
        raise ValueError("enterprise_bulk_update takes saved enterprises, each once")
    prefetch_related_objects(
        [e for e in enterprises if e.park_id and not Enterprise.park.is_cached(e)], "park"
    )
    written: set[str] = set()
    for index, (enterprise, fields) in enumerate(rows):
        before = [getattr(enterprise, f.attname) for f in _UPDATED_COLUMNS]
        try:
            _apply_update(enterprise, fields, by=by, in_bulk=True)
        except (ValidationError, PermissionDenied) as exc:
            exc.row_index = index
            raise
        # Only the columns some row changed: each is a value per row in the VALUES list.
        written.update(
            f.name
            for f, old in zip(_UPDATED_COLUMNS, before, strict=True)
            if getattr(enterprise, f.attname) != old
        )
    _check_clashes(enterprises)
    now = timezone.now()
    for enterprise in enterprises:
        enterprise.updated_at = now  # `auto_now`, as save() sets it
    bulk_update_with_history(
        enterprises, Enterprise, [*sorted(written), "updated_at"], **bulk_history_options(by)
    )
    return enterprises


@transaction.atomic
def enterprise_delete(*, enterprise: Enterprise, by: User | None = None) -> None:
    """Soft delete: the enterprise disappears from lists and can be restored."""
    _check_can_edit(by, enterprise)
    if enterprise.is_deleted:
        return
    _attribute(enterprise, by)
    enterprise.mark_deleted()
    enterprise.save(update_fields=["is_deleted", "deleted_at", "updated_at"])


@transaction.atomic
def enterprise_restore(*, enterprise: Enterprise, by: User | None = None) -> None:
    _check_can_edit(by, enterprise)
    if not enterprise.is_deleted:
        return
    _attribute(enterprise, by)
    enterprise.mark_restored()
    enterprise.save(update_fields=["is_deleted", "deleted_at", "updated_at"])


@transaction.atomic
def contact_add(
    *,
    enterprise: Enterprise,
    name: str,
    title: str = "",
    phone: str = "",
    email: str = "",
    wechat: str = "",
    by: User | None = None,
) -> EnterpriseContact:
    """Add a contact person. Adding the very same person twice (a double submit) returns the first."""
    _check_can_edit(by, enterprise)
    if not (name or "").strip():
        raise ValidationError({"name": _("Please enter the contact's name.")})
    _check_name(name)
    contact = EnterpriseContact(
        enterprise=enterprise,
        name=name.strip(),
        title=title.strip(),
        phone=phone.strip(),
        email=email.strip(),
        wechat=wechat.strip(),
        mobile_normalized=normalize_mobile(phone),
    )
    contact.name_pinyin, contact.name_initials = pinyin_keys(contact.name)
    same = enterprise.contacts.filter(
        name=contact.name,
        title=contact.title,
        phone=contact.phone,
        email=contact.email,
        wechat=contact.wechat,
    ).first()
    if same is not None:
        return same
    if phone.strip() and not contact.mobile_normalized and not any(ch.isdigit() for ch in phone):
        raise ValidationError({"phone": _("Please enter a phone number with digits.")})
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: EnterpriseContact,
    name: str,
    title: str = "",
    phone: str = "",
    email: str = "",
    wechat: str = "",
    by: User | None = None,
) -> EnterpriseContact:
    _check_can_edit(by, contact.enterprise)
    if not (name or "").strip():
        raise ValidationError({"name": _("Please enter the contact's name.")})
    _check_name(name)
    contact.name = name.strip()
    contact.title = title.strip()
    contact.phone = phone.strip()
    contact.email = email.strip()
    contact.wechat = wechat.strip()
    contact.mobile_normalized = normalize_mobile(phone)
    contact.name_pinyin, contact.name_initials = pinyin_keys(contact.name)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def park_save(*, park: IndustrialPark, by: User | None = None) -> IndustrialPark:
    """Create or change a park (the admin and the demo data come here): its name's pinyin and
    initials are derived on every write, for global search, as a project's are."""
    if by is not None and park.pk is not None:
        check_can_edit(by, park)
    elif by is not None:
        if not can_edit(by):
            raise PermissionDenied(_("Your role may not change records."))
        check_can_edit_region(by, park.region)
    park.name = (park.name or "").strip()
    park.name_pinyin, park.name_initials = pinyin_keys(park.name)
    park.full_clean(exclude=["leading_chains"])
    park.save()
    return park


@transaction.atomic
def year_figures_record(
    *,
    enterprise: Enterprise,
    year: int,
    output_value: Decimal | None = None,
    revenue: Decimal | None = None,
    profit: Decimal | None = None,
    tax: Decimal | None = None,
    employees: int | None = None,
    by: User | None = None,
) -> EnterpriseYearFigure:
    """Record (or correct) one year's figures, then re-derive the 十百千 tier (see _derive_tier).

    Amounts are 万元: a Decimal, or text with a unit ("3.5亿", "3500万"). Profit may be negative (a
    loss); the others may not. Recording the same year again corrects it (one row per year).
    """
    _check_can_edit(by, enterprise)
    errors: dict[str, list[str]] = {}
    amounts: dict[str, Decimal | None] = {}
    for label, value in (
        ("output_value", output_value),
        ("revenue", revenue),
        ("profit", profit),
        ("tax", tax),
    ):
        if value is None or value == "":
            amounts[label] = None
            continue
        try:
            amounts[label] = _parse_signed(value) if label == "profit" else parse_amount(value)
        except ValidationError as exc:
            errors[label] = exc.messages
    if not isinstance(year, int) or not 1949 <= year <= 2100:
        errors["year"] = [_("Please enter a year between 1949 and 2100.")]
    if employees is not None and not (isinstance(employees, int) and 0 <= employees <= 10_000_000):
        errors["employees"] = [_("Please enter a number of employees between 0 and 10,000,000.")]
    if errors:
        raise ValidationError(errors)
    output_value, revenue, profit, tax = (
        amounts["output_value"],
        amounts["revenue"],
        amounts["profit"],
        amounts["tax"],
    )
    figure, _created = EnterpriseYearFigure.objects.update_or_create(
        enterprise=enterprise,
        year=year,
        defaults={
            "output_value": output_value,
            "revenue": revenue,
            "profit": profit,
            "tax": tax,
            "employees": employees,
        },
    )
    _derive_tier(enterprise)
    return figure


@transaction.atomic
def year_figures_delete(*, figure: EnterpriseYearFigure, by: User | None = None) -> None:
    """Remove a year recorded by mistake; the tier follows the latest remaining year."""
    enterprise = figure.enterprise
    _check_can_edit(by, enterprise)
    figure.delete()
    _derive_tier(enterprise)


def _derive_tier(enterprise: Enterprise) -> None:
    """The 十百千 tier counts the larger of yearly output value and sales revenue (DESIGN.md
    口径), of the latest year that has either; `latest_output_value` stays the output alone."""
    years = enterprise.year_figures.filter(
        Q(output_value__isnull=False) | Q(revenue__isnull=False)
    ).order_by("-year")
    latest_year = years.values("output_value", "revenue").first()
    enterprise.latest_output_value = (
        enterprise.year_figures.exclude(output_value__isnull=True)
        .order_by("-year")
        .values_list("output_value", flat=True)
        .first()
    )
    enterprise.tier_value = tier_figure(**latest_year) if latest_year else None
    enterprise.tier = tier_for_output(enterprise.tier_value)
    enterprise.save(update_fields=["latest_output_value", "tier_value", "tier", "updated_at"])


def _parse_signed(value: object) -> Decimal:
    """Profit: an amount that may be a loss ("-2022" or "-0.2亿")."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -parse_amount(value.strip()[1:])
    if isinstance(value, Decimal) and value < 0:
        return -validate_amount(-value)
    return parse_amount(value)


def find_investor_matches(
    *, credit_code: str = "", name: str = "", mobile: str = ""
) -> list[tuple[Enterprise, str]]:
    """Enterprises that are the same investor by credit code, normalised name or mobile number.

    Returns (enterprise, matched_by) pairs, strongest evidence first, each enterprise once.
    """
    found: dict[int, tuple[Enterprise, str]] = {}
    code = normalize_credit_code(credit_code) if credit_code else ""
    if code:
        for e in Enterprise.objects.filter(credit_code=code):
            found.setdefault(e.pk, (e, "credit_code"))
    norm = normalize_name(name) if name else ""
    if norm:
        for e in Enterprise.objects.filter(normalized_name=norm):
            found.setdefault(e.pk, (e, "name"))
    mob = normalize_mobile(mobile) if mobile else ""
    if mob:
        for e in Enterprise.objects.filter(contacts__mobile_normalized=mob).distinct():
            found.setdefault(e.pk, (e, "mobile"))
    return list(found.values())

"""Writes on enterprises, parks, chain roles and supplier links. Every rule lives here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.credit_code import normalize_credit_code, validate_credit_code
from core.money import validate_amount
from core.textnorm import normalize_mobile, normalize_name, pinyin_keys

from .models import Enterprise, EnterpriseContact, EnterpriseYearFigure, tier_for_output

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


def _derive(enterprise: Enterprise) -> None:
    enterprise.name = (enterprise.name or "").strip()
    if not enterprise.name:
        raise ValidationError({"name": _("Please enter the enterprise name.")})
    enterprise.normalized_name = normalize_name(enterprise.name)
    enterprise.name_pinyin, enterprise.name_initials = pinyin_keys(enterprise.name)
    if enterprise.credit_code:
        try:
            validate_credit_code(enterprise.credit_code)
        except ValidationError as exc:
            raise ValidationError({"credit_code": exc.messages}) from exc
        enterprise.credit_code = normalize_credit_code(enterprise.credit_code)
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


def enterprise_validate(enterprise: Enterprise) -> None:
    """Every rule an enterprise must satisfy, without saving: imports check each row with it before
    anything is written (the same checks enterprise_create / enterprise_update run)."""
    _derive(enterprise)
    enterprise.full_clean()


@transaction.atomic
def enterprise_create(**fields: Any) -> Enterprise:
    """Create an enterprise; the name is normalised and the credit code checked."""
    unknown = set(fields) - ENTERPRISE_FIELDS
    if unknown:
        raise TypeError(f"unknown enterprise fields: {sorted(unknown)}")
    enterprise = Enterprise(**fields)
    _derive(enterprise)
    enterprise.full_clean()
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, **fields: Any) -> Enterprise:
    unknown = set(fields) - ENTERPRISE_FIELDS
    if unknown:
        raise TypeError(f"unknown enterprise fields: {sorted(unknown)}")
    for key, value in fields.items():
        setattr(enterprise, key, value)
    _derive(enterprise)
    enterprise.full_clean()
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_delete(*, enterprise: Enterprise) -> None:
    """Soft delete: the enterprise disappears from lists and can be restored."""
    enterprise.mark_deleted()
    enterprise.save(update_fields=["is_deleted", "deleted_at", "updated_at"])


@transaction.atomic
def enterprise_restore(*, enterprise: Enterprise) -> None:
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
) -> EnterpriseContact:
    contact = EnterpriseContact(
        enterprise=enterprise,
        name=name.strip(),
        title=title,
        phone=phone.strip(),
        email=email,
        wechat=wechat,
        mobile_normalized=normalize_mobile(phone),
    )
    if phone.strip() and not contact.mobile_normalized and not any(ch.isdigit() for ch in phone):
        raise ValidationError({"phone": _("Please enter a phone number with digits.")})
    contact.full_clean()
    contact.save()
    return contact


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
) -> EnterpriseYearFigure:
    """Record (or correct) one year's figures, then re-derive the 十百千 tier from the latest output."""
    for label, value in (("output_value", output_value), ("revenue", revenue), ("tax", tax)):
        if value is not None:
            try:
                validate_amount(value)
            except ValidationError as exc:
                raise ValidationError({label: exc.messages}) from exc
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
    latest = (
        enterprise.year_figures.exclude(output_value__isnull=True)
        .order_by("-year")
        .values_list("output_value", flat=True)
        .first()
    )
    enterprise.latest_output_value = latest
    enterprise.tier = tier_for_output(latest)
    enterprise.save(update_fields=["latest_output_value", "tier", "updated_at"])
    return figure


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

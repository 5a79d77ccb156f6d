"""Writes on chain links, gap targets and chain indicators. Every rule lives here."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scoping import can_edit
from core.models import ChainLink, IndustryChain
from projects import services as project_services
from projects.models import Project

from .models import ChainIndicator, ChainIndicatorReading, ChainTarget

TARGET_FIELDS = {"link", "name", "enterprise", "origin", "priority", "owner", "status", "notes"}


def _check_city_staff(user) -> None:
    """Chain links and indicators are city-wide reference data: city staff maintain them."""
    if user is None:  # system jobs (demo loader)
        return
    if not (
        user.is_authenticated
        and (user.is_superuser or user.role in (Role.CITY_ADMIN, Role.CITY_STAFF))
    ):
        raise PermissionDenied(_("Only city staff may change industry chains."))


def _check_can_edit(user) -> None:
    if user is not None and not can_edit(user):
        raise PermissionDenied(_("Your role may not change records."))


# --- links -------------------------------------------------------------------------------------
@transaction.atomic
def chain_link_save(
    *,
    by,
    chain: IndustryChain,
    name: str,
    position: str,
    parent: ChainLink | None = None,
    sort_order: int = 0,
    link: ChainLink | None = None,
) -> ChainLink:
    """Create (or, with `link`, edit) a link of `chain`. The parent must be a link of the same chain
    and may not be the link itself or one of its sub-links."""
    _check_city_staff(by)
    if link is None:
        link = ChainLink(chain=chain)
    elif link.chain_id != chain.pk:
        raise ValidationError(_("The link does not belong to this chain."))
    link.name = (name or "").strip()
    link.position = position
    link.sort_order = sort_order or 0
    if parent is not None:
        if parent.chain_id != chain.pk:
            raise ValidationError({"parent": _("The parent link must belong to the same chain.")})
        ancestor = parent
        while ancestor is not None:
            if link.pk and ancestor.pk == link.pk:
                raise ValidationError(
                    {"parent": _("A link cannot sit under itself or one of its sub-links.")}
                )
            ancestor = ancestor.parent
    link.parent = parent
    if not link.name:
        raise ValidationError({"name": _("Please enter the link name.")})
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def chain_link_delete(*, by, link: ChainLink) -> None:
    """Delete a link nothing depends on; a link with enterprises, projects, suppliers or targets on it
    is kept (rename it instead)."""
    _check_city_staff(by)
    in_use = (
        link.enterprises.exists()
        or Project.all_objects.filter(chain_link=link).exists()
        or link.supplier_links.exists()
        or link.targets.exists()
    )
    if in_use:
        raise ValidationError(
            _(
                "The link “%(name)s” has enterprises, projects, suppliers or targets on it and cannot be deleted."
            )
            % {"name": link.name}
        )
    link.children.update(parent=link.parent)
    link.delete()


# --- targets -----------------------------------------------------------------------------------
def _clean_target(target: ChainTarget) -> None:
    target.name = (target.name or "").strip()
    if not target.name:
        raise ValidationError({"name": _("Please enter the target enterprise.")})
    if target.status == ChainTarget.Status.CONVERTED and target.project_id is None:
        raise ValidationError(
            {"status": _("A target becomes converted only by creating its lead.")}
        )
    clash = ChainTarget.objects.filter(link_id=target.link_id, name=target.name).exclude(
        pk=target.pk
    )
    if clash.exists():
        raise ValidationError({"name": _("This enterprise is already a target for this link.")})
    target.full_clean()


@transaction.atomic
def target_create(*, by, **fields: Any) -> ChainTarget:
    """Add an outside enterprise to a link's target list (招商目标清单)."""
    _check_can_edit(by)
    unknown = set(fields) - TARGET_FIELDS
    if unknown:
        raise TypeError(f"unknown target fields: {sorted(unknown)}")
    if fields.get("owner") is None:  # whoever lists a target follows it unless told otherwise
        fields["owner"] = by
    target = ChainTarget(**fields)
    if target.enterprise_id and not target.name:
        target.name = target.enterprise.name
    _clean_target(target)
    target.save()
    return target


@transaction.atomic
def target_update(*, by, target: ChainTarget, **fields: Any) -> ChainTarget:
    _check_can_edit(by)
    unknown = set(fields) - TARGET_FIELDS
    if unknown:
        raise TypeError(f"unknown target fields: {sorted(unknown)}")
    target = ChainTarget.objects.select_for_update().get(pk=target.pk)
    if target.status == ChainTarget.Status.CONVERTED and fields.get("status", target.status) != (
        ChainTarget.Status.CONVERTED
    ):
        raise ValidationError({"status": _("A converted target stays converted.")})
    for key, value in fields.items():
        setattr(target, key, value)
    _clean_target(target)
    target.save()
    return target


@transaction.atomic
def target_convert_to_lead(
    *,
    by,
    target: ChainTarget,
    region,
    planned_investment: Decimal | str,
    park=None,
    name: str = "",
    token: uuid.UUID | None = None,
) -> Project:
    """Turn a target into a lead: the project is created pre-filled (investor, chain, link, park,
    method 产业链招商, owner) through projects.services, so 首报首谈 matching runs as for any lead,
    and the target is marked converted and points at the project. Converting twice is refused."""
    target = ChainTarget.objects.select_for_update().select_related("link__chain").get(pk=target.pk)
    if target.status == ChainTarget.Status.CONVERTED:
        raise ValidationError(_("This target has already been converted into a lead."))
    if region is None:
        raise ValidationError({"region": _("Please choose the region that will follow the lead.")})
    if park is not None and park.region_id != region.pk:
        raise ValidationError({"park": _("The park is not in the chosen region.")})
    link = target.link
    project_name = (name or "").strip() or _("%(investor)s %(link)s project") % {
        "investor": target.name,
        "link": link.name,
    }
    investor = target.enterprise
    project, _conflicts = project_services.quick_lead_create(
        by=by,
        token=token,
        name=project_name,
        investor_name=investor.name if investor else target.name,
        credit_code=investor.credit_code if investor else "",
        region=region,
        chain=link.chain,
        planned_investment=planned_investment,
    )
    from core.models import PromotionMethod

    extra: dict[str, Any] = {"chain_link": link, "park": park}
    method = PromotionMethod.objects.filter(code="industry-chain").first()
    if method is not None:
        extra["method"] = method
    if target.owner_id and target.owner.region_id in (None, region.pk):
        extra["owner"] = target.owner
    if target.notes:
        extra["notes"] = _("From the chain target list: %(notes)s") % {"notes": target.notes}
    project = project_services.project_update(project=project, by=by, **extra)

    target.project = project
    target.status = ChainTarget.Status.CONVERTED
    target.converted_at = timezone.now()
    if target.enterprise_id is None:
        target.enterprise = project.investor
    target.full_clean()
    target.save()
    return project


# --- indicators --------------------------------------------------------------------------------
def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("Please enter a number.")}) from exc
    if not number.is_finite() or number < 0 or (number == 0 and number.is_signed()):
        raise ValidationError({field: _("Please enter a number that is zero or more.")})
    return number


@transaction.atomic
def indicator_save(
    *,
    by,
    chain: IndustryChain,
    name: str,
    unit: str,
    target_value,
    target_year: int | None = None,
    programme: str = "",
    sort_order: int = 0,
) -> ChainIndicator:
    """Create or update (by chain and name) a named target of a chain programme."""
    _check_city_staff(by)
    value = _decimal(target_value, "target_value")
    indicator, _created = ChainIndicator.objects.get_or_create(
        chain=chain,
        name=name.strip(),
        defaults={"unit": unit, "target_value": value},
    )
    indicator.unit = unit.strip()
    indicator.target_value = value
    indicator.target_year = target_year
    indicator.programme = programme.strip()
    indicator.sort_order = sort_order
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def indicator_reading_record(
    *, by, indicator: ChainIndicator, year: int, value, note: str = ""
) -> ChainIndicatorReading:
    """Record (or correct) the value an indicator reached in a year."""
    _check_city_staff(by)
    number = _decimal(value, "value")
    if year > timezone.localdate().year:
        raise ValidationError({"year": _("A reading cannot be for a year that has not begun.")})
    reading, _created = ChainIndicatorReading.objects.get_or_create(
        indicator=indicator, year=year, defaults={"value": number}
    )
    reading.value = number
    reading.note = note.strip()
    reading.full_clean()
    reading.save()
    return reading

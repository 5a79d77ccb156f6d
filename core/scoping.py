"""Who sees and edits what, in one place (DESIGN.md, "Access"). Every selector that lists or fetches
projects goes through `scope_projects`; every service that writes checks `check_can_edit_region`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import CITY_ROLES, Role

EDIT_ROLES = {Role.CITY_ADMIN, Role.CITY_STAFF, Role.COUNTY_STAFF}


def is_city_wide(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (
            user.is_superuser
            or user.role in CITY_ROLES
            or (user.role == Role.API_CLIENT and user.region_id is None)
        )
    )


def scope_projects(qs: QuerySet, user) -> QuerySet:
    """Projects the user may see: city roles all; county roles their own region only."""
    if not user or not user.is_authenticated:
        return qs.none()
    if is_city_wide(user):
        return qs
    if user.region_id is None:
        return qs.none()
    return qs.filter(region_id=user.region_id)


def can_edit(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in EDIT_ROLES))


def check_can_edit_region(user, region) -> None:
    """Raise PermissionDenied unless `user` may write records of `region`."""
    if user is None:  # system jobs (demo loader, imports run by a management command)
        return
    if not can_edit(user):
        raise PermissionDenied(_("Your role may not change records."))
    if user.is_superuser or user.role in (Role.CITY_ADMIN, Role.CITY_STAFF):
        return
    if region is None or user.region_id != getattr(region, "pk", region):
        raise PermissionDenied(_("You may only change records of your own region."))

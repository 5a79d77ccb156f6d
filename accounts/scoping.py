"""Who sees and edits what, in one place (DESIGN.md, "Access").

Reading: every selector, export, admin list, API view, search and autocomplete narrows its queryset
with `scope(qs, user)` (or the named shortcuts below), and fetches single objects with
`get_object_or_404_for(user, qs_or_model, pk=…)`: an object outside the user's scope is *not found*,
never "forbidden", so another county's project id reveals nothing.

Writing: services call `check_can_edit_region(user, region)` (or `check_can_edit(user, obj)`).

The rules:
- city roles (administrator, staff, leaders) see everything;
- county staff and county officials see their own region's rows only (confidential ones included);
- an API client without a region sees the whole city *except* confidential projects (it is another
  system, not "the city"); one bound to a region sees that region like a county user;
- writes: city administrators and city staff everywhere, county staff in their own region; leaders and
  county officials never; API clients only with the `accounts.api_write` permission, in their scope.

How a model is scoped is declared once in SCOPE_RULES (`register_scope` for new apps). A model with no
rule cannot be scoped: `scope()` raises rather than silently showing everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import CITY_ROLES, COUNTY_ROLES, Role

EDIT_ROLES = {Role.CITY_ADMIN, Role.CITY_STAFF, Role.COUNTY_STAFF}
CITY_EDIT_ROLES = {Role.CITY_ADMIN, Role.CITY_STAFF}
API_WRITE_PERMISSION = "accounts.api_write"


# --- who is who -------------------------------------------------------------------------------------
def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_city_wide(user) -> bool:
    """Sees every region (confidential projects aside for API clients, see `sees_confidential`)."""
    return _active(user) and (
        user.is_superuser
        or user.role in CITY_ROLES
        or (user.role == Role.API_CLIENT and user.region_id is None)
    )


def sees_confidential_everywhere(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in CITY_ROLES)


def scoped_region_id(user) -> int | None:
    """The one region a non-city-wide user is limited to (None: city-wide, or nothing at all)."""
    if not _active(user) or is_city_wide(user):
        return None
    return user.region_id


@dataclass(frozen=True)
class Reach:
    """The projects a user may see, as data: one region's (`region_id`) or every region's (None);
    `public_only`: the confidential ones left out. `scope` applies it to querysets through each
    model's rule; readers of precomputed rows (dashboards.reads: rollup cells, 督办 items) apply it
    to their own columns."""

    region_id: int | None = None
    public_only: bool = False


def reach(user) -> Reach | None:
    """Which projects `user` may see (None: none): city roles every region with the confidential
    projects; a city-wide API client every region without them; county users and region-bound API
    clients their region, confidential included."""
    if not _active(user):
        return None
    if is_city_wide(user):
        return Reach(public_only=not sees_confidential_everywhere(user))
    region_id = scoped_region_id(user)
    return None if region_id is None else Reach(region_id=region_id)


def can_edit(user) -> bool:
    """May this user write at all (somewhere)?"""
    if not _active(user):
        return False
    if user.is_superuser or user.role in CITY_EDIT_ROLES:
        return True
    if user.role == Role.COUNTY_STAFF:
        return user.region_id is not None
    if user.role == Role.API_CLIENT:
        return user.has_perm(API_WRITE_PERMISSION)
    return False


def check_can_edit_region(user, region) -> None:
    """Raise PermissionDenied unless `user` may write records of `region` (a Region, its pk, or None
    for a record that belongs to no region, e.g. an outside investor)."""
    if user is None:  # system jobs (demo loader, imports run by a management command)
        return
    if not can_edit(user):
        raise PermissionDenied(_("Your role may not change records."))
    if user.is_superuser or user.role in CITY_EDIT_ROLES:
        return
    if user.role == Role.API_CLIENT and user.region_id is None:
        return
    region_id = getattr(region, "pk", region)
    if region_id is None or user.region_id != region_id:
        raise PermissionDenied(_("You may only change records of your own region."))


# --- rules per model --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScopeRule:
    """How rows of one model are scoped.

    region: lookup path to the owning Region (None: reference data every signed-in user may read).
    confidential: lookup path to the project's `is_confidential` flag, if the row belongs to a project.
    regionless_shared: rows with no region (outside investors) are visible to county users too, and
        writable by every editor.
    write_region: for rows everyone reads but only their region writes (enterprises, parks), the
        lookup path to that region (default: the row's own `region`, if it has one).
    """

    region: str | None = None
    confidential: str | None = None
    regionless_shared: bool = False
    write_region: str | None = None


ScopeFunc = Callable[[QuerySet, object], QuerySet]
SCOPE_RULES: dict[str, ScopeRule | ScopeFunc] = {
    # Reference data: readable by everyone signed in, written by city roles (admin permissions).
    "core.region": ScopeRule(),
    "core.industrychain": ScopeRule(),
    "core.chainlink": ScopeRule(),
    "core.promotionmethod": ScopeRule(),
    # Projects and what hangs off them.
    "projects.project": ScopeRule(region="region", confidential="is_confidential"),
    "projects.stagechange": ScopeRule(
        region="project__region", confidential="project__is_confidential"
    ),
    "projects.followup": ScopeRule(
        region="project__region", confidential="project__is_confidential"
    ),
    "projects.fundsinplace": ScopeRule(
        region="project__region", confidential="project__is_confidential"
    ),
    "projects.completedinvestment": ScopeRule(
        region="project__region", confidential="project__is_confidential"
    ),
    "projects.claimconflict": ScopeRule(
        region="project__region", confidential="project__is_confidential"
    ),
    # Enterprises and parks are public facts: every signed-in user reads them (first-report
    # matching needs every county to see every investor); their region writes them, and an outside
    # investor (no region) may be updated by any editor.
    "enterprises.industrialpark": ScopeRule(),
    "enterprises.enterprise": ScopeRule(regionless_shared=True),
    "enterprises.enterprisecontact": ScopeRule(
        write_region="enterprise__region", regionless_shared=True
    ),
    "enterprises.enterpriseyearfigure": ScopeRule(
        write_region="enterprise__region", regionless_shared=True
    ),
    "enterprises.chainleaderrole": ScopeRule(
        write_region="enterprise__region", regionless_shared=True
    ),
    "enterprises.supplierlink": ScopeRule(write_region="leader__region", regionless_shared=True),
    # Events (issue 4): the events themselves are public news; a signing or batch entry belongs to a
    # project and follows the project's scope (the events pages mask what a county may not see).
    "events.promotionevent": ScopeRule(),
    "events.eventagreement": ScopeRule(),
    "events.signing": ScopeRule(region="project__region", confidential="project__is_confidential"),
    "events.batchmilestone": ScopeRule(
        region="project__region", confidential="project__is_confidential"
    ),
    # Industry-chain map (issue 9): city-wide planning data, read by everyone signed in.
    "chains.chaintarget": ScopeRule(),
    "chains.chainindicator": ScopeRule(),
    "chains.chainindicatorreading": ScopeRule(),
    # Targets are aggregate figures every official may read; only city staff set them (service).
    "targets.target": ScopeRule(),
    "accounts.user": lambda qs, user: _scope_users(qs, user),
    # Ledger imports (issue 8): a batch holds a whole uploaded file, so only its uploader and city
    # administrators see it (not the uploader's whole region, not city staff).
    "imports.importbatch": lambda qs, user: _scope_import_batches(qs, user),
}


def register_scope(model_label: str, rule: ScopeRule | ScopeFunc) -> None:
    """Declare how a model is scoped (call from the app's AppConfig.ready, or add a line above)."""
    SCOPE_RULES[model_label.lower()] = rule


def scope_rule_for(model: type[Model]) -> ScopeRule | ScopeFunc:
    try:
        return SCOPE_RULES[model._meta.label_lower]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no scope rule: add one to accounts.scoping.SCOPE_RULES."
        ) from None


def _apply_rule(qs: QuerySet, user, rule: ScopeRule) -> QuerySet:
    if rule.region is None:
        return qs
    seen = reach(user)
    if seen is None:
        return qs.none()
    conditions = Q()
    if seen.region_id is not None:
        conditions = Q(**{f"{rule.region}_id": seen.region_id})
        if rule.regionless_shared:
            conditions |= Q(**{f"{rule.region}__isnull": True})
    if rule.confidential and seen.public_only:
        conditions &= Q(**{rule.confidential: False})
    return qs.filter(conditions) if conditions else qs


def scope(qs: QuerySet, user) -> QuerySet:
    """The rows of `qs` that `user` may see."""
    if not _active(user):
        return qs.none()
    rule = scope_rule_for(qs.model)
    if callable(rule) and not isinstance(rule, ScopeRule):
        return rule(qs, user)
    return _apply_rule(qs, user, rule)


# --- the named shortcuts selectors use ---------------------------------------------------------------
def scope_projects(qs: QuerySet, user) -> QuerySet:
    """Projects the user may see: city roles all; county roles and region-bound API clients their own
    region (confidential included); city-wide API clients all but confidential ones."""
    return scope(qs, user)


def scope_enterprises(qs: QuerySet, user) -> QuerySet:
    """Enterprises: every signed-in user reads them all (see SCOPE_RULES); writes are checked by
    `check_can_edit` / enterprises.services.can_edit_enterprise."""
    return scope(qs, user)


def _scope_users(qs: QuerySet, user) -> QuerySet:
    """Users: city roles see everyone; anyone else only themselves."""
    if sees_confidential_everywhere(user):
        return qs
    return qs.filter(pk=user.pk)


def _scope_import_batches(qs: QuerySet, user) -> QuerySet:
    if user.is_superuser or user.role == Role.CITY_ADMIN:
        return qs
    return qs.filter(created_by=user)


def get_object_or_404_for(user, qs_or_model, **lookup) -> Model:
    """One object the user may see, or Http404 — the same answer for "does not exist" and "not
    yours", so ids reveal nothing."""
    if isinstance(qs_or_model, QuerySet):
        qs = qs_or_model
    elif hasattr(qs_or_model, "get_queryset"):  # a manager, e.g. Project.objects
        qs = qs_or_model.get_queryset()
    else:
        qs = qs_or_model._default_manager.all()
    try:
        return scope(qs, user).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("Not found.")) from None


def check_can_edit(user, obj: Model) -> None:
    """PermissionDenied unless `user` may write `obj`: it must be visible to them and in a region they
    may write (rows of no region, like outside investors, are writable by every editor)."""
    if user is None:
        return
    if not can_edit(user):
        raise PermissionDenied(_("Your role may not change records."))
    if not scope(type(obj)._default_manager.filter(pk=obj.pk), user).exists():
        raise PermissionDenied(_("You may only change records of your own region."))
    region = _region_of(obj)
    if region is not _NO_REGION_RULE:
        if region is None and not (user.is_superuser or user.role in CITY_EDIT_ROLES):
            if not _regionless_writable(obj):
                raise PermissionDenied(_("You may only change records of your own region."))
            return
        if region is not None:
            check_can_edit_region(user, region)


_NO_REGION_RULE = object()


def _region_of(obj: Model):
    rule = SCOPE_RULES.get(type(obj)._meta.label_lower)
    path = (rule.region or rule.write_region) if isinstance(rule, ScopeRule) else None
    # Rows everyone reads but that still belong to a region (parks) are written by that region.
    path = path or ("region" if hasattr(obj, "region_id") else None)
    if not path:
        return _NO_REGION_RULE
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _regionless_writable(obj: Model) -> bool:
    rule = SCOPE_RULES.get(type(obj)._meta.label_lower)
    return callable(rule) or (isinstance(rule, ScopeRule) and rule.regionless_shared)


def county_user(user) -> bool:
    return _active(user) and user.role in COUNTY_ROLES


def _scope_attachments(qs: QuerySet, user) -> QuerySet:
    """Attachments of records the user may see: checked per record type, in one query each."""
    from django.contrib.contenttypes.models import ContentType

    visible = Q(pk__in=[])
    for ct_id in qs.values_list("content_type_id", flat=True).distinct().order_by():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None or model._meta.label_lower not in SCOPE_RULES:
            continue  # a record type nobody declared a rule for: its files stay hidden
        ids = scope(model._default_manager.all(), user).values("pk")
        visible |= Q(content_type_id=ct_id, object_id__in=ids)
    return qs.filter(visible)


SCOPE_RULES["core.attachment"] = _scope_attachments

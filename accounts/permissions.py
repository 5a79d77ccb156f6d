"""What each role may do, as Django permissions, derived from the role itself.

The role is the single source of truth: no group has to be kept in step with it. Django's admin and
`user.has_perm()` ask `RolePermissionBackend`, which answers from the table below; permissions granted
one by one (user or group permissions, e.g. `accounts.api_write` for an API client that may write) come
from Django's own ModelBackend as usual. *Which rows* a user sees is a different question, answered by
accounts.scoping.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from .models import Role

# Apps whose models are the CRM's business data. A new app joins here (and in accounts.scoping).
DOMAIN_APPS = ("core", "enterprises", "projects", "events", "targets", "rollups", "imports")
# Reference data (regions, chains, methods) is edited by city roles only.
REFERENCE_APP = "core"
VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"

# role -> {app_label: actions}. County staff write within their region (enforced by accounts.scoping and
# the services); nobody gets model-level "delete" on projects or enterprises except administrators,
# because their deletion is soft and goes through the services.
ROLE_ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.CITY_ADMIN: dict.fromkeys((*DOMAIN_APPS, "accounts"), (VIEW, ADD, CHANGE, DELETE)),
    Role.CITY_STAFF: dict.fromkeys(DOMAIN_APPS, (VIEW, ADD, CHANGE)),
    Role.COUNTY_STAFF: {
        **{app: (VIEW, ADD, CHANGE) for app in DOMAIN_APPS if app != REFERENCE_APP},
        REFERENCE_APP: (VIEW,),
    },
    Role.CITY_LEADER: dict.fromkeys(DOMAIN_APPS, (VIEW,)),
    Role.COUNTY_OFFICIAL: dict.fromkeys(DOMAIN_APPS, (VIEW,)),
    Role.API_CLIENT: dict.fromkeys(DOMAIN_APPS, (VIEW,)),
}
# Extra named permissions per role (codename with app label).
# Verifying milestone evidence (issue 21) is city staff's work (DESIGN.md: "city staff verify
# it"); a county user never verifies, and nobody verifies what they recorded (verification.services).
VERIFY_MILESTONE = "verification.verify_milestone"
# Locking a reporting period is city staff's; unlocking only the city administrator's (issue 21).
LOCK_PERIOD, UNLOCK_PERIOD = "rollups.lock_period", "rollups.unlock_period"
ROLE_EXTRA: dict[str, set[str]] = {
    Role.CITY_ADMIN: {"accounts.api_write", VERIFY_MILESTONE, LOCK_PERIOD, UNLOCK_PERIOD},
    Role.CITY_STAFF: {VERIFY_MILESTONE, LOCK_PERIOD},
}


def role_grants(user, perm: str) -> bool:
    """Whether the user's role grants one of the named extra permissions (ROLE_EXTRA; a superuser
    has them all), answered from the user in hand without reading the permission tables. For a
    page's buttons; what the button opens still asks `user.has_perm`, which also counts permissions
    granted one by one."""
    if user is None or not user.is_active or user.is_anonymous:
        return False
    return user.is_superuser or perm in ROLE_EXTRA.get(user.role, set())


def _role_permissions(role: str) -> set[str]:
    from django.contrib.auth.models import Permission

    actions = ROLE_ACTIONS.get(role, {})
    perms = set(ROLE_EXTRA.get(role, set()))
    rows = Permission.objects.filter(content_type__app_label__in=list(actions)).values_list(
        "content_type__app_label", "codename"
    )
    for app_label, codename in rows:
        action = codename.split("_", 1)[0]
        if action in actions[app_label]:
            perms.add(f"{app_label}.{codename}")
    return perms


class RolePermissionBackend(BaseBackend):
    """Grants the permissions of the user's role; never authenticates anyone by itself."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = _role_permissions(user_obj.role)
        return user_obj._role_perm_cache

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))

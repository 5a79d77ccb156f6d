from django.contrib import admin

from accounts.models import Role

from .models import EvidenceRequirement, MilestoneClaim


def _is_city_admin(request) -> bool:
    user = request.user
    return user.is_superuser or getattr(user, "role", None) == Role.CITY_ADMIN


@admin.register(EvidenceRequirement)
class EvidenceRequirementAdmin(admin.ModelAdmin):
    """What each milestone must carry: the city administrator's setting (one row per kind)."""

    list_display = ["kind", "requirement", "photo_date_checked"]

    def has_add_permission(self, request):
        return _is_city_admin(request)

    def has_change_permission(self, request, obj=None):
        return _is_city_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MilestoneClaim)
class MilestoneClaimAdmin(admin.ModelAdmin):
    """Read-only here: decisions go through the verification pages (verification.services)."""

    list_display = ["kind", "project", "claimed_on", "amount", "state", "owner", "decided_by"]
    list_filter = ["kind", "state"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""The delivery table in the admin, for the city administrator: what went out, what waits and
why a send failed (read-only: notifications.services writes and retries the rows)."""

from django.contrib import admin

from accounts.models import Role

from .models import Delivery


def _is_city_admin(request) -> bool:
    user = request.user
    return user.is_superuser or getattr(user, "role", None) == Role.CITY_ADMIN


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "channel",
        "user",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["channel", "status"]
    search_fields = ["key", "user__username"]
    raw_id_fields = ["user"]

    def has_view_permission(self, request, obj=None):
        return _is_city_admin(request) and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return _is_city_admin(request) and super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

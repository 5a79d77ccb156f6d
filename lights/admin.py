"""The admin's view of the lights app: read-only lists for looking things up. Rules are changed on
the rule pages (a new version and a recompute, lights.services), 督办 items on /supervision/."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_mixins import ScopedAdminMixin

from .models import LightChange, LightRule, SupervisionItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LightRule)
class LightRuleAdmin(ReadOnlyAdmin):
    list_display = [
        "series",
        "version",
        "from_stage",
        "region",
        "chain",
        "min_investment",
        "yellow_days",
        "red_days",
        "is_current",
        "created_by",
        "created_at",
    ]
    list_filter = ["is_current", "from_stage", "region"]


@admin.register(LightChange)
class LightChangeAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = [
        "project",
        "region",
        "previous_light",
        "light",
        "reason",
        "since",
        "stage",
        "rule",
        "as_of",
        "recorded_at",
    ]
    list_filter = ["light", "reason", "stage", "region"]
    raw_id_fields = ["project", "rule"]
    date_hierarchy = "since"


@admin.register(SupervisionItem)
class SupervisionItemAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "region", "origin", "owner", "due_on", "status", "created_at"]
    list_filter = ["status", "origin", "region"]
    raw_id_fields = ["project", "owner"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Admin for projects and what hangs off them: searchable and filterable, but read-only.

Every project write has rules (the pipeline, date order, 首报首谈, the rollup hook) that live in
projects/services.py; the admin's generic save would bypass them. Staff change projects on the
project pages, which call the services; the admin is for finding and inspecting records.
"""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ClaimConflict,
    CompletedInvestment,
    FollowUp,
    FundsInPlace,
    Project,
    StageChange,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StageChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StageChange
    extra = 0
    fields = ["from_stage", "to_stage", "on", "reason", "is_backward", "changed_by", "changed_at"]
    readonly_fields = fields


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "investor",
        "region",
        "stage",
        "planned_investment",
        "signed_on",
        "started_on",
        "is_confidential",
        "is_deleted",
    ]
    list_filter = [
        "stage",
        "region",
        "chain",
        "method",
        "park",
        "is_out_of_province",
        "is_foreign",
        "is_confidential",
        "is_deleted",
        "currency",
    ]
    search_fields = ["name", "investor__name", "investor__name_pinyin", "investor__credit_code"]
    date_hierarchy = "registered_on"
    list_select_related = ["investor", "region"]
    inlines = [StageChangeInline]

    def get_queryset(self, request):
        return Project.all_objects.select_related("investor", "region")


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "from_stage", "to_stage", "on", "is_backward", "changed_by"]
    list_filter = ["to_stage", "from_stage", "is_backward", "project__region"]
    search_fields = ["project__name", "reason"]
    date_hierarchy = "on"
    list_select_related = ["project", "changed_by"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "kind", "happened_on", "next_step", "next_due_on", "next_done"]
    list_filter = ["kind", "next_done", "project__region"]
    search_fields = ["project__name", "next_step"]
    date_hierarchy = "happened_on"
    list_select_related = ["project"]


@admin.register(FundsInPlace)
class FundsInPlaceAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "month", "amount", "recorded_by"]
    list_filter = ["project__region", "project__is_out_of_province", "project__is_foreign"]
    search_fields = ["project__name", "note"]
    date_hierarchy = "month"
    list_select_related = ["project", "recorded_by"]


@admin.register(CompletedInvestment)
class CompletedInvestmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "month", "amount", "recorded_by"]
    list_filter = ["project__region", "project__is_out_of_province", "project__is_foreign"]
    search_fields = ["project__name", "note"]
    date_hierarchy = "month"
    list_select_related = ["project", "recorded_by"]


@admin.register(ClaimConflict)
class ClaimConflictAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "holder", "matched_by", "status", "decided_by", "decided_at"]
    list_filter = ["status", "matched_by", "project__region"]
    search_fields = ["project__name", "holder__name", "decision_note"]
    list_select_related = ["project", "holder", "decided_by"]

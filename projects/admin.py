from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_mixins import ScopedAdminMixin
from accounts.scoping import scope_projects
from enterprises import services as enterprise_services
from enterprises.models import IndustrialPark

from . import services
from .models import ClaimConflict, CompletedInvestment, FollowUp, FundsInPlace, Project, StageChange


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    fields = ["kind", "happened_on", "summary", "next_step", "next_due_on", "next_done", "author"]
    raw_id_fields = ["author"]


class FundsInline(admin.TabularInline):
    model = FundsInPlace
    extra = 0
    fields = ["month", "amount", "note"]


@admin.register(Project)
class ProjectAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Reading and searching; writes that change the stage belong on the project page (one service)."""

    list_display = [
        "name",
        "investor",
        "region",
        "chain",
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
        "is_confidential",
        "is_out_of_province",
        "is_foreign",
        "is_deleted",
    ]
    search_fields = [
        "name",
        "investor__name",
        "investor__name_pinyin",
        "investor__credit_code",
        "notes",
    ]
    date_hierarchy = "registered_on"
    raw_id_fields = ["investor", "owner", "co_investors"]
    readonly_fields = ["stage", "creation_token", "created_at", "updated_at"]
    list_select_related = ["investor", "region", "chain"]
    inlines = [FollowUpInline, FundsInline]

    def get_queryset(self, request):
        # Deleted ones too (for restore), but only those the user may see (accounts.scoping).
        return scope_projects(
            Project.all_objects.select_related("investor", "region", "chain"), request.user
        )


@admin.register(StageChange)
class StageChangeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "project",
        "from_stage",
        "to_stage",
        "on",
        "is_backward",
        "changed_by",
        "changed_at",
    ]
    list_filter = ["to_stage", "is_backward"]
    search_fields = ["project__name", "reason"]
    raw_id_fields = ["project", "changed_by"]

    def has_change_permission(self, request, obj=None):
        return False  # the stage log is never edited


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "kind", "happened_on", "next_due_on", "next_done", "author"]
    list_filter = ["kind", "next_done"]
    search_fields = ["project__name", "summary", "next_step"]
    raw_id_fields = ["project", "author"]


@admin.register(FundsInPlace, CompletedInvestment)
class MonthlyAmountAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "month", "amount", "recorded_by"]
    list_filter = ["month"]
    search_fields = ["project__name"]
    raw_id_fields = ["project", "recorded_by"]


@admin.register(ClaimConflict)
class ClaimConflictAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["project", "holder", "matched_by", "status", "decided_by", "decided_at"]
    list_filter = ["status", "matched_by"]
    search_fields = ["project__name", "holder__name"]
    raw_id_fields = ["project", "holder", "decided_by"]


@admin.register(IndustrialPark)
class IndustrialParkAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Parks are the enterprises app's model, administered here because deleting one is a matter
    of the projects in it: projects.services.park_delete moves their figures to "no park"."""

    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region", "leading_chains"]
    search_fields = ["name", "description"]
    filter_horizontal = ["leading_chains"]
    list_select_related = ["region"]

    def save_model(self, request, obj, form, change) -> None:
        # The name's pinyin and initials are derived there, for global search.
        enterprise_services.park_save(park=obj, by=request.user)

    def delete_model(self, request, obj) -> None:
        services.park_delete(park=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for park in queryset:
            services.park_delete(park=park, by=request.user)

"""Admin: the configurable list of event kinds is edited here; events and what they produced are
shown read-only, because their writes carry rules (stage moves, amounts) that live in
events.services and the event pages."""

from django.contrib import admin

from .models import (
    BatchMilestone,
    EventAgreement,
    EventKind,
    PromotionEvent,
    Signing,
)


@admin.register(EventKind)
class EventKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "stats_group", "is_batch", "sort_order", "is_active"]
    list_filter = ["stats_group", "is_active"]
    search_fields = ["name", "code"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SigningInline(admin.TabularInline):
    model = Signing
    extra = 0
    fields = ["project", "signed_on", "amount", "agreement_kind"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PromotionEvent)
class PromotionEventAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "start_on", "end_on", "place_city"]
    list_filter = ["kind", "organisers"]
    date_hierarchy = "start_on"
    search_fields = ["title", "place_city", "venue"]
    inlines = [SigningInline]


@admin.register(Signing)
class SigningAdmin(ReadOnlyAdmin):
    list_display = ["project", "event", "signed_on", "amount", "agreement_kind"]
    list_filter = ["agreement_kind"]
    list_select_related = ["project", "event"]
    search_fields = ["project__name", "event__title"]


@admin.register(BatchMilestone)
class BatchMilestoneAdmin(ReadOnlyAdmin):
    list_display = ["project", "event", "milestone", "on"]
    list_filter = ["milestone"]
    list_select_related = ["project", "event"]


@admin.register(EventAgreement)
class EventAgreementAdmin(ReadOnlyAdmin):
    list_display = ["description", "event", "kind", "currency", "original_amount", "amount_cny"]
    list_filter = ["kind", "currency"]

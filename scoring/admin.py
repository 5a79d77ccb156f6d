"""The assessment in the admin: read-only lists. Schemes are saved as new versions on
/scores/schemes/, scores published and documents generated on /scores/ (scoring.services)."""

from django.contrib import admin

from .models import Publication, ReportDocument, ScoringScheme


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScoringScheme)
class ScoringSchemeAdmin(ReadOnlyAdmin):
    list_display = ["version", "name", "year_from", "created_by", "created_at"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["year", "period", "scheme", "published_by", "created_at"]
    list_filter = ["year"]


@admin.register(ReportDocument)
class ReportDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "year", "period", "region", "generated_by", "created_at"]
    list_filter = ["kind", "year"]
    exclude = ["content"]

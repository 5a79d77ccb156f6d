from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ChainIndicator, ChainIndicatorReading, ChainTarget


@admin.register(ChainTarget)
class ChainTargetAdmin(SimpleHistoryAdmin):
    list_display = ["name", "link", "priority", "status", "owner", "project"]
    list_filter = ["status", "priority", "link__chain"]
    search_fields = ["name", "link__name"]
    raw_id_fields = ["enterprise", "project"]


class ReadingInline(admin.TabularInline):
    model = ChainIndicatorReading
    extra = 0


@admin.register(ChainIndicator)
class ChainIndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "chain", "programme", "target_value", "unit", "target_year"]
    list_filter = ["chain"]
    inlines = [ReadingInline]

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Target


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = [
        "year",
        "region",
        "signed_count",
        "signed_amount",
        "new_start_amount",
        "funds_amount",
    ]
    list_filter = ["year", "region"]

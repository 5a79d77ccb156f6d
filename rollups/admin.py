from django.contrib import admin

from .models import Outbox, RollupStatus


@admin.register(RollupStatus)
class RollupStatusAdmin(admin.ModelAdmin):
    list_display = ["refreshed_at", "rebuilt_at", "last_drift", "rebuild_requested_at"]


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "keys"]

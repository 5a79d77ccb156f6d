from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_mixins import ScopedAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(ScopedAdminMixin, SimpleHistoryAdmin, BaseUserAdmin):
    """Users, their role and region. Only city administrators have the permissions to get here; the
    change history (历史) keeps every change of role, region, activity and grants."""

    list_display = ["username", "display_name", "role", "region", "is_active", "last_login"]
    list_filter = ["role", "region", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "phone"]
    list_select_related = ["region"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and region"), {"fields": ("role", "region", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Role and region"), {"fields": ("role", "region")}),
    )

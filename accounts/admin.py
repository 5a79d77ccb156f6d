from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "region", "is_active", "last_login"]
    list_filter = ["role", "region", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and region"), {"fields": ("role", "region", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Role and region"), {"fields": ("role", "region")}),
    )

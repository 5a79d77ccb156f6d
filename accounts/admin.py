import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .admin_mixins import ScopedAdminMixin
from .models import ApiToken, User


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

    def save_model(self, request, obj, form, change):
        # Through the service: a changed name gets its pinyin and initials (global search).
        services.user_save(user=obj)


class ApiTokenAddForm(forms.ModelForm):
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=366,
        initial=90,
        help_text=_("Empty: never expires."),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "read_only"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators create tokens for API clients (shown once, in the message) and revoke them
    (delete). The token itself is never stored, so it cannot be shown again or edited."""

    list_display = ["token_key", "user", "name", "read_only", "created", "expiry"]
    list_filter = ["read_only"]
    search_fields = ["token_key", "name", "user__username"]
    readonly_fields = ["token_key", "user", "name", "read_only", "created", "expiry"]
    raw_id_fields = ["user"]

    def has_change_permission(self, request, obj=None) -> bool:
        # View only: no one edits an issued token, and only those the role allows see the list.
        return obj is None and super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "read_only", "expires_in_days"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        days = form.cleaned_data.get("expires_in_days")
        token, plain = services.api_token_create(
            user=form.cleaned_data["user"],
            by=request.user,
            name=form.cleaned_data.get("name", ""),
            expires_in=dt.timedelta(days=days) if days else None,
            read_only=form.cleaned_data.get("read_only", False),
        )
        # The admin goes on with `obj` (history entry, redirect): make it the saved token.
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if k != "_state"})
        obj._state.adding = False
        self.message_user(
            request,
            _("New token (copy it now, it will not be shown again): %(token)s") % {"token": plain},
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        services.api_token_revoke(token=obj, by=request.user)

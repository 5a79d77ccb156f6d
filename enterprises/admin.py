"""Admin for enterprises (parks: projects/admin.py, whose service deletes them). Writes with a business rule go through services.py, as the pages'
do: the admin form validates, then `save_model` hands the data to the service."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_mixins import ScopedAdminMixin
from core.credit_code import normalize_credit_code, validate_credit_code

from . import services
from .models import (
    ChainLeaderRole,
    Enterprise,
    EnterpriseContact,
    EnterpriseYearFigure,
    SupplierLink,
)


class EnterpriseAdminForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Enterprise
        fields = sorted(services.ENTERPRISE_FIELDS)

    def clean_credit_code(self) -> str:
        code = (self.cleaned_data.get("credit_code") or "").strip()
        if code:
            validate_credit_code(code)
            code = normalize_credit_code(code)
        return code


class ContactInline(admin.TabularInline):
    model = EnterpriseContact
    extra = 0
    fields = ["name", "title", "phone", "email", "wechat"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # added on the contact's own page, through the service


class YearFigureInline(admin.TabularInline):
    model = EnterpriseYearFigure
    extra = 0
    fields = ["year", "output_value", "revenue", "profit", "tax", "employees"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ChainRoleInline(admin.TabularInline):
    model = ChainLeaderRole
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = EnterpriseAdminForm
    list_display = [
        "name",
        "credit_code",
        "region",
        "park",
        "investor_origin",
        "tier",
        "latest_output_value",
        "is_deleted",
    ]
    list_filter = [
        "is_deleted",
        "is_local",
        "tier",
        "investor_origin",
        "ownership",
        "region",
        "main_chain",
        "park",
    ]
    search_fields = ["name", "normalized_name", "name_pinyin", "name_initials", "credit_code"]
    readonly_fields = [
        "normalized_name",
        "name_pinyin",
        "name_initials",
        "latest_output_value",
        "tier",
        "is_deleted",
        "deleted_at",
    ]
    list_select_related = ["region", "park"]
    autocomplete_fields = ["park", "main_chain", "main_link"]
    inlines = [ContactInline, YearFigureInline, ChainRoleInline]
    actions = ["soft_delete", "restore"]

    def get_queryset(self, request):
        return Enterprise.all_objects.select_related("region", "park")

    def save_model(self, request, obj, form, change) -> None:
        fields = {
            name: form.cleaned_data[name]
            for name in services.ENTERPRISE_FIELDS
            if name in form.cleaned_data
        }
        if change:
            original = Enterprise.all_objects.get(pk=obj.pk)
            saved = services.enterprise_update(enterprise=original, by=request.user, **fields)
        else:
            saved = services.enterprise_create(by=request.user, **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj) -> None:
        services.enterprise_delete(enterprise=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for enterprise in queryset:
            services.enterprise_delete(enterprise=enterprise, by=request.user)

    @admin.action(description="软删除所选企业 / Soft-delete selected enterprises")
    def soft_delete(self, request, queryset) -> None:
        self.delete_queryset(request, queryset)

    @admin.action(description="恢复所选企业 / Restore selected enterprises")
    def restore(self, request, queryset) -> None:
        for enterprise in queryset:
            services.enterprise_restore(enterprise=enterprise, by=request.user)


@admin.register(EnterpriseContact)
class EnterpriseContactAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "enterprise", "title", "phone", "email", "wechat"]
    list_filter = ["enterprise__region"]
    search_fields = ["name", "phone", "mobile_normalized", "email", "wechat", "enterprise__name"]
    autocomplete_fields = ["enterprise"]
    list_select_related = ["enterprise"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            services.contact_update(
                contact=obj,
                by=request.user,
                **{f: form.cleaned_data[f] for f in ("name", "title", "phone", "email", "wechat")},
            )
        else:
            saved = services.contact_add(
                enterprise=form.cleaned_data["enterprise"],
                by=request.user,
                **{f: form.cleaned_data[f] for f in ("name", "title", "phone", "email", "wechat")},
            )
            obj.pk = saved.pk


@admin.register(EnterpriseYearFigure)
class EnterpriseYearFigureAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["enterprise", "year", "output_value", "revenue", "profit", "tax", "employees"]
    list_filter = ["year", "enterprise__tier", "enterprise__region"]
    search_fields = ["enterprise__name", "enterprise__name_pinyin"]
    autocomplete_fields = ["enterprise"]
    list_select_related = ["enterprise"]

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        saved = services.year_figures_record(
            enterprise=data["enterprise"],
            year=data["year"],
            output_value=data["output_value"],
            revenue=data["revenue"],
            profit=data["profit"],
            tax=data["tax"],
            employees=data["employees"],
            by=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj) -> None:
        services.year_figures_delete(figure=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for figure in queryset:
            services.year_figures_delete(figure=figure, by=request.user)


@admin.register(ChainLeaderRole)
class ChainLeaderRoleAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["enterprise", "chain", "level", "kind", "since"]
    list_filter = ["chain", "level", "kind"]
    search_fields = ["enterprise__name", "enterprise__name_pinyin", "chain__name"]
    autocomplete_fields = ["enterprise"]
    list_select_related = ["enterprise", "chain"]


@admin.register(SupplierLink)
class SupplierLinkAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["supplier", "leader", "link", "is_local", "since"]
    list_filter = ["is_local", "link__chain", "leader"]
    search_fields = ["supplier__name", "leader__name", "link__name"]
    autocomplete_fields = ["supplier", "leader", "link"]
    list_select_related = ["supplier", "leader", "link__chain"]

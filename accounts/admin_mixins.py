"""Scoping for the Django admin: a county user made staff sees and edits only what accounts.scoping
allows, exactly like on the pages. Every ModelAdmin of a scoped model mixes this in first:

    @admin.register(Project)
    class ProjectAdmin(ScopedAdminMixin, SimpleHistoryAdmin): ...
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from core.models import Region

from . import scoping


class ScopedAdminMixin:
    """Querysets, foreign-key choices and object permissions follow accounts.scoping."""

    def get_queryset(self, request):
        return scoping.scope(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if related is Region and scoping.scoped_region_id(request.user) is not None:
            kwargs["queryset"] = Region.objects.filter(pk=scoping.scoped_region_id(request.user))
        elif related._meta.label_lower in scoping.SCOPE_RULES:
            kwargs["queryset"] = scoping.scope(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_write(self, request, obj) -> bool:
        if obj is None:
            return scoping.can_edit(request.user)
        try:
            scoping.check_can_edit(request.user, obj)
        except PermissionDenied:
            return False
        return True

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_write(request, obj)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and scoping.can_edit(request.user)

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from . import services
from .models import Outbox, RollupStatus, SigningCaliber


@admin.register(RollupStatus)
class RollupStatusAdmin(admin.ModelAdmin):
    list_display = ["refreshed_at", "rebuilt_at", "last_drift", "rebuild_requested_at"]


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "keys"]


def _is_city_admin(request) -> bool:
    user = request.user
    return user.is_superuser or getattr(user, "role", None) == Role.CITY_ADMIN


class SigningCaliberForm(forms.ModelForm):
    class Meta:
        model = SigningCaliber
        fields = ["counts_formal", "counts_framework", "counts_strategic"]

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in self.Meta.fields):
            raise ValidationError(
                _("At least one kind of agreement must count as a signed project.")
            )
        return data


@admin.register(SigningCaliber)
class SigningCaliberAdmin(admin.ModelAdmin):
    """The one caliber row: the city administrator decides what the official figures count.
    Saving goes through rollups.services.caliber_update, which queues the rebuild."""

    list_display = [
        "__str__",
        "counts_formal",
        "counts_framework",
        "counts_strategic",
        "updated_at",
    ]
    form = SigningCaliberForm

    def has_add_permission(self, request) -> bool:
        return _is_city_admin(request) and not SigningCaliber.objects.exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_city_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        saved = services.caliber_update(
            counts_formal=obj.counts_formal,
            counts_framework=obj.counts_framework,
            counts_strategic=obj.counts_strategic,
        )
        obj.pk = saved.pk

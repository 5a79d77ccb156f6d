from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActiveManager(models.Manager):
    """Hides soft-deleted rows; `all_objects` still sees them (for restore and history)."""

    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class SoftDeleteModel(models.Model):
    is_deleted = models.BooleanField(_("deleted"), default=False, db_index=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = ActiveManager()
    all_objects = models.Manager()  # noqa: DJ012

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    def mark_deleted(self) -> None:
        self.is_deleted = True
        self.deleted_at = timezone.now()

    def mark_restored(self) -> None:
        self.is_deleted = False
        self.deleted_at = None

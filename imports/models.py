"""A ledger import (导入批次): the uploaded file, its preview, what it wrote, and its undo."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.files import private_upload_to
from core.models import TimeStampedModel


class Kind(models.TextChoices):
    PROJECTS = "projects", _("Projects")
    ENTERPRISES = "enterprises", _("Enterprises")
    FUNDS = "funds", _("Funds in place")
    EVENTS = "events", _("Events and signings")
    TARGETS = "targets", _("Targets")


class ImportBatch(TimeStampedModel):
    """One uploaded ledger file from preview to import (and possibly rollback).

    The file is kept (≤ 10 MB). The preview stores, besides what it shows (`preview`), the plan
    of every row (`plan`: what the import will write, objects as ids) and the latest change-history
    ids of the tables it read (`plan_watermark`), so the import, in any worker process, writes
    that plan without reading the file again unless those tables changed since.
    `created` / `updated` map "app_label.model" to object ids (updated: to the values before the
    import, for the rollback); every change-history record the import wrote carries the reason
    "台账导入 #<id>".
    """

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Checking the file")
        PREVIEWED = "previewed", _("Checked, awaiting confirmation")
        REJECTED = "rejected", _("File rejected")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Import failed, nothing written")
        ROLLED_BACK = "rolled_back", _("Rolled back")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWING
    )
    filename = models.CharField(_("file name"), max_length=255)
    file_data = models.BinaryField(_("file"), editable=False)
    file_sha256 = models.CharField(max_length=64, editable=False)
    # Evidence files named by the ledger's 佐证材料 column (imports.evidence); kept outside the web
    # root like attachments, read at preview and at import.
    evidence_zip = models.FileField(
        _("evidence zip"), upload_to=private_upload_to, max_length=200, blank=True, editable=False
    )
    evidence_zip_name = models.CharField(_("evidence zip name"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    message = models.TextField(_("message"), blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    created = models.JSONField(default=dict, blank=True)
    updated = models.JSONField(default=dict, blank=True)
    plan = models.JSONField(default=list, blank=True, editable=False)
    plan_watermark = models.JSONField(default=list, blank=True, editable=False)
    ledger_keys = models.JSONField(default=list, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("rolled back at"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rolled back by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename}"

    @property
    def error_count(self) -> int:
        return int(self.summary.get("error", 0))

    @property
    def can_confirm(self) -> bool:
        return self.status == self.Status.PREVIEWED and self.error_count == 0

    @property
    def importable_count(self) -> int:
        return self.row_count - self.error_count

    @property
    def can_skip_errors(self) -> bool:
        """Checked with some rows in error and some without: the others may be imported alone."""
        return self.status == self.Status.PREVIEWED and 0 < self.error_count < self.row_count

    @property
    def nothing_importable(self) -> bool:
        """Checked, and every row has an error: there is nothing to confirm."""
        return self.status == self.Status.PREVIEWED and 0 < self.row_count <= self.error_count

    @property
    def status_label(self) -> str:
        """The status as the pages show it: a checked file whose every row has an error is not
        "awaiting confirmation"."""
        if self.nothing_importable:
            return _("Checked: every row has an error, nothing can be imported")
        return self.get_status_display()

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PREVIEWING, self.Status.IMPORTING)


class LedgerKey(TimeStampedModel):
    """A county ledger's own id for a row (台账编号), so the same ledger re-imported finds the same
    object even after its name changed. Unique per kind and region."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("ledger id"), max_length=64)
    object_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("ledger id")
        verbose_name_plural = _("ledger ids")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "region", "key"], name="ledgerkey_unique_per_region"
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="ledgerkey_object")]

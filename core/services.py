"""Writes on the core's own records: attachments."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model

from .files import DOCUMENT_KINDS, validate_upload
from .models import Attachment
from .scoping import check_can_edit


@transaction.atomic
def attachment_add(
    *,
    record: Model,
    upload: UploadedFile,
    by,
    description: str = "",
    kinds: tuple[str, ...] = DOCUMENT_KINDS,
    max_bytes: int | None = None,
) -> Attachment:
    """Attach a validated file to `record`; only users who may edit the record may attach."""
    check_can_edit(by, record)
    kind = validate_upload(upload, kinds=kinds, max_bytes=max_bytes)
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        original_name=(upload.name or "file")[-200:],
        mime_type=kind.mime,
        size=upload.size,
        description=description[:200],
        uploaded_by=by,
    )
    attachment.file.save(upload.name or "file", upload, save=False)
    attachment.full_clean()
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by) -> None:
    """Remove an attachment (the history keeps who removed it and when); the file goes too."""
    check_can_edit(by, attachment.record)
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))

"""The one write path of core.Attachment, beneath the permission checks.

Who may attach to a record is the record's own rule: accounts.services.attachment_add checks the
access policy (projects, signings, funds, supervision items), events.services.attachment_add the
organisers of an event. Both then store the file here, so the content check, the size limit and
the storage outside the web root (MEDIA_ROOT/private, never served as a URL) are one code path.
"""

from __future__ import annotations

import contextlib
from pathlib import PurePath

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model

from .files import DOCUMENT_KINDS, validate_upload
from .history import bulk_delete_with_history, bulk_history_options
from .models import Attachment


def attachment_store(
    *,
    record: Model,
    upload: UploadedFile,
    by,
    description: str = "",
    kinds: tuple[str, ...] = DOCUMENT_KINDS,
    max_bytes: int | None = None,
) -> Attachment:
    """Validate `upload` by content and size and attach it to `record`. The caller has checked that
    `by` may change `record`. A refused file leaves nothing behind (no row, no stored file)."""
    kind = validate_upload(upload, kinds=kinds, max_bytes=max_bytes)
    name = PurePath(upload.name or "file").name or "file"
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        original_name=name[-200:],
        mime_type=kind.mime,
        size=upload.size,
        description=(description or "").strip()[:200],
        uploaded_by=by,
    )
    attachment.file.save(name, upload, save=False)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_remove(*, attachment: Attachment) -> None:
    """Delete the row now and the stored file once the deletion commits (the caller checked)."""
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def attachments_bulk_remove(*, attachments: list[Attachment], by) -> None:
    """attachment_remove for many at once (undoing an import; the caller checked): one delete and
    one insert of their change-history records, and the stored files once the deletion commits."""
    if not attachments:
        return
    files = [(a.file.storage, a.file.name) for a in attachments if a.file.name]
    bulk_delete_with_history(attachments, Attachment, **bulk_history_options(by))

    def delete_files() -> None:
        for storage, name in files:
            with contextlib.suppress(OSError):
                storage.delete(name)

    transaction.on_commit(delete_files)


def attachments_of(record: Model):
    """The attachments of one record, newest first."""
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("uploaded_by")

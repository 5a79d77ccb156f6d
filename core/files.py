"""Uploads: size and type limited, stored outside the web root under random names, and served only
through `serve_attachment`, which checks that the user may see the record the file belongs to.

A file's type is decided by its first bytes, not by the name or the browser's Content-Type (both are
the uploader's to choose); the extension must agree with what the bytes say.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileKind:
    extensions: tuple[str, ...]
    mime: str
    magic: tuple[bytes, ...]  # any of these prefixes; empty tuple means "see `zip_member`"
    zip_member: str = ""  # Office Open XML: a zip that contains this member


KINDS: dict[str, FileKind] = {
    "pdf": FileKind((".pdf",), "application/pdf", (b"%PDF-",)),
    "png": FileKind((".png",), "image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpeg": FileKind((".jpg", ".jpeg"), "image/jpeg", (b"\xff\xd8\xff",)),
    "xlsx": FileKind(
        (".xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (),
        "xl/workbook.xml",
    ),
    "docx": FileKind(
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (),
        "word/document.xml",
    ),
}
# Evidence documents (contracts, start photos, bank vouchers) and ledgers.
DOCUMENT_KINDS = ("pdf", "png", "jpeg", "xlsx", "docx")


def sniff(upload, kinds: tuple[str, ...] = DOCUMENT_KINDS) -> FileKind | None:
    """The kind among `kinds` that the file's bytes are, or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for name in kinds:
        kind = KINDS[name]
        if kind.magic and any(head.startswith(m) for m in kind.magic):
            return kind
        if kind.zip_member and head.startswith(b"PK\x03\x04"):
            try:
                with zipfile.ZipFile(upload) as archive:
                    names = set(archive.namelist())
                    if kind.zip_member in names and "[Content_Types].xml" in names:
                        return kind
            except zipfile.BadZipFile:
                pass
            finally:
                upload.seek(0)
    return None


def validate_upload(
    upload: UploadedFile,
    *,
    kinds: tuple[str, ...] = DOCUMENT_KINDS,
    max_bytes: int | None = None,
) -> FileKind:
    """Raise ValidationError unless `upload` is one of `kinds` (by content and extension) and no
    larger than `max_bytes` (default settings.UPLOAD_MAX_BYTES). Returns the kind found."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is larger than %(max)s.") % {"max": filesizeformat(max_bytes)},
            code="too_large",
        )
    extension = PurePath(upload.name or "").suffix.lower()
    kind = sniff(upload, kinds)
    allowed = ", ".join(ext for k in kinds for ext in KINDS[k].extensions)
    claimed = [k for k in kinds if extension in KINDS[k].extensions]
    if claimed and (kind is None or extension not in kind.extensions):
        # A file renamed to look like another type (an .exe or .html saved as .pdf).
        raise ValidationError(
            _("The file's content is not a %(ext)s file; it cannot be accepted under that name.")
            % {"ext": extension.lstrip(".").upper()},
            code="bad_type",
        )
    if kind is None or extension not in kind.extensions:
        raise ValidationError(
            _("This kind of file is not accepted. Allowed: %(allowed)s.") % {"allowed": allowed},
            code="bad_type",
        )
    return kind


def private_upload_to(instance, filename: str) -> str:
    """A random name under a dated folder: the uploader's name is kept only in the database."""
    extension = PurePath(filename).suffix.lower()[:10]
    return f"private/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"

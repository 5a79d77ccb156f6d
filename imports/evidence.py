"""Milestone evidence by file name, from a zip uploaded beside a ledger (issue 21).

A ledger row names its evidence files in the column 佐证材料 (several separated by ；, ; or a line
break); the files sit in a zip uploaded with the ledger. The preview checks the zip as a whole
(`EvidenceZip.open`: readable, no path leaving the archive, at most MAX_UNPACKED_BYTES unpacked,
both as declared and as actually read) and every named file (`plan_evidence`: present, no larger
than one attachment may be, its content an accepted type, by the same check the attachment service
makes). A zip refused as a whole rejects the file (LedgerFileError); a named file refused puts its
row in error. Nothing is written by the preview.

The import attaches each row's files (`attach_evidence`), after the row itself is written, through
verification.services.evidence_add, the one path of a manual upload (same permission, content and
size checks), so each becomes pending evidence of the row's milestone:
- project ledger: the start (开工), when the row or the project records a start date;
- funds ledger: that month's funds-in-place record;
- events ledger: the row's signing.
A file already attached under the same name and size to the same milestone is not attached again,
so importing the same ledger and zip twice changes nothing.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.files import validate_upload

from .models import Kind
from .planning import ERROR, RowPlan
from .readers import LedgerFileError, Table

EVIDENCE_HEADER = "佐证材料"
# The column as the templates offer it (imports.workbook); read like the other spellings below (a
# header's words in brackets are a note: 佐证材料（压缩包内文件名） is the column 佐证材料).
EVIDENCE_TEMPLATE_HEADER = "佐证材料（压缩包内文件名）"
EVIDENCE_HEADERS = (
    "佐证材料",
    "佐证材料文件名",
    "佐证文件",
    "佐证材料(文件名)",
    EVIDENCE_TEMPLATE_HEADER,
)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024
_SPLIT = re.compile(r"[;；\r\n]+")
# Where an import's record of what it wrote (ImportBatch.created) lists the evidence it attached.
ATTACHMENTS = "core.attachment"
CLAIMS = "verification.milestoneclaim"
# The kinds whose rows carry a milestone, and which.
EVIDENCE_KINDS = {Kind.PROJECTS: "started", Kind.FUNDS: "funds", Kind.EVENTS: "signed"}
# What the templates say of the column, per kind (ledgers are Chinese whatever the UI language),
# and their example cell (none for projects: the example row has no start date).
EVIDENCE_WHAT = {
    Kind.PROJECTS: "该行开工的佐证材料（带日期的现场照片或施工许可证），须同时填写开工日期",
    Kind.FUNDS: "该行当月到位资金的佐证材料（银行回单）",
    Kind.EVENTS: "该行签约的佐证材料（投资协议/合同）",
}
EVIDENCE_EXAMPLE = {Kind.PROJECTS: "", Kind.FUNDS: "银行回单.pdf", Kind.EVENTS: "投资协议.pdf"}


def template_note(kind: str) -> str:
    """The note on the templates' evidence column: what it holds and how files are named."""
    return (
        f"{EVIDENCE_WHAT[kind]}。填写随台账一起上传的压缩包（.zip）中的文件名，多个用“；”分隔；"
        "包内有同名文件时写包内路径，如“凭证/回单.pdf”。支持 PDF、JPEG、PNG、xlsx、docx，"
        f"每个不超过 {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB，"
        f"压缩包解压后合计不超过 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB。不附材料可留空。"
    )


def _norm_name(text: str) -> str:
    return unicodedata.normalize("NFC", (text or "").strip()).replace("\\", "/").strip("/")


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: zips made on Chinese Windows store names in GBK
    without saying so, which Python reads as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            return name
        for encoding in ("utf-8", "gbk"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
    return name


def _unsafe(name: str) -> bool:
    path = name.replace("\\", "/")
    return (
        path.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", path))
        or any(part == ".." for part in path.split("/"))
    )


@dataclass
class EvidenceZip:
    """An opened evidence zip: its members by normalised path and by file name, and a budget of
    bytes read, so that reading stops at MAX_UNPACKED_BYTES whatever the headers declare."""

    archive: zipfile.ZipFile
    by_path: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    by_base: dict[str, list[zipfile.ZipInfo]] = field(default_factory=dict)
    read_bytes: int = 0

    @classmethod
    def open(cls, fileobj) -> EvidenceZip:
        """Check the zip as a whole; LedgerFileError (in Chinese) when it cannot be used."""
        try:
            archive = zipfile.ZipFile(fileobj)
            infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise LedgerFileError(
                _("The evidence zip cannot be read; it is damaged or not a zip file.")
            ) from exc
        if len(infos) > MAX_MEMBERS:
            raise LedgerFileError(
                _("The evidence zip holds more than %(n)d files.") % {"n": MAX_MEMBERS}
            )
        result = cls(archive=archive)
        declared = 0
        for info in infos:
            name = _member_name(info)
            if _unsafe(name):
                raise LedgerFileError(
                    _(
                        "The evidence zip contains a path leaving the archive (%(name)s); "
                        "it is refused."
                    )
                    % {"name": name[:100]}
                )
            if info.is_dir():
                continue
            declared += info.file_size
            path = _norm_name(name)
            result.by_path[path] = info
            result.by_base.setdefault(PurePosixPath(path).name, []).append(info)
        if declared > MAX_UNPACKED_BYTES:
            raise LedgerFileError(result.too_large_message())
        return result

    @staticmethod
    def too_large_message() -> str:
        return _("The evidence zip unpacks to more than %(max)s; it is refused.") % {
            "max": filesizeformat(MAX_UNPACKED_BYTES)
        }

    def close(self) -> None:
        self.archive.close()

    def find(self, name: str) -> zipfile.ZipInfo:
        """The member a ledger cell names: its path in the zip, or its file name when only one
        member has it. ValidationError (in Chinese) otherwise."""
        wanted = _norm_name(name)
        info = self.by_path.get(wanted)
        if info is not None:
            return info
        same = self.by_base.get(PurePosixPath(wanted).name, [])
        if len(same) == 1:
            return same[0]
        if same:
            raise ValidationError(
                _("Several files in the evidence zip are called “%(name)s”; give its path.")
                % {"name": name}
            )
        raise ValidationError(
            _("The evidence zip has no file “%(name)s”.") % {"name": name}, code="missing"
        )

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes, read in chunks: a member past one attachment's size limit is
        refused (ValidationError), and reading past MAX_UNPACKED_BYTES in all refuses the zip
        (LedgerFileError), whatever sizes its headers declare."""
        limit = settings.UPLOAD_MAX_BYTES
        name = PurePosixPath(_norm_name(_member_name(info))).name
        too_big = ValidationError(
            _("“%(name)s” is larger than %(max)s.") % {"name": name, "max": filesizeformat(limit)}
        )
        if info.file_size > limit:
            raise too_big
        parts, size = [], 0
        try:
            with self.archive.open(info) as member:
                while chunk := member.read(CHUNK):
                    size += len(chunk)
                    self.read_bytes += len(chunk)
                    if self.read_bytes > MAX_UNPACKED_BYTES:
                        raise LedgerFileError(self.too_large_message())
                    if size > limit:
                        raise too_big
                    parts.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ValidationError(
                _("“%(name)s” cannot be read from the evidence zip (damaged or encrypted).")
                % {"name": name}
            ) from exc
        except RuntimeError as exc:  # an encrypted member
            raise ValidationError(
                _("“%(name)s” cannot be read from the evidence zip (damaged or encrypted).")
                % {"name": name}
            ) from exc
        return b"".join(parts)

    def upload(self, info: zipfile.ZipInfo) -> SimpleUploadedFile:
        name = PurePosixPath(_norm_name(_member_name(info))).name
        return SimpleUploadedFile(name, self.read(info))


def evidence_column(table: Table) -> int | None:
    from .planning import _bare_header, _norm_header

    wanted = {_bare_header(h) for h in EVIDENCE_HEADERS} | {
        _norm_header(h) for h in EVIDENCE_HEADERS
    }
    for i, header in enumerate(table.header):
        if header and (_norm_header(header) in wanted or _bare_header(header) in wanted):
            return i
    return None


def _names(cell) -> list[str]:
    if cell is None:
        return []
    return [n.strip() for n in _SPLIT.split(str(cell)) if n.strip()]


def _milestone_error(kind: str, plan: RowPlan) -> str:
    """Why a row (not in error) has no milestone to carry evidence, or ""."""
    if kind == Kind.PROJECTS:
        started = plan.fields.get("started_on") or getattr(plan.target, "started_on", None)
        return "" if started else _("Evidence is the start's: give the row a start date.")
    if kind == Kind.EVENTS:
        has = plan.extra.get("signing") or plan.extra.get("signing_existing")
        return "" if has else _("Evidence belongs to a signing: this row records none.")
    if kind == Kind.FUNDS:
        return "" if plan.fields.get("project") else _("This row records no funds in place.")
    return _("This ledger does not carry evidence.")


def plan_evidence(
    *, kind: str, table: Table, plans: list[RowPlan], archive: EvidenceZip | None
) -> None:
    """Check each row's named files and store their paths in the zip as plan.extra["evidence"];
    a file refused puts its row in error (the column 佐证材料). Every named file is read once."""
    column = evidence_column(table)
    if column is None:
        return
    by_row = {plan.row: plan for plan in plans}
    checked: dict[str, str] = {}  # member path -> "" or why it is refused
    for row_no, cells in table.rows:
        plan = by_row.get(row_no)
        names = _names(cells[column] if column < len(cells) else None)
        if plan is None or not names:
            continue
        if kind not in EVIDENCE_KINDS:
            plan.error(EVIDENCE_HEADER, _("This ledger does not carry evidence."))
            continue
        if archive is None:
            plan.error(
                EVIDENCE_HEADER,
                _("The row names evidence files; upload their zip with the ledger."),
            )
            continue
        if plan.action == ERROR:
            continue
        why = _milestone_error(kind, plan)
        if why:
            plan.error(EVIDENCE_HEADER, why)
            continue
        paths = []
        for name in names:
            try:
                info = archive.find(name)
            except ValidationError as exc:
                plan.error(EVIDENCE_HEADER, "；".join(exc.messages))
                continue
            if info.filename not in checked:
                try:
                    validate_upload(archive.upload(info))
                    checked[info.filename] = ""
                except ValidationError as exc:
                    checked[info.filename] = "；".join(exc.messages)
            if checked[info.filename]:
                plan.error(EVIDENCE_HEADER, f"{name}：{checked[info.filename]}")
                continue
            paths.append(info.filename)
        if plan.action != ERROR:
            plan.extra["evidence"] = paths
            plan.notes.append(_("Evidence: %(n)d files") % {"n": len(paths)})


def _record(kind: str, plan: RowPlan):
    """The milestone record a written row carries evidence for."""
    from events.models import Signing
    from projects.models import FundsInPlace, Project

    if kind == Kind.PROJECTS:
        return Project.objects.get(pk=plan.target.pk)
    if kind == Kind.FUNDS:
        return FundsInPlace.objects.select_related("project").get(
            project=plan.fields["project"], month=plan.fields["month"]
        )
    if kind == Kind.EVENTS:
        if plan.extra.get("signing_record") is not None:
            return Signing.objects.select_related("project").get(pk=plan.extra["signing_record"])
        existing = plan.extra["signing_existing"]
        return Signing.objects.select_related("project").get(
            event=existing["event"], project=existing["project"]
        )
    raise ValidationError(_("This ledger does not carry evidence."))


def attach_evidence(
    *,
    kind: str,
    plans: list[RowPlan],
    archive: EvidenceZip | None,
    by,
    stored: list | None = None,
    created: dict | None = None,
) -> int:
    """Attach every written row's files as pending evidence of its milestone (inside the import's
    transaction); returns how many were attached. A refusal raises ValidationError or
    PermissionDenied with the row in error, for the import to abort. `stored` collects the stored
    files, for the caller to remove if its transaction rolls back (`discard_stored`); `created`
    (the batch's record of what it wrote) gets the attachments and the claims they opened, for
    the rollback to remove (verification.services.imported_evidence_remove)."""
    from core.models import Attachment
    from verification import services as verification_services

    attached = 0
    for plan in plans:
        paths = plan.extra.get("evidence") or []
        if plan.action == ERROR or not paths:
            continue
        if archive is None:
            plan.error(EVIDENCE_HEADER, _("The evidence zip of this import is missing."))
            raise ValidationError(_("The evidence zip of this import is missing."))
        milestone = EVIDENCE_KINDS[kind]
        try:
            record = _record(kind, plan)
            claim = verification_services.claim_for(milestone, record)
            for path in paths:
                upload = archive.upload(archive.archive.getinfo(path))
                if (
                    claim is not None
                    and Attachment.objects.filter(
                        content_type__model="milestoneclaim",
                        content_type__app_label="verification",
                        object_id=claim.pk,
                        original_name=upload.name[-200:],
                        size=upload.size,
                    ).exists()
                ):
                    continue
                attachment = verification_services.evidence_add(
                    kind=milestone, record=record, upload=upload, by=by
                )
                if stored is not None:
                    stored.append((attachment.file.storage, attachment.file.name))
                if created is not None:
                    created.setdefault(ATTACHMENTS, []).append(attachment.pk)
                    if claim is None:  # this file opened the claim
                        created.setdefault(CLAIMS, []).append(attachment.object_id)
                attached += 1
                claim = claim or verification_services.claim_for(milestone, record)
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            plan.error(EVIDENCE_HEADER, "；".join(messages))
            raise
    return attached


def discard_stored(stored: list) -> None:
    """Remove the files an aborted import stored (their rows were rolled back)."""
    for storage, name in stored:
        with contextlib.suppress(OSError):
            storage.delete(name)

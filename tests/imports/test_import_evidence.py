"""Ledger imports attach milestone evidence by file name from a zip uploaded beside the ledger
(issue 21): the happy path (pending evidence of the row's milestone, once) and every refusal,
each with a Chinese message in the preview and nothing saved."""

import datetime as dt
import io
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.models import Attachment
from imports import evidence, services
from imports.models import ImportBatch
from projects.models import FundsInPlace, Project
from verification.models import MilestoneClaim, State

from .ledgers import FUNDS_HEADER, PROJECT_HEADER, project_row, xlsx_bytes

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FUNDS_WITH_EVIDENCE = [*FUNDS_HEADER, "佐证材料"]


def make_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_upload(files: dict[str, bytes], name: str = "佐证.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_zip(files), content_type="application/zip")


def errors(batch):
    return [(r["row"], col, reason) for r in batch.preview for col, reason in r["errors"]]


@pytest.fixture
def clerk(demo_users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return demo_users["yuci_staff"]


@pytest.fixture
def project(clerk):
    batch = services.import_file(
        kind="projects",
        data=xlsx_bytes([project_row(台账编号="YC-1")]),
        filename="p.xlsx",
        by=clerk,
        dry_run=False,
    )
    assert batch.status == ImportBatch.Status.IMPORTED, errors(batch)
    return Project.objects.get()


def funds_ledger(evidence_cell: str) -> bytes:
    rows = [
        {
            "台账编号": "YC-1",
            "项目名称": "年产10万吨精品钢项目",
            "县区": "榆次区",
            "月份": "2023-03",
            "到位资金(万元)": "3500万",
            "佐证材料": evidence_cell,
        }
    ]
    return xlsx_bytes(rows, header=FUNDS_WITH_EVIDENCE, sheet="到位资金")


def preview(clerk, data: bytes, zip_file, kind: str = "funds") -> ImportBatch:
    batch = services.batch_create(
        kind=kind, filename="f.xlsx", data=data, by=clerk, evidence_zip=zip_file
    )
    return services.batch_preview(batch=batch)


def assert_nothing_saved():
    assert not FundsInPlace.objects.exists()
    assert not MilestoneClaim.objects.exists()
    assert not Attachment.objects.exists()


def test_named_files_become_pending_evidence_of_the_rows_funds(project, clerk):
    zip_file = zip_upload({"凭证/银行回单.pdf": PDF, "到账截图.png": PNG, "其他.pdf": PDF})
    batch = preview(clerk, funds_ledger("银行回单.pdf；到账截图.png"), zip_file)
    assert batch.status == ImportBatch.Status.PREVIEWED and not errors(batch), batch.message
    assert_nothing_saved()  # the preview writes nothing
    batch = services.batch_import(batch=batch, by=clerk)
    assert batch.status == ImportBatch.Status.IMPORTED, (batch.message, errors(batch))
    funds = FundsInPlace.objects.get()
    claim = MilestoneClaim.objects.get()
    assert (claim.kind, claim.record, claim.state) == ("funds", funds, State.PENDING)
    assert claim.owner == clerk
    names = sorted(
        Attachment.objects.filter(object_id=claim.pk).values_list("original_name", "mime_type")
    )
    assert names == [("到账截图.png", "image/png"), ("银行回单.pdf", "application/pdf")]
    # The same ledger and zip again: the funds are unchanged and no file is attached twice.
    again = services.batch_import(
        batch=preview(
            clerk,
            funds_ledger("银行回单.pdf;到账截图.png"),
            zip_upload({"凭证/银行回单.pdf": PDF, "到账截图.png": PNG}),
        ),
        by=clerk,
    )
    assert again.status == ImportBatch.Status.IMPORTED, errors(again)
    assert Attachment.objects.count() == 2


def test_a_project_rows_evidence_is_its_starts(clerk):
    data = xlsx_bytes(
        [project_row(台账编号="YC-9", 阶段="开工", 开工日期="2023-03-05", 佐证材料="开工照片.jpg")],
        header=[*PROJECT_HEADER, "佐证材料"],
    )
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64
    batch = preview(clerk, data, zip_upload({"开工照片.jpg": jpeg}), kind="projects")
    assert not errors(batch), errors(batch)
    batch = services.batch_import(batch=batch, by=clerk)
    assert batch.status == ImportBatch.Status.IMPORTED, (batch.message, errors(batch))
    claim = MilestoneClaim.objects.get()
    assert (claim.kind, claim.record, claim.claimed_on) == (
        "started",
        Project.objects.get(),
        dt.date(2023, 3, 5),
    )


def test_a_row_without_a_start_date_cannot_carry_evidence(clerk):
    data = xlsx_bytes([project_row(佐证材料="开工照片.pdf")], header=[*PROJECT_HEADER, "佐证材料"])
    batch = preview(clerk, data, zip_upload({"开工照片.pdf": PDF}), kind="projects")
    assert errors(batch) == [(2, "佐证材料", "佐证材料属于开工：请填写该行的开工日期。")]


@pytest.mark.parametrize(
    "name",
    ["../外面.pdf", "a/../../etc/passwd.pdf", "/etc/回单.pdf", "C:/回单.pdf", "..\\回单.pdf"],
)
def test_a_zip_with_paths_leaving_it_is_refused(project, clerk, name):
    batch = preview(clerk, funds_ledger("回单.pdf"), zip_upload({name: PDF, "回单.pdf": PDF}))
    assert batch.status == ImportBatch.Status.REJECTED
    assert "佐证材料压缩包中含有指向包外的路径" in batch.message
    assert_nothing_saved()


def test_a_zip_declaring_more_than_the_limit_unpacked_is_refused(project, clerk, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_UNPACKED_BYTES", 1000)
    batch = preview(
        clerk, funds_ledger("回单.pdf"), zip_upload({"回单.pdf": PDF, "大.pdf": PDF + b" " * 2000})
    )
    assert batch.status == ImportBatch.Status.REJECTED
    assert "佐证材料压缩包解压后超过" in batch.message
    assert_nothing_saved()


def _lying_zip(files: dict[str, bytes]) -> bytes:
    """A zip whose headers declare every member 10 bytes long (a zip bomb hides its size so)."""
    data = bytearray(make_zip(files))
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            struct.pack_into("<I", data, at + offset, 10)
            start = at + 4
    return bytes(data)


def test_reading_stops_at_the_limit_whatever_the_headers_declare(project, clerk, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_UNPACKED_BYTES", 1000)
    monkeypatch.setattr(evidence, "CHUNK", 256)
    archive = evidence.EvidenceZip.open(io.BytesIO(make_zip({"回单.pdf": PDF + b" " * 600})))
    archive.read_bytes = 900  # already read: the next member crosses the limit while read
    with pytest.raises(services.LedgerFileError, match="解压后超过"):
        archive.read(archive.find("回单.pdf"))
    # A member whose headers lie about its size is refused when read, never read past them.
    lying = SimpleUploadedFile("佐证.zip", _lying_zip({"回单.pdf": PDF + b" " * 5000}))
    batch = preview(clerk, funds_ledger("回单.pdf"), lying)
    assert batch.status in (ImportBatch.Status.REJECTED, ImportBatch.Status.PREVIEWED)
    assert batch.status == ImportBatch.Status.REJECTED or errors(batch)
    assert_nothing_saved()


def test_a_named_file_missing_from_the_zip_is_an_error_of_its_row(project, clerk):
    batch = preview(clerk, funds_ledger("回单.pdf；合同.pdf"), zip_upload({"回单.pdf": PDF}))
    assert errors(batch) == [(2, "佐证材料", "佐证材料压缩包中没有文件“合同.pdf”。")]
    assert not batch.can_confirm
    assert_nothing_saved()


def test_a_renamed_executable_is_refused_by_content(project, clerk):
    batch = preview(
        clerk, funds_ledger("回单.pdf"), zip_upload({"回单.pdf": b"MZ\x90\x00 an executable"})
    )
    [(row, column, reason)] = errors(batch)
    assert (row, column) == (2, "佐证材料")
    assert "文件内容不是 PDF 格式" in reason
    assert_nothing_saved()


def test_a_bad_zip_is_refused(project, clerk):
    bad = SimpleUploadedFile("佐证.zip", b"PK\x03\x04 this is not a zip at all")
    batch = preview(clerk, funds_ledger("回单.pdf"), bad)
    assert batch.status == ImportBatch.Status.REJECTED
    assert "佐证材料压缩包无法读取" in batch.message
    assert_nothing_saved()


def test_evidence_named_without_a_zip_is_an_error(project, clerk):
    batch = preview(clerk, funds_ledger("回单.pdf"), None)
    assert errors(batch) == [(2, "佐证材料", "该行列出了佐证材料文件，请随台账上传它们的压缩包。")]


def test_the_upload_page_takes_the_zip_and_the_preview_shows_the_refusal(project, clerk):
    client = Client()
    client.force_login(clerk)
    response = client.post(
        reverse("imports:index"),
        {
            "kind": "funds",
            "file": SimpleUploadedFile("f.xlsx", funds_ledger("回单.pdf")),
            "evidence_zip": zip_upload({"../回单.pdf": PDF}),
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "佐证材料压缩包中含有指向包外的路径" in page
    assert "佐证.zip" in page
    assert_nothing_saved()


def test_a_refusal_at_import_rolls_back_the_rows_and_their_stored_files(
    project, clerk, demo_users, tmp_path
):
    from verification import services as verification_services

    batch = preview(clerk, funds_ledger("回单.pdf"), zip_upload({"回单.pdf": PDF}))
    services.batch_import(batch=batch, by=clerk)
    claim = MilestoneClaim.objects.get()
    verification_services.claim_verify(claim=claim, by=demo_users["city_staff"])
    stored_before = sorted(p.name for p in (tmp_path / "private").rglob("*.pdf"))
    # April's funds with their voucher (stored first), then another file for March's verified
    # funds: refused at import (verified evidence cannot change), so nothing is written and the
    # file stored for April does not stay behind.
    row = {"台账编号": "YC-1", "项目名称": "年产10万吨精品钢项目", "县区": "榆次区"}
    rows = [
        {**row, "月份": "2023-04", "到位资金(万元)": "100万", "佐证材料": "四月回单.pdf"},
        {**row, "月份": "2023-03", "到位资金(万元)": "3500万", "佐证材料": "新回单.pdf"},
    ]
    data = xlsx_bytes(rows, header=FUNDS_WITH_EVIDENCE, sheet="到位资金")
    batch = preview(
        clerk, data, zip_upload({"四月回单.pdf": PDF + b"%%", "新回单.pdf": PDF + b"%"})
    )
    assert batch.can_confirm, errors(batch)
    batch = services.batch_import(batch=batch, by=clerk)
    assert batch.status == ImportBatch.Status.FAILED
    [(row_no, column, reason)] = errors(batch)
    assert (row_no, column) == (3, "佐证材料") and "已核实" in reason
    assert Attachment.objects.count() == 1
    assert FundsInPlace.objects.count() == 1
    assert sorted(p.name for p in (tmp_path / "private").rglob("*.pdf")) == stored_before


def _stored(tmp_path) -> list[str]:
    """The attachment files in storage (the batch keeps its own zip)."""
    return sorted(
        p.name for p in (tmp_path / "private").rglob("*") if p.is_file() and p.suffix != ".zip"
    )


def test_rolling_back_an_import_removes_the_evidence_it_attached(
    project, clerk, tmp_path, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(clerk)
    page_url = reverse("verification:project", args=[project.pk])
    before = _stored(tmp_path)
    files = {"回单一.pdf": PDF, "回单二.pdf": PDF + b"%", "到账截图.png": PNG}
    batch = preview(clerk, funds_ledger("；".join(files)), zip_upload(files))
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_import(batch=batch, by=clerk)
    assert batch.status == ImportBatch.Status.IMPORTED, errors(batch)
    assert Attachment.objects.count() == 3 and MilestoneClaim.objects.count() == 1
    assert len(_stored(tmp_path)) == len(before) + 3
    page = client.get(page_url).content.decode()
    assert "回单一.pdf" in page and "到账截图.png" in page
    download = reverse("attachment_download", args=[Attachment.objects.first().pk])

    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        services.batch_rollback(batch=batch, by=clerk)
    # The rows, their claim and the stored files are gone; the pages no longer offer them.
    assert_nothing_saved()
    assert _stored(tmp_path) == before
    page = client.get(page_url).content.decode()
    assert "回单一.pdf" not in page and "到账截图.png" not in page
    assert client.get(download).status_code == 404
    # In bulk: the same few statements on the attachments whatever the number of files.
    on_attachments = [q for q in queries.captured_queries if '"core_attachment"' in q["sql"]]
    assert len(on_attachments) <= 3, [q["sql"][:120] for q in on_attachments]
    # The change history keeps the removal, under the rollback's reason.
    removed = Attachment.history.filter(history_type="-")
    assert removed.count() == 3
    assert set(removed.values_list("history_change_reason", flat=True)) == {
        f"撤销导入批次 #{batch.pk}"
    }


def test_a_file_added_since_to_imported_evidence_blocks_the_rollback(project, clerk, tmp_path):
    from verification import services as verification_services

    batch = preview(clerk, funds_ledger("回单.pdf"), zip_upload({"回单.pdf": PDF}))
    batch = services.batch_import(batch=batch, by=clerk)
    funds = FundsInPlace.objects.get()
    verification_services.evidence_add(
        kind="funds",
        record=funds,
        upload=SimpleUploadedFile("补充回单.pdf", PDF + b"%%"),
        by=clerk,
    )
    with pytest.raises(ValidationError) as refused:
        services.batch_rollback(batch=batch, by=clerk)
    assert "又添加了文件“补充回单.pdf”，为免丢失后续工作，不能撤销" in " ".join(
        refused.value.messages
    )
    assert Attachment.objects.count() == 2 and FundsInPlace.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED


@pytest.mark.parametrize(
    ("kind", "sheet_kind", "file_name", "milestone"),
    [("funds", "funds", "银行回单.pdf", "funds"), ("events", "events", "投资协议.pdf", "signed")],
)
def test_a_template_with_its_evidence_column_filled_attaches_the_named_files(
    project, clerk, kind, sheet_kind, file_name, milestone
):
    """The downloaded template names the column and explains it; its example row, pointed at the
    clerk's project and imported with the zip, attaches the file named there."""
    from openpyxl import load_workbook

    from demo.events_demo import load_event_kinds

    load_event_kinds()
    client = Client()
    client.force_login(clerk)
    index = client.get(reverse("imports:index")).content.decode()
    assert reverse("imports:template", args=[kind]) in index
    response = client.get(reverse("imports:template", args=[kind]))
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[-1] == "佐证材料（压缩包内文件名）"
    note = ws.cell(row=1, column=len(header)).comment.text
    assert "压缩包" in note and "文件名" in note and "；" in note and "20 MB" in note
    assert ws.cell(row=2, column=len(header)).value == file_name
    # The example row, for the clerk's project (ledger id YC-1).
    id_header = "签约项目台账编号" if kind == "events" else "台账编号"
    ws.cell(row=2, column=header.index(id_header) + 1, value="YC-1")
    out = io.BytesIO()
    wb.save(out)
    batch = preview(clerk, out.getvalue(), zip_upload({file_name: PDF}), kind=sheet_kind)
    assert batch.status == ImportBatch.Status.PREVIEWED and not errors(batch), (
        batch.message,
        errors(batch),
    )
    batch = services.batch_import(batch=batch, by=clerk)
    assert batch.status == ImportBatch.Status.IMPORTED, (batch.message, errors(batch))
    claim = MilestoneClaim.objects.get()
    assert claim.kind == milestone and claim.project == project
    assert list(claim.attachments.values_list("original_name", flat=True)) == [file_name]


def test_the_projects_template_explains_that_evidence_is_the_starts(clerk):
    from openpyxl import load_workbook

    from imports.workbook import build_template

    ws = load_workbook(io.BytesIO(build_template("projects"))).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[-1] == "佐证材料（压缩包内文件名）"
    assert "开工日期" in ws.cell(row=1, column=len(header)).comment.text
    # Enterprises and targets carry no evidence: no such column.
    for kind in ("enterprises", "targets"):
        ws = load_workbook(io.BytesIO(build_template(kind))).worksheets[0]
        assert not any("佐证" in (c.value or "") for c in ws[1])

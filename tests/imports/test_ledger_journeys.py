"""Ledger imports through the upload page with the demo data: an exported list re-uploads with no
changes, a file with one bad row imports the others, and a preview that breaks ends failed."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from imports import planning
from imports.models import ImportBatch, Kind

from .ledgers import project_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def _login(client, username):
    from accounts.models import User

    client.force_login(User.objects.get(username=username))


def _upload(client, data: bytes, name: str = "台账.xlsx"):
    """Submit the /imports/ page's upload form; returns the batch page it leads to."""
    response = client.post(
        reverse("imports:index"), {"kind": "projects", "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 200
    return response.url, page.content.decode()


def _count(page: str, action: str) -> int:
    found = re.search(rf'data-testid="count-{action}">\s*(\d+)\s*<', page)
    assert found, f"no {action} count on the page"
    return int(found.group(1))


def _export(client) -> bytes:
    response = client.get(reverse("imports:export", args=["projects"]), {"format": "xlsx"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("username", ["admin", "city_staff", "yuci_staff"])
def test_exported_project_list_uploads_with_no_changes(client, demo_data, username):
    _login(client, username)
    listed = client.get(reverse("projects:list")).context["page"].paginator.count
    assert listed > 0
    _url, page = _upload(client, _export(client), name="项目台账.xlsx")
    assert "已检查，待确认导入" in page
    assert (_count(page, "new"), _count(page, "update"), _count(page, "error")) == (0, 0, 0)
    assert _count(page, "unchanged") == listed


def _twenty_new_projects(bad_index: int) -> list[dict]:
    rows = [
        project_row(项目名称=f"台账测试项目{i:02d}", 投资方=f"台账测试投资公司{i:02d}")
        for i in range(20)
    ]
    rows[bad_index]["计划总投资(万元)"] = "三千万左右"
    return rows


def test_twenty_row_ledger_with_one_bad_row_imports_the_other_nineteen(client, demo_data):
    _login(client, "city_staff")
    rows = _twenty_new_projects(bad_index=6)  # the sheet's row 8: the header is row 1
    url, page = _upload(client, xlsx_bytes(rows))
    assert (_count(page, "new"), _count(page, "error")) == (19, 1)
    errors = re.search(r'data-testid="error-list">(.*?)</table>', page, re.S).group(1)
    cells = [c.strip() for c in re.findall(r"<td>(.*?)</td>", errors, re.S)]
    assert cells == ["8", "计划总投资(万元)", cells[2]]
    assert cells[2] == "“三千万左右”含有不允许的字符:请使用半角数字,如 3500 或 3.5亿。"
    assert 'data-testid="confirm-import"' not in page  # not "import everything"
    assert 'data-testid="import-valid-rows"' in page
    assert "跳过错误行，导入其余 19 行" in page

    batch_pk = int(url.rstrip("/").split("/")[-1])
    response = client.post(reverse("imports:confirm", args=[batch_pk]), {"skip_errors": "1"})
    page = client.get(response.url).content.decode()
    assert "已跳过 1 行错误数据，其余各行已导入" in page
    assert ImportBatch.objects.get(pk=batch_pk).status == ImportBatch.Status.IMPORTED

    listed = client.get(reverse("projects:list"), {"q": "台账测试项目"}).context["page"]
    names = sorted(p["name"] for p in listed.object_list)
    assert names == [r["项目名称"] for i, r in enumerate(rows) if i != 6]


def test_confirm_without_choosing_to_skip_imports_nothing_from_a_file_with_errors(
    client, demo_data
):
    _login(client, "city_staff")
    url, _page = _upload(client, xlsx_bytes(_twenty_new_projects(bad_index=0)))
    batch_pk = int(url.rstrip("/").split("/")[-1])
    client.post(reverse("imports:confirm", args=[batch_pk]))
    assert ImportBatch.objects.get(pk=batch_pk).status == ImportBatch.Status.PREVIEWED
    assert (
        client.get(reverse("projects:list"), {"q": "台账测试项目"}).context["page"].paginator.count
        == 0
    )


def test_a_preview_that_breaks_ends_failed_with_a_message(client, demo_data, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError('unrecognized token: ":"')

    monkeypatch.setitem(planning.PLANNERS, Kind.PROJECTS, broken)
    _login(client, "city_staff")
    url, page = _upload(client, xlsx_bytes([project_row()]))
    batch = ImportBatch.objects.get(pk=int(url.rstrip("/").split("/")[-1]))
    assert batch.status == ImportBatch.Status.FAILED
    assert "检查文件时发生内部错误，未导入任何数据" in page
    assert 'data-testid="batch-progress"' not in page  # no "checking…" bar for ever


def test_import_command_fails_loudly_when_the_check_breaks(demo_data, monkeypatch, tmp_path):
    from django.core.management import CommandError, call_command

    def broken(*args, **kwargs):
        raise DatabaseError('unrecognized token: ":"')

    monkeypatch.setitem(planning.PLANNERS, Kind.PROJECTS, broken)
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes([project_row()]))
    with pytest.raises(CommandError, match="检查文件时发生内部错误"):
        call_command("import_ledger", str(path))
    assert ImportBatch.objects.latest("id").status == ImportBatch.Status.FAILED

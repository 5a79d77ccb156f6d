"""The rows of a project ledger are checked by the preview, whose result the import carries (the
stored plan) without checking them again, unless the projects changed in between; then the
import checks the file again and the rules still refuse what they refuse."""

import pytest

from core.models import ChainLink
from imports import planning, services
from imports.models import ImportBatch
from projects import services as project_services
from projects.models import Project, Stage

from .ledgers import project_row, xlsx_bytes

ROWS = 20


def _rows(stage="签约", amount=1000, start=None, **more):
    return [
        project_row(
            项目名称=f"一次校验{i:02d}",
            投资方=f"一次校验投资方{i % 3}有限公司",
            阶段=stage,
            开工日期=start,
            **{"计划总投资(万元)": str(amount + i)},
            **more,
        )
        for i in range(ROWS)
    ]


def _preview(rows) -> ImportBatch:
    batch = services.batch_create(
        kind="projects", filename="a.xlsx", data=xlsx_bytes(rows), by=None
    )
    return services.batch_preview(batch=batch)


@pytest.fixture
def counted(monkeypatch):
    """How many times validate_project and pinyin ran (wherever they are called from)."""
    calls = {"validate": 0, "pinyin": 0}
    validate, pinyin = project_services.validate_project, project_services.pinyin_keys

    def counting_validate(*args, **kwargs):
        calls["validate"] += 1
        return validate(*args, **kwargs)

    def counting_pinyin(*args, **kwargs):
        calls["pinyin"] += 1
        return pinyin(*args, **kwargs)

    monkeypatch.setattr(project_services, "validate_project", counting_validate)
    monkeypatch.setattr(planning, "validate_project", counting_validate)
    monkeypatch.setattr(project_services, "pinyin_keys", counting_pinyin)
    return calls


@pytest.mark.django_db
def test_new_rows_and_updates_are_each_checked_once(reference_data, counted):
    batch = _preview(_rows())
    assert batch.summary["new"] == ROWS
    batch = services.batch_import(batch=batch, by=None)
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    assert counted == {"validate": ROWS, "pinyin": ROWS}
    project = Project.objects.get(name="一次校验07")
    assert (project.name_pinyin, project.name_initials) == ("yicijiaoyan", "ycjy")

    counted.update(validate=0, pinyin=0)
    batch = _preview(_rows(stage="开工", amount=2000, start="2023-05-06"))
    assert batch.summary["update"] == ROWS, batch.preview[:3]
    batch = services.batch_import(batch=batch, by=None)
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    # project_bulk_apply's rules, run in memory at the preview (the row's verdict); none at the
    # import.
    assert counted == {"validate": ROWS, "pinyin": 0}
    project.refresh_from_db()
    assert project.stage == Stage.STARTED and str(project.started_on) == "2023-05-06"
    assert project.stage_changes.order_by("-id").first().to_stage == Stage.STARTED
    assert project.history.first().history_change_reason == f"台账导入 #{batch.pk}"


@pytest.mark.django_db
def test_an_edit_after_the_preview_has_the_import_check_again(reference_data, counted):
    services.import_file(
        kind="projects",
        data=xlsx_bytes(_rows(产业链="特钢材料")),
        filename="a.xlsx",
        by=None,
        dry_run=False,
    )
    # Another chain, the chain link left blank: valid while the projects have no link.
    batch = _preview(_rows(amount=2000, 产业链="新能源汽车"))
    assert batch.summary["update"] == ROWS, batch.preview[:3]
    assert batch.error_count == 0
    # After the preview, one project gets a link of its chain then: valid on its own, not with
    # the row's chain.
    project = Project.objects.get(name="一次校验03")
    link = ChainLink.objects.get(chain__name="特钢材料", name="精品钢")
    project_services.project_update(project=project, by=None, chain_link=link)
    counted.update(validate=0)
    batch = services.batch_import(batch=batch, by=None)
    assert batch.status == ImportBatch.Status.FAILED
    assert counted["validate"] > 0  # checked again, the plan no longer holding
    [row] = [r for r in batch.preview if r["errors"]]
    assert row["label"] == "一次校验03"
    assert row["errors"] == [["产业链环节", "该环节不属于所选产业链。"]]
    project.refresh_from_db()
    assert project.chain.name == "特钢材料" and project.planned_investment == 1003

"""One rule moves a project's stage, whoever asks: a ledger row's stage and dates are brought
about by project_bulk_apply (`projects.services._ledger_moves`, through `_move_stage`), and the
import's preview shows that same path's verdict on each row. A ledger row states its own dates:
none is made up for it (no 终止 without its 终止日期 and 终止原因, no milestone dated today
because the row left it blank), a date of a stage the row does not reach is refused, and a move
back is recorded with the import's reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from imports import services
from imports.models import ImportBatch
from projects import services as project_services
from projects.models import Project, Stage, StageChange

from .ledgers import project_row, xlsx_bytes

pytestmark = pytest.mark.django_db

DROP_DATE, DROP_REASON = "终止的项目需填写终止日期。", "请填写项目终止原因。"
NOT_REACHED = "项目尚未进入“开工”阶段,不能填写该日期。"


def _import(*rows, dry_run=False):
    return services.import_file(
        kind="projects", data=xlsx_bytes(list(rows)), filename="台账.xlsx", by=None, dry_run=dry_run
    )


def _errors(batch):
    return [(col, reason) for r in batch.preview for col, reason in r["errors"]]


def _project(**row) -> Project:
    batch = _import(project_row(**row))
    assert batch.status == ImportBatch.Status.IMPORTED, _errors(batch)
    return Project.objects.get()


def _refused_and_nothing_written(project: Project, *row: dict, errors) -> None:
    before = {f.attname: getattr(project, f.attname) for f in Project._meta.concrete_fields}
    moves = StageChange.objects.count()
    preview = _import(*row, dry_run=True)
    assert preview.status == ImportBatch.Status.PREVIEWED
    assert _errors(preview) == errors
    batch = services.batch_import(batch=preview, by=None)
    assert batch.status == ImportBatch.Status.FAILED and _errors(batch) == errors
    project.refresh_from_db()
    assert {f.attname: getattr(project, f.attname) for f in Project._meta.concrete_fields} == (
        before
    )
    assert StageChange.objects.count() == moves


def test_a_drop_row_needs_its_own_date_and_reason(reference_data):
    project = _project()
    _refused_and_nothing_written(
        project,
        project_row(阶段="终止"),
        errors=[("终止日期", DROP_DATE), ("终止原因", DROP_REASON)],
    )
    _refused_and_nothing_written(
        project, project_row(阶段="终止", 终止日期="2024-05-06"), errors=[("终止原因", DROP_REASON)]
    )
    _refused_and_nothing_written(
        project,
        project_row(阶段="终止", 终止原因="企业资金链断裂"),
        errors=[("终止日期", DROP_DATE)],
    )
    batch = _import(project_row(阶段="终止", 终止日期="2024-05-06", 终止原因="企业资金链断裂"))
    assert batch.summary["update"] == 1, _errors(batch)
    project.refresh_from_db()
    assert (project.stage, project.dropped_on, project.drop_reason) == (
        Stage.DROPPED,
        dt.date(2024, 5, 6),
        "企业资金链断裂",
    )
    move = project.stage_changes.order_by("-id").first()
    assert (move.to_stage, move.on, move.reason) == (
        Stage.DROPPED,
        dt.date(2024, 5, 6),
        "企业资金链断裂",
    )


def test_project_bulk_apply_refuses_a_drop_without_its_own_date_and_reason(reference_data):
    project = _project()
    with pytest.raises(ValidationError) as refused:
        project_services.project_bulk_apply(
            by=None, rows=[(project, Stage.DROPPED, {})], reason="台账导入"
        )
    assert refused.value.message_dict == {
        "dropped_on": [DROP_DATE],
        "drop_reason": [DROP_REASON],
    }
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and not project.stage_changes.filter(to_stage="dropped")


def test_a_move_back_is_recorded_with_the_import_reason_and_clears_the_later_dates(
    reference_data,
):
    project = _project(阶段="开工", 开工日期="2023-03-01")
    # The row still dating 开工 contradicts its 签约.
    _refused_and_nothing_written(
        project, project_row(阶段="签约", 开工日期="2023-03-01"), errors=[("开工日期", NOT_REACHED)]
    )
    # Called directly without a reason, project_bulk_apply refuses the move back.
    with pytest.raises(ValidationError, match="回退"):
        project_services.project_bulk_apply(by=None, rows=[(project, Stage.SIGNED, {})], reason="")
    batch = _import(project_row(阶段="签约"))
    assert batch.summary["update"] == 1, _errors(batch)
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and project.started_on is None
    move = project.stage_changes.order_by("-id").first()
    assert (move.to_stage, move.is_backward, move.reason) == (Stage.SIGNED, True, "台账导入")


def test_a_date_of_a_stage_the_row_does_not_reach_is_refused(reference_data):
    project = _project(阶段="洽谈", 签约日期=None, 洽谈日期="2023-01-20")
    _refused_and_nothing_written(
        project,
        project_row(阶段="签约", 洽谈日期="2023-01-20", 开工日期="2023-03-01"),
        errors=[("开工日期", NOT_REACHED)],
    )
    with pytest.raises(ValidationError) as refused:
        project_services.project_bulk_apply(
            by=None,
            rows=[
                (
                    project,
                    Stage.SIGNED,
                    {"signed_on": dt.date(2023, 2, 3), "started_on": dt.date(2023, 3, 1)},
                )
            ],
            reason="台账导入",
        )
    assert list(refused.value.message_dict) == ["started_on"]


def test_a_move_forward_needs_the_date_the_row_reaches_never_today(reference_data):
    project = _project()
    _refused_and_nothing_written(
        project, project_row(阶段="开工"), errors=[("开工日期", "“开工”阶段需填写日期。")]
    )
    with pytest.raises(ValidationError) as refused:
        project_services.project_bulk_apply(
            by=None, rows=[(project, Stage.STARTED, {})], reason="台账导入"
        )
    assert list(refused.value.message_dict) == ["started_on"]


def test_an_undated_negotiation_stays_undated(reference_data):
    """洽谈 may have no date (DESIGN.md): the move is recorded on the registration date, as a new
    project's is (project_bulk_create), and the project keeps no 洽谈日期 the row did not give."""
    project = _project(阶段="线索", 签约日期=None)
    batch = _import(project_row(阶段="洽谈", 签约日期=None))
    assert batch.summary["update"] == 1, _errors(batch)
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING and project.negotiating_on is None
    move = project.stage_changes.order_by("-id").first()
    assert (move.to_stage, move.on) == (Stage.NEGOTIATING, project.registered_on)


def test_a_revived_project_returns_to_its_stage_then_moves_on_through_the_row_dates(
    reference_data,
):
    project = _project(阶段="终止", 终止日期="2024-01-05", 终止原因="搁置")
    assert project.stage == Stage.DROPPED and project.signed_on is not None
    batch = _import(project_row(阶段="开工", 开工日期="2024-03-01"))
    assert batch.summary["update"] == 1, _errors(batch)
    project.refresh_from_db()
    assert (project.stage, project.dropped_on, project.drop_reason) == (Stage.STARTED, None, "")
    assert [(m.from_stage, m.to_stage, m.is_backward) for m in project.stage_changes.all()][
        -2:
    ] == [(Stage.DROPPED, Stage.SIGNED, True), (Stage.SIGNED, Stage.STARTED, False)]


def test_rollback_restores_a_dropped_project_with_its_dates_and_reason(reference_data):
    project = _project(阶段="终止", 开工日期="2023-03-01", 终止日期="2024-01-05", 终止原因="搁置")
    assert project.stage == Stage.DROPPED and project.started_on == dt.date(2023, 3, 1)
    # Revived at 签约: the 开工 date is cleared, the 终止 columns too.
    batch = _import(project_row(阶段="签约", 终止日期="2024-01-05", 终止原因="搁置"))
    assert batch.summary["update"] == 1, _errors(batch)
    project.refresh_from_db()
    assert (project.stage, project.started_on, project.dropped_on) == (Stage.SIGNED, None, None)

    services.batch_rollback(batch=batch, by=None)
    project.refresh_from_db()
    assert (project.stage, project.started_on, project.dropped_on, project.drop_reason) == (
        Stage.DROPPED,
        dt.date(2023, 3, 1),
        dt.date(2024, 1, 5),
        "搁置",
    )
    # Same drop: the preview of the same ledger finds it unchanged, blank 终止 columns too.
    assert _import(project_row(阶段="终止"), dry_run=True).summary["unchanged"] == 1

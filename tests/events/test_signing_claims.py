"""首报首谈 when an event's signing creates a new project for an investor another county holds."""

import datetime as dt

from enterprises.models import Enterprise
from events import services
from projects.models import ClaimConflict, Project

D = dt.date


def test_a_new_project_signed_at_an_event_raises_the_first_report_conflict(
    make_project, make_event, regions, investor
):
    holder = make_project("榆次电池项目", region="140702")
    services.event_signings_record(
        event=make_event(),
        by=None,
        rows=[
            services.SigningRow(
                signed_on=D(2023, 2, 3),
                amount="5000",
                new_project={
                    "name": "太谷电池项目",
                    # The same investor, pasted with a zero-width space.
                    "investor_name": "江苏华能动力\u200b电池科技有限公司",
                    "region": regions["140703"],
                },
            )
        ],
    )
    new = Project.objects.get(name="太谷电池项目")
    assert new.investor == investor
    assert Enterprise.objects.count() == 1
    conflict = ClaimConflict.objects.get()
    assert (conflict.project, conflict.holder, conflict.matched_by) == (new, holder, "name")


def test_a_signing_rows_investor_with_a_direction_override_is_refused(make_event, regions):
    try:
        services.event_signings_record(
            event=make_event(),
            by=None,
            rows=[
                services.SigningRow(
                    signed_on=D(2023, 2, 3),
                    amount="5000",
                    new_project={
                        "name": "太谷电池项目",
                        "investor_name": "江苏华能\u202e动力电池",
                        "region": regions["140703"],
                    },
                )
            ],
        )
    except services.SigningRowsError as exc:
        assert "不可见" in exc.row_errors[0]["investor_name"][0]
    else:
        raise AssertionError("the row was accepted")
    assert not Project.objects.exists()

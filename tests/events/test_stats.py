"""The activity statistics against a hand-counted fixture."""

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from events.exports import safe_cell, stats_workbook
from events.selectors import activity_stats

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(make_project, make_event, regions):
    """By hand, for 2023:
    activities: A1 (榆次 01-10: P1 P2), A2 (榆次+太谷 02-01: P2 P3)   -> 2 events, {P1 P2 P3}
    trips:      T1 (太谷 04-05: P3 P4)                                  -> 1 trip, {P3 P4}
    not counted: the 三个一批 ceremony (02-22: P5) and A0 of 2022 (P1).
    """
    p = {i: make_project(f"P{i}", region="140702" if i < 3 else "140703") for i in range(1, 6)}
    make_event("A0", start=D(2022, 12, 30), organisers=("140702",), negotiated=[p[1]])
    make_event(
        "A1",
        kind="negotiation",
        start=D(2023, 1, 10),
        organisers=("140702",),
        negotiated=[p[1], p[2]],
    )
    make_event("A2", start=D(2023, 2, 1), organisers=("140702", "140703"), negotiated=[p[2], p[3]])
    make_event(
        "T1",
        kind="small-team",
        start=D(2023, 4, 5),
        end=D(2023, 4, 7),
        organisers=("140703",),
        negotiated=[p[3], p[4]],
    )
    make_event(
        "B", kind="three-batches", start=D(2023, 2, 22), organisers=("140700",), negotiated=[p[5]]
    )
    return regions


def _line(stats, code):
    return next(line for line in stats.by_region if line.code == code)


def _numbers(line):
    return (line.activities, line.activity_projects, line.trips, line.trip_projects)


def test_year_totals_count_each_event_and_project_once(counted, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        stats = activity_stats(year=2023)
    assert _numbers(stats.total) == (2, 3, 1, 2)


def test_by_region_an_event_counts_for_each_organiser(counted):
    stats = activity_stats(year=2023)
    assert _numbers(_line(stats, "140702")) == (2, 3, 0, 0)
    assert _numbers(_line(stats, "140703")) == (1, 2, 1, 2)
    assert _numbers(_line(stats, "140700")) == (0, 0, 0, 0)  # the ceremony is not counted


def test_by_month(counted):
    months = {line.label: _numbers(line) for line in activity_stats(year=2023).by_month}
    assert len(months) == 12
    assert months["2023-01"] == (1, 2, 0, 0)
    assert months["2023-02"] == (1, 2, 0, 0)
    assert months["2023-04"] == (0, 0, 1, 2)
    assert months["2023-03"] == (0, 0, 0, 0)


def test_by_quarter(counted):
    assert _numbers(activity_stats(year=2023, quarter=1).total) == (2, 3, 0, 0)
    assert _numbers(activity_stats(year=2023, quarter=2).total) == (0, 0, 1, 2)
    assert len(activity_stats(year=2023, quarter=2).by_month) == 3
    assert _numbers(activity_stats(year=2022).total) == (1, 1, 0, 0)


def test_filtered_by_region(counted):
    stats = activity_stats(year=2023, region=counted["140703"])
    assert _numbers(stats.total) == (1, 2, 1, 2)
    assert [line.code for line in stats.by_region] == ["140703"]


def test_the_export_has_the_same_figures(counted):
    book = load_workbook(BytesIO(stats_workbook(activity_stats(year=2023), "2023")))
    by_region = book.worksheets[0]
    rows = {r[0]: r[1:] for r in by_region.iter_rows(min_row=4, values_only=True)}
    assert rows["榆次区"] == (2, 3, 0, 0)
    assert list(rows.values())[-1] == (2, 3, 1, 2)


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\t=x"])
def test_cells_that_excel_would_run_are_kept_as_text(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("榆次区") == "榆次区"
    assert safe_cell(5) == 5

"""The one Period (core.periods) and the assessment's reading of it (scoring.periods): the days a
year, a quarter and a month cover, their labels, the period before, and the 考评's key round trip,
cumulative span, prorated target and 通报 words. Expected values are written out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import translation

from core.periods import Period
from scoring.periods import (
    KEYS,
    assessment_period,
    elapsed_pct,
    parse_assessment_period,
    period_key,
    period_query,
    span,
    target_share,
    word,
)


def test_a_year_a_quarter_and_a_month_cover_their_days_and_say_their_label():
    with translation.override("en"):
        year, q2, feb = Period.of_year(2024), Period.of_quarter(2024, 2), Period.of_month(2024, 2)
        assert (year.start, year.end, year.kind, year.label) == (
            dt.date(2024, 1, 1),
            dt.date(2024, 12, 31),
            "year",
            "2024",
        )
        assert (q2.start, q2.end, q2.quarter, q2.label) == (
            dt.date(2024, 4, 1),
            dt.date(2024, 6, 30),
            2,
            "2024 Q2",
        )
        assert (feb.start, feb.end, feb.label) == (
            dt.date(2024, 2, 1),
            dt.date(2024, 2, 29),
            "2024-02",
        )
        span_ = Period(dt.date(2024, 3, 1), dt.date(2025, 2, 28))
        assert span_.label == "2024-03 to 2025-02"
        assert Period(None, dt.date(2025, 2, 28)).label == ""


def test_the_period_before_is_of_the_same_kind_across_the_new_year():
    assert Period.of_year(2024).previous() == Period.of_year(2023)
    assert Period.of_quarter(2024, 1).previous() == Period.of_quarter(2023, 4)
    assert Period.of_quarter(2024, 3).previous() == Period.of_quarter(2024, 2)
    assert Period.of_month(2024, 1).previous() == Period.of_month(2023, 12)
    assert Period.of_month(2024, 3).previous() == Period.of_month(2024, 2)
    with pytest.raises(ValueError):
        Period(dt.date(2024, 3, 1), dt.date(2024, 5, 31)).previous()


def test_year_to_date_runs_from_the_first_of_january_to_the_periods_end():
    assert Period.of_quarter(2024, 3).year_to_date() == Period(
        dt.date(2024, 1, 1), dt.date(2024, 9, 30)
    )


@pytest.mark.parametrize("key", KEYS)
def test_every_assessment_key_round_trips(key):
    period = assessment_period(2025, key)
    assert period_key(period) == key
    assert period_query(period) == {"year": "2025", "period": key}
    assert (
        parse_assessment_period(QueryDict(f"year=2025&period={key}"), default_year=2020) == period
    )


def test_a_bad_assessment_link_falls_back_and_a_bad_key_is_refused():
    fallback = parse_assessment_period(QueryDict("year=1900&period=Q9"), default_year=2024)
    assert fallback == Period.of_year(2024)
    assert parse_assessment_period(QueryDict("period=Q2"), default_year=2024) == Period.of_quarter(
        2024, 2
    )
    with pytest.raises(ValueError):
        assessment_period(2024, "q5")
    with pytest.raises(ValueError):
        period_key(Period(dt.date(2024, 1, 1), dt.date(2024, 2, 29)))


@pytest.mark.parametrize(
    ("key", "share", "elapsed", "months", "name"),
    [
        ("year", Decimal(1), Decimal("100.0"), "1—12月", "全年"),
        ("q1", Decimal("0.25"), Decimal("25.0"), "1—3月", "一季度"),
        ("q2", Decimal("0.5"), Decimal("50.0"), "1—6月", "二季度"),
        ("m1", Decimal(1) / Decimal(12), Decimal("8.3"), "1月", "1月"),
        ("m5", Decimal(5) / Decimal(12), Decimal("41.7"), "1—5月", "5月"),
    ],
)
def test_the_assessment_counts_from_january_against_the_prorated_target(
    key, share, elapsed, months, name
):
    period = assessment_period(2023, key)
    assert target_share(period) == share
    assert elapsed_pct(period) == elapsed
    assert span(period) == months
    assert word(period) == name

"""Chain indicators: named targets with units and yearly readings, shown against target."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chains import services
from chains.selectors import chain_indicator_progress
from core.models import IndustryChain

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations(reference_data):
    methanol = IndustryChain.objects.get(code="methanol")
    return services.indicator_save(
        by=None,
        chain=methanol,
        programme="甲醇经济“11155”",
        name="甲醇加注站",
        unit="座",
        target_value="100",
        target_year=2025,
    )


def test_latest_reading_against_target(stations):
    services.indicator_reading_record(by=None, indicator=stations, year=2022, value="12")
    services.indicator_reading_record(by=None, indicator=stations, year=2023, value="28")
    [progress] = chain_indicator_progress(chain=stations.chain)
    assert (progress.latest_year, progress.latest_value, progress.percent) == (
        2023,
        Decimal("28"),
        Decimal("28.0"),
    )
    [as_of_2022] = chain_indicator_progress(year=2022)
    assert as_of_2022.percent == Decimal("12.0")
    assert as_of_2022.as_dict()["unit"] == "座"


def test_recording_a_year_again_corrects_it(stations):
    services.indicator_reading_record(by=None, indicator=stations, year=2023, value="28")
    services.indicator_reading_record(by=None, indicator=stations, year=2023, value="30")
    assert list(stations.readings.values_list("value", flat=True)) == [Decimal("30")]


def test_no_reading_gives_no_percent(stations):
    [progress] = chain_indicator_progress()
    assert progress.percent is None and progress.bar_percent == 0


@pytest.mark.parametrize("value", ["-1", "abc", "NaN", "-0"])
def test_bad_values_are_refused(stations, value):
    with pytest.raises(ValidationError):
        services.indicator_reading_record(by=None, indicator=stations, year=2023, value=value)


def test_future_year_is_refused(stations):
    with pytest.raises(ValidationError):
        services.indicator_reading_record(
            by=None, indicator=stations, year=timezone.localdate().year + 1, value="1"
        )


def test_only_city_staff_record_readings(stations, demo_users):
    with pytest.raises(PermissionDenied):
        services.indicator_reading_record(
            by=demo_users["yuci_staff"], indicator=stations, year=2023, value="1"
        )
    services.indicator_reading_record(
        by=demo_users["city_staff"], indicator=stations, year=2023, value="1"
    )


def test_reading_recorded_from_the_chain_page(client, stations, demo_users):
    client.force_login(demo_users["city_staff"])
    page = client.get(f"/chains/{stations.chain_id}/")
    assert 'data-testid="reading-form"' in page.content.decode()
    response = client.post(
        f"/chains/{stations.chain_id}/indicators/reading/",
        {"indicator": stations.pk, "year": 2023, "value": "28", "note": ""},
    )
    assert response.status_code == 302
    assert stations.readings.get().value == Decimal("28")

"""The scoring formula: the issue's reference case scores 98.83 under the default scheme, what-if
weights re-rank without touching the scheme, and bad schemes are refused with a Chinese message
and nothing saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from scoring import services
from scoring.indicators import Figures
from scoring.models import ScoringScheme
from scoring.selectors import SchemeValues, scheme_in_force, score_one
from targets.models import Target

YI = Decimal(10000)


def _reference_figures() -> Figures:
    """Actual 60亿 / 18 projects, 12 of them started, funds 8亿; two projects of 3–10亿 (here
    one in 3–5亿 and one in 5–10亿) and one of 10–20亿; 3 red lights."""
    figures = Figures(
        signed_count=18,
        signed_amount=60 * YI,
        signed_started_count=12,
        funds_amount=8 * YI,
        red_lights=3,
    )
    figures.bands.update(signed_band_3=1, signed_band_5=1, signed_band_10=1, signed_band_1=15)
    return figures


@pytest.mark.django_db
def test_the_reference_case_scores_98_83_under_the_default_scheme():
    scheme = services.scheme_create_default()
    target = Target(signed_amount=50 * YI, signed_count=20, funds_amount=10 * YI)
    cells, buckets, bucket_points, red, returned, total = score_one(
        SchemeValues.of(scheme), _reference_figures(), target, Decimal(1)
    )
    points = {c.key: c.points for c in cells}
    assert points["signed_amount"] == Decimal(48)  # 40 × min(1.2, 1.2)
    assert points["signed_count"] == Decimal(27)  # 30 × 0.9
    assert points["start_rate"].quantize(Decimal("0.01")) == Decimal("13.33")  # 20 × 12/18
    assert points["funds"] == Decimal(8)  # 10 × 0.8
    assert [(label, n) for label, n, _p in buckets] == [("3–10亿", 2), ("10–20亿", 1), ("≥20亿", 0)]
    assert (bucket_points, red, returned) == (Decimal(4), Decimal("1.5"), Decimal(0))
    assert total == Decimal("98.83")


@pytest.mark.django_db
def test_ratio_caps_and_the_bucket_cap_bound_the_points():
    scheme = services.scheme_create_default()
    figures = Figures(signed_count=100, signed_amount=500 * YI, signed_started_count=100)
    figures.bands.update(signed_band_20=5)  # 5 × 3 = 15 bucket points, at most 10
    target = Target(signed_amount=50 * YI, signed_count=20, funds_amount=0)
    *_rest, bucket_points, _red, _ret, total = score_one(
        SchemeValues.of(scheme), figures, target, Decimal(1)
    )
    # 48 + 36 + 20 + 0 (no funds target: nothing to score against) + 10
    assert bucket_points == Decimal(10)
    assert total == Decimal("114.00")


@pytest.mark.django_db
def test_a_new_version_is_in_force_from_its_year_and_the_old_one_stays():
    first = services.scheme_create_default()
    data = dict(services.DEFAULT_SCHEME, year_from=2025, name="2025年考评办法")
    data["indicators"] = [dict(i, weight="25") for i in data["indicators"]]
    second = services.scheme_create(by=None, **data)
    assert (first.version, second.version) == (1, 2)
    assert scheme_in_force(2023) == first
    assert scheme_in_force(2026) == second
    assert scheme_in_force(2022) is None


def _refused(**changes) -> str:
    data = dict(services.DEFAULT_SCHEME, **changes)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.scheme_create(by=None, **data)
    assert not ScoringScheme.objects.exists()
    return " ".join(caught.value.messages)


@pytest.mark.django_db
def test_bad_schemes_are_refused_in_chinese_with_nothing_saved():
    weights = [
        {"key": "signed_amount", "weight": "60", "cap": "1.2"},
        {"key": "signed_count", "weight": "50", "cap": "1.2"},
    ]
    assert "权重合计110,超过100" in _refused(indicators=weights)
    capped = [{"key": "signed_amount", "weight": "40", "cap": "-0.1"}]
    assert "上限不能小于0" in _refused(indicators=capped)
    overlapping = [
        {"low": "3", "high": "10", "points": "1"},
        {"low": "5", "high": "20", "points": "2"},
    ]
    assert "区间重叠" in _refused(buckets=overlapping)
    assert "区间边界" in _refused(buckets=[{"low": "4", "high": "10", "points": "1"}])
    assert "不能小于0" in _refused(bucket_cap="-1")
    # Over 100 is allowed when the scheme says weights may sum to more.
    services.scheme_create(
        by=None, **dict(services.DEFAULT_SCHEME, indicators=weights, weights_at_most_100=False)
    )
    assert ScoringScheme.objects.count() == 1


def _form(**changes) -> dict:
    data = {
        "name": "2024年考评办法",
        "year_from": "2024",
        "weights_at_most_100": "on",
        "buckets": "3,10,1\n10,20,2\n20,,3",
        "bucket_cap": "10",
        "red_light_deduction": "0.5",
        "returned_false_deduction": "2",
        "black_list_gap": "20",
        "black_list_no_signing": "on",
        "w_signed_amount": "40",
        "c_signed_amount": "1.2",
        "w_signed_count": "30",
        "c_signed_count": "1.2",
        "w_start_rate": "20",
        "c_start_rate": "1",
        "w_funds": "10",
        "c_funds": "1.2",
    }
    data.update(changes)
    return data


def test_city_staff_save_a_version_on_the_page_and_bad_input_saves_nothing(client, demo_users):
    from django.urls import reverse

    url = reverse("scoring:schemes")
    client.force_login(demo_users["leader"])
    assert client.get(url).status_code == 403
    client.force_login(demo_users["city_staff"])
    refused = client.post(url, _form(buckets="3,10,1\n5,20,2"))
    assert "区间重叠" in refused.content.decode()
    refused = client.post(url, _form(w_funds="40"))
    assert "权重合计130,超过100" in refused.content.decode()
    assert not ScoringScheme.objects.exists()
    assert client.post(url, _form()).status_code == 302
    scheme = ScoringScheme.objects.get()
    assert (scheme.version, scheme.year_from, scheme.created_by) == (
        1,
        2024,
        demo_users["city_staff"],
    )
    assert [b["high"] for b in scheme.buckets] == ["10", "20", None]


@pytest.mark.django_db
def test_red_and_black_list_rules_are_validated_and_used_by_the_bulletin():
    """The 红黑榜 rules are part of the scheme: bounds refused in Chinese, nothing saved; the
    bulletin's lists follow them (lead, gap, no signing, red lights at the period's end)."""
    from core.models import Region
    from scoring.documents import _black_rule, _red_list_rule, lists
    from scoring.periods import assessment_period

    assert "不能超过100" in _refused(black_list_gap="120")
    assert "0到100之间" in _refused(red_list_lead="-1")
    assert "至少为1" in _refused(black_list_red_lights=0)
    assert "须为整数" in _refused(black_list_red_lights="1.5")
    assert not ScoringScheme.objects.exists()
    scheme = services.scheme_create(
        by=None,
        **dict(
            services.DEFAULT_SCHEME,
            red_list_lead="5",
            black_list_gap="10",
            black_list_no_signing=False,
            black_list_red_lights=3,
        ),
    )
    q1 = assessment_period(2023, "q1")  # 时序进度 25%
    a, b, c, d = (Region(name=n) for n in "甲乙丙丁")
    rows = [
        (a, Figures(signed_count=5, red_lights=3), None, Decimal("31"), 1),  # ahead 6, 3 red
        (b, Figures(signed_count=3), None, Decimal("28"), 2),  # ahead 3: not on the red list
        (c, Figures(signed_count=1), None, Decimal("14"), 3),  # behind 11 > 10
        (d, Figures(signed_count=0), None, None, 4),  # nothing signed: rule switched off
    ]
    assert lists(q1, rows, scheme) == (["甲"], ["甲", "丙"])
    assert "超过时序进度5个百分点" in _red_list_rule(scheme)
    assert "落后时序进度10个百分点以上" in _black_rule(scheme)
    assert "无签约" not in _black_rule(scheme) and "红灯" in _black_rule(scheme)

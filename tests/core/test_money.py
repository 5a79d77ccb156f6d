from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.money import MAX_WAN, format_wan, format_yi, parse_amount


@pytest.mark.parametrize(
    ("text", "wan"),
    [
        ("3500", Decimal("3500")),
        ("3.5亿", Decimal("35000")),
        ("3500万", Decimal("3500")),
        ("3500万元", Decimal("3500")),
        ("¥1,000,000元", Decimal("100")),
        ("356.69亿元", Decimal("3566900")),
        ("0.01元", Decimal("0.000001")),
        (" 12,345.5 ", Decimal("12345.5")),
    ],
)
def test_amounts_with_units_are_parsed_to_wan(text, wan):
    assert parse_amount(text) == wan


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("-5", "不能为负数"),
        ("-0", "不能为负数"),
        ("NaN", "不是有效金额"),
        ("inf", "不是有效金额"),
        ("1e5", "不是有效金额"),
        ("1_000", "不允许的字符"),
        ("３５００", "不允许的字符"),
        ("100000001", "超过1万亿元"),
        ("1.5万亿", "不是有效金额"),
        ("0.001元", "精确到分"),
        ("", "请输入金额"),
        ("12,34", "不是有效金额"),
    ],
)
def test_bad_amounts_are_refused_with_a_chinese_message(text, message_part):
    with pytest.raises(ValidationError) as info:
        parse_amount(text)
    assert message_part in " ".join(info.value.messages)


def test_floats_are_refused_because_they_already_lost_exactness():
    with pytest.raises(ValidationError):
        parse_amount(0.1)


def test_decimal_nan_and_negative_zero_are_refused():
    for value in (Decimal("NaN"), Decimal("-0"), Decimal("Infinity")):
        with pytest.raises(ValidationError):
            parse_amount(value)


def test_display_in_wan_and_yi():
    assert format_wan(Decimal("3566900")) == "3,566,900.00"
    assert format_yi(Decimal("3566900")) == "356.69"
    assert format_yi(Decimal("357800")) == "35.78"


@given(st.decimals(min_value=0, max_value=MAX_WAN, places=6, allow_nan=False, allow_infinity=False))
def test_any_valid_wan_amount_round_trips_exactly_through_text(value):
    text = format(value, "f")
    assert parse_amount(text) == value
    assert parse_amount(f"{text}万") == value

"""One rule for formula injection in every export (issue 7, "Exports"): core.exports.safe_cell, which
the list exports (core.exports: pages' and API's, through cell_value), events and dashboards
(core.exports.xlsx_append) all call."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.exports import cell_value, safe_cell
from events.exports import safe_cell as events_safe_cell

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x/?"&A1)', "＝1"]
HARMLESS = ["晋中", "榆次区 = 1", "a-b", ""]
NUMBERS = [-1, 0, 5, -1.5, Decimal("-3500.5"), Decimal("12")]


def list_export_cell(value):
    """A cell of a list export (pages' and API's) as the xlsx writer gets it."""
    return cell_value(value, for_csv=False)


HELPERS = [safe_cell, events_safe_cell, list_export_cell]


@pytest.mark.parametrize("helper", HELPERS, ids=lambda h: f"{h.__module__}.{h.__name__}")
def test_every_export_helper_applies_the_shared_rule(helper):
    for text in DANGEROUS:
        assert helper(text) == "'" + text, text  # shown as text, never run
    for text in HARMLESS:
        assert helper(text) == text, text
    for number in NUMBERS:  # a negative number is data, not a formula: it stays a number
        assert helper(number) == number and not isinstance(helper(number), str), number

"""One meaning of a confidence everywhere: high / mid / low, and what gets flagged."""

from __future__ import annotations

import math

import pytest

from explorer.core.analysis import analyze
from explorer.core.confidence import HIGH_CONFIDENCE, LOW_CONFIDENCE, confidence_band, is_low
from tests.core import invoice_job


@pytest.mark.parametrize(
    ("confidence", "band"),
    [
        (1.0, "high"),
        (0.9, "high"),
        (0.8999, "mid"),
        (0.7, "mid"),
        (0.6999, "low"),
        (0.0, "low"),
        (-1.0, "low"),
        (math.nan, "low"),  # not a number is never shown as trustworthy
        (math.inf, "high"),
    ],
)
def test_bands(confidence: float, band: str) -> None:
    assert confidence_band(confidence) == band


def test_thresholds_are_the_documented_ones() -> None:
    assert (HIGH_CONFIDENCE, LOW_CONFIDENCE) == (0.9, 0.7)
    assert is_low(0.69) and not is_low(0.7) and not is_low(None) and is_low(math.nan)
    assert is_low(0.75, threshold=0.8) and not is_low(0.8, threshold=0.8)


def test_analysis_flags_exactly_the_low_band() -> None:
    analysis = analyze(invoice_job())
    assert analysis.low_confidence == LOW_CONFIDENCE
    flagged = {r.path_str for r in analysis.rows if r.path in analysis.flagged and not r.problems}
    low = {
        r.path_str
        for r in analysis.rows
        if r.confidence is not None and confidence_band(r.confidence) == "low"
    }
    # vendor.address 0.2, line_items[1].amount 0.6, tags 0.5; line_items[1].description is 0.7
    assert low == {".vendor.address", ".line_items[1].amount", ".tags[0]", ".tags[1]"}
    assert flagged == low

"""What a confidence means on screen: the two thresholds and the band a value falls in.

The API gives confidences as numbers in ``0..1``. At or above :data:`HIGH_CONFIDENCE` a field is
*high*, at or above :data:`LOW_CONFIDENCE` *mid*, below it *low* (and flagged: the Fields view
can move that threshold, the colours stay). NaN compares false with everything, so it is low.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["HIGH_CONFIDENCE", "LOW_CONFIDENCE", "Band", "confidence_band", "is_low"]

#: At or above this a confidence is high.
HIGH_CONFIDENCE = 0.9
#: Below this a confidence is low, and the field is flagged (the default of the Fields view).
LOW_CONFIDENCE = 0.7

Band = Literal["high", "mid", "low"]


def confidence_band(confidence: float) -> Band:
    """``>= 0.9`` high, ``>= 0.7`` mid, otherwise (NaN included) low."""
    if confidence >= HIGH_CONFIDENCE:
        return "high"
    if confidence >= LOW_CONFIDENCE:
        return "mid"
    return "low"


def is_low(confidence: float | None, threshold: float = LOW_CONFIDENCE) -> bool:
    """Whether a known confidence is below ``threshold`` (an unknown one is not flagged)."""
    return confidence is not None and not confidence >= threshold

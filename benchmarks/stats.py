"""Small statistics over samples: medians, minimums and percentiles, nothing that needs numpy."""

from __future__ import annotations

import math
from collections.abc import Sequence


def median(samples: Sequence[float]) -> float:
    """The median; NaN for no samples (a figure that measured nothing says so)."""
    return percentile(samples, 50.0)


def minimum(samples: Sequence[float]) -> float:
    """The smallest sample, NaN ignored (a run that measured nothing); NaN for none left.

    Beside the median it is the min of N: on a noisy machine the best run is the one the
    least disturbed, the closest to what the code itself costs.
    """
    kept = [s for s in samples if not math.isnan(s)]
    return min(kept) if kept else math.nan


def min_ratio(over: Sequence[float], under: Sequence[float]) -> float:
    """The min of N of a ratio of two sides measured in turn: the ratio of their minimums."""
    return minimum(over) / minimum(under)


def percentile(samples: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (numpy's default), NaN for no samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)

"""What a figure is, and how a run is printed: a Markdown table and the same as JSON.

Each figure shows its median and, beside it, its min of N: the machines these run on are
shared and noisy, and the best of N runs is the one the least disturbed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.stats import minimum


@dataclass
class Figure:
    """One measured number next to its target (``target`` None: reported for context only)."""

    #: The benchmark that produced it (what ``--only`` selects).
    group: str
    title: str
    value: float | None
    unit: str
    target: float | None = None
    #: One value per run (or per key press) measured the way ``value`` is: a per-run p95 for a
    #: p95 figure, a per-run ratio for a ratio. ``value`` is usually their median; the table's
    #: min column is the smallest of them.
    samples: list[float] = field(default_factory=list)
    note: str = ""
    #: ``ok``, ``skipped`` (a prerequisite is missing) or ``error`` (the harness broke).
    status: str = "ok"
    #: The min of N when it is not the smallest sample. A ratio of two sides measured in turn
    #: gives the ratio of their minimums (each side's least disturbed run): the smallest of the
    #: per-run ratios would be the run whose baseline was the most disturbed. None: the
    #: smallest of ``samples``.
    min_value: float | None = None

    @property
    def met(self) -> bool | None:
        """True/False against the target; None when there is no target or no number."""
        if self.status != "ok" or self.target is None or self.value is None:
            return None
        if math.isnan(self.value):
            return None
        return self.value <= self.target

    @property
    def minimum(self) -> float | None:
        """The min of N beside the median (``min_value``, else the smallest sample); None for
        fewer than two samples: one run has no best run to show."""
        if self.status != "ok" or len(self.samples) < 2:
            return None
        least = minimum(self.samples) if self.min_value is None else self.min_value
        return None if math.isnan(least) else least

    def shown(self) -> str:
        """The measured value as a person reads it."""
        if self.status == "skipped":
            return f"skipped ({self.note})" if self.note else "skipped"
        if self.status == "error":
            return "error"
        return format_value(self.value, self.unit)

    def min_text(self) -> str:
        """The minimum as a person reads it; "—" when there is no choice of runs."""
        least = self.minimum
        return "—" if least is None else format_value(least, self.unit)

    def target_text(self) -> str:
        if self.target is None:
            return "—"
        return f"<= {self.target:g}x" if self.unit == "x" else f"<= {self.target:g} {self.unit}"

    def met_text(self) -> str:
        if self.status == "error":
            return "error"
        if self.status == "skipped":
            return "skipped"
        met = self.met
        return "—" if met is None else "yes" if met else "NO"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["met"] = self.met
        data["display"] = self.shown()
        data["minimum"] = self.minimum
        data["minimum_display"] = self.min_text()
        data["target_display"] = self.target_text()
        # JSON has no NaN: an empty measurement is null
        for key in ("value", "min_value"):
            if data[key] is not None and math.isnan(data[key]):
                data[key] = None
        return data


def format_value(value: float | None, unit: str) -> str:
    """``0.43 s``, ``5.2 ms``, ``2.31x``, ``0.8 KB``, ``2 requests``."""
    if value is None or math.isnan(value):
        return "n/a"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "s":
        return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "KB":
        return f"{value:.2f} KB" if value < 10 else f"{value:.1f} KB"
    if unit == "MB":
        return f"{value:.1f} MB"
    if value == int(value):
        return f"{int(value)} {unit}".strip()
    return f"{value:.2f} {unit}".strip()


def render_table(figures: list[Figure], hardware: str, header: str = "") -> str:
    """The run as a Markdown table (pastes into the README and the issue), notes below it.

    Columns: the figure, its median (its value), its min of N ("—" for one sample or none),
    the target and whether the median meets it.
    """
    rows = [("figure", "median", "min", "target", "met?")]
    rows += [(f.title, f.shown(), f.min_text(), f.target_text(), f.met_text()) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"

    out = []
    if header:
        out.append(header)
    out.append(f"Machine: {hardware}")
    out.append("")
    out.append(line(rows[0]))
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    out.extend(line(row) for row in rows[1:])
    notes = [f for f in figures if f.note and f.status != "skipped"]
    if notes:
        out.append("")
        out.extend(f"- {f.title}: {f.note}" for f in notes)
    return "\n".join(out)


def exit_errors(results: list[dict[str, Any]]) -> str:
    """A note on runs whose app raised while shutting down (their numbers still count)."""
    errors = [r["teardown_error"] for r in results if r.get("teardown_error")]
    if not errors:
        return ""
    return f"; the app raised on exit in {len(errors)} of {len(results)} runs: {errors[0][:120]}"

"""Field-by-field comparison of two jobs, e.g. one document extracted with two tiers.

Fields are matched by path (``.vendor.name``, ``.[41].amount``). Only values in the result
count: metadata for fields a result lacks is ignored. ``same`` means an equal value; its
confidence may still have moved (see ``confidence_delta``). Numbers compare by value
(``1 == 1.0``), but ``true`` is not ``1`` and ``NaN`` equals ``NaN``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from explorer.core.fields import FieldRow, field_rows, gc_paused
from explorer.core.jsonpath import Path

__all__ = ["DiffSummary", "FieldChange", "change_to_json", "diff_jobs", "diff_rows", "diff_summary"]

KINDS = ("changed", "added", "removed", "same")


@dataclass(slots=True)
class FieldChange:
    """How one field differs between job A (old) and job B (new)."""

    path: Path
    path_str: str
    kind: str
    """``changed``, ``added`` (only in B), ``removed`` (only in A) or ``same``."""
    old: Any
    new: Any
    old_confidence: float | None
    new_confidence: float | None
    confidence_delta: float | None
    """``new - old`` when both confidences are known."""
    old_type: str | None = None
    new_type: str | None = None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value, booleans apart from numbers, NaN equal to itself."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        tx, ty = type(x), type(y)
        if tx is bool or ty is bool or x is None or y is None:
            if x is not y:
                return False
        elif tx in (int, float) and ty in (int, float):
            if x != y and not (tx is float and ty is float and math.isnan(x) and math.isnan(y)):
                return False
        elif tx is dict and ty is dict:
            if x.keys() != y.keys():
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif tx is list and ty is list:
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif tx is not ty or x != y:
            return False
    return True


def _change(kind: str, a: FieldRow | None, b: FieldRow | None) -> FieldChange:
    oc = a.confidence if a is not None else None
    nc = b.confidence if b is not None else None
    row = a if a is not None else b
    assert row is not None
    delta = nc - oc if oc is not None and nc is not None else None
    return FieldChange(
        row.path,
        row.path_str,
        kind,
        a.value if a is not None else None,
        b.value if b is not None else None,
        oc,
        nc,
        delta,
        a.type if a is not None else None,
        b.type if b is not None else None,
    )


def diff_rows(
    old: Iterable[FieldRow], new: Iterable[FieldRow], *, include_same: bool = False
) -> list[FieldChange]:
    """Compare two sets of field rows by path, in the new job's order with removals in place."""
    a_rows = [r for r in old if r.in_result]
    b_rows = [r for r in new if r.in_result]
    a_by = {r.path: r for r in a_rows}
    b_pos = {r.path: i for i, r in enumerate(b_rows)}
    out: list[FieldChange] = []
    j = 0  # next row of B not yet emitted

    def flush_added(upto: int) -> None:
        nonlocal j
        while j < upto:
            r = b_rows[j]
            if r.path not in a_by:
                out.append(_change("added", None, r))
            j += 1

    for ra in a_rows:
        pos = b_pos.get(ra.path)
        if pos is None:
            out.append(_change("removed", ra, None))
            continue
        flush_added(pos)
        j = max(j, pos + 1)
        rb = b_rows[pos]
        if _same(ra.value, rb.value):
            if include_same:
                out.append(_change("same", ra, rb))
        else:
            out.append(_change("changed", ra, rb))
    flush_added(len(b_rows))
    return out


def diff_jobs(a: Any, b: Any, *, include_same: bool = False) -> list[FieldChange]:
    """Compare the results of two jobs field by field (A is old, B is new)."""
    with gc_paused():
        return diff_rows(field_rows(a), field_rows(b), include_same=include_same)


class DiffSummary(NamedTuple):
    """Counts of a diff, and the mean confidence change over fields present in both."""

    changed: int
    added: int
    removed: int
    same: int
    mean_confidence_delta: float | None


def diff_summary(changes: Iterable[FieldChange]) -> DiffSummary:
    """Count the changes by kind."""
    counts = dict.fromkeys(KINDS, 0)
    total, n = 0.0, 0
    for c in changes:
        counts[c.kind] = counts.get(c.kind, 0) + 1
        if c.confidence_delta is not None:
            total += c.confidence_delta
            n += 1
    mean = total / n if n and math.isfinite(total) else None
    return DiffSummary(counts["changed"], counts["added"], counts["removed"], counts["same"], mean)


def change_to_json(change: FieldChange) -> dict[str, Any]:
    """Return a change as a plain JSON dict."""
    return {
        "path": change.path_str,
        "kind": change.kind,
        "old": change.old,
        "new": change.new,
        "old_type": change.old_type,
        "new_type": change.new_type,
        "old_confidence": change.old_confidence,
        "new_confidence": change.new_confidence,
        "confidence_delta": change.confidence_delta,
    }

"""One-line summaries of a job's result, for the Overview pane and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from explorer.api.models import ExtractJob


def count_leaves(value: object, limit: int = 1_000_000) -> int:
    """Leaves (scalars, empty containers) in a JSON value, counted iteratively up to ``limit``.

    Containers are walked through iterators, so a lazily parsed array is read only as far as
    the count goes.
    """
    if not (isinstance(value, dict | list) and value):
        return 1
    count = 0
    stack: list[Iterator[Any]] = [iter(value.values() if isinstance(value, dict) else value)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, dict) and item:
                stack.append(iter(item.values()))
                break
            if isinstance(item, list) and item:
                stack.append(iter(item))
                break
            count += 1
            if count >= limit:
                return count
        else:
            stack.pop()
    return count


def estimate_leaves(value: object, limit: int = 1_000_000) -> int:
    """:func:`count_leaves`, but a long array is counted from a sample of its items.

    Exact for anything but arrays of more than 256 items; for those, the mean over 64 items
    spread along the array times its length (a lazily parsed array is not read through).
    """
    if isinstance(value, list) and len(value) > 256:
        n = len(value)
        picks = [value[i * (n - 1) // 63] for i in range(64)]
        return min(limit, round(sum(count_leaves(p, limit) for p in picks) * n / 64))
    return count_leaves(value, limit)


def result_shape(job: ExtractJob) -> str:
    """Like "12 fields", "4 pages · 31 fields", "50,000 rows", or why there is no result."""
    result = job.extract_result
    if result is None:
        if job.status == "FAILED":
            return "no result: the job failed"
        if job.status == "CANCELLED":
            return "no result: the job was cancelled"
        if not job.is_terminal:
            from explorer.core.sanitize import safe_text

            return f"not yet: the job is {safe_text(job.status, 40)}"
        return "no result"
    target = job.extraction_target
    if isinstance(result, list):
        unit = "pages" if target == "per_page" else "rows" if target == "per_table_row" else "items"
        if len(result) == 1:
            unit = unit.rstrip("s")
        text = f"{len(result):,} {unit}"
        if len(result) <= 2000:
            text += f" · {count_leaves(result):,} fields"
        return text
    if isinstance(result, dict):
        return f"{count_leaves(result):,} fields"
    return f"a bare {type(result).__name__} (expected an object or a list)"

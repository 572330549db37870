"""One-line summaries of a job's result, for the Overview pane and the CLI."""

from __future__ import annotations

from explorer.api.models import ExtractJob


def count_leaves(value: object, limit: int = 1_000_000) -> int:
    """Leaves (scalars, empty containers) in a JSON value, counted iteratively up to ``limit``."""
    count = 0
    stack = [value]
    while stack and count < limit:
        item = stack.pop()
        if isinstance(item, dict) and item:
            stack.extend(item.values())
        elif isinstance(item, list) and item:
            stack.extend(item)
        else:
            count += 1
    return count


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

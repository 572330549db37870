"""Everything the debugger panes need from one job, computed once (off the UI thread).

Field rows with schema problems attached, the health summary, the problems by path, and which
leaves are flagged (a schema problem or low confidence), so ``n``/``N`` can jump between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from explorer.core.confidence import LOW_CONFIDENCE, is_low
from explorer.core.fields import FieldRow, JobHealth, field_rows, job_health
from explorer.core.jsonpath import Path, format_path
from explorer.core.schema_check import CheckResult, attach_problems, check_job
from explorer.core.summary import count_leaves

#: Past this many leaves the analysis waits until the user asks for it (memory and time).
AUTO_ANALYSIS_LEAVES = 250_000


@dataclass
class Analysis:
    """The result of analysing one job."""

    job_id: str
    rows: list[FieldRow] = field(default_factory=list)
    health: JobHealth | None = None
    check: CheckResult | None = None
    #: result path -> schema problem messages
    problems: dict[Path, list[str]] = field(default_factory=dict)
    #: paths (and all their ancestors) holding a flagged leaf, for fast n/N
    flagged: set[Path] = field(default_factory=set)
    low_confidence: float = LOW_CONFIDENCE

    @property
    def problem_count(self) -> int:
        return sum(len(v) for v in self.problems.values())


def is_large(job: dict[str, Any]) -> bool:
    """Whether analysing this job should wait for an explicit request."""
    result = job.get("extract_result")
    return count_leaves(result, limit=AUTO_ANALYSIS_LEAVES + 1) > AUTO_ANALYSIS_LEAVES


def analyze(job: dict[str, Any], low_confidence: float = LOW_CONFIDENCE) -> Analysis:
    """Flatten, check against the schema and summarise one job (plain JSON dict)."""
    analysis = Analysis(job_id=str(job.get("id", "")), low_confidence=low_confidence)
    rows = field_rows(job)
    check = check_job(job)
    analysis.check = check
    if check.problems:
        rows = attach_problems(rows, check.problems, job.get("extract_result"))
        for problem in check.problems:
            analysis.problems.setdefault(problem.path, []).append(problem.message)
    analysis.rows = rows
    analysis.health = job_health(rows)
    flagged: set[Path] = set()
    for row in rows:
        if row.problems or is_low(row.confidence, low_confidence):
            path = row.path
            for depth in range(len(path) + 1):
                flagged.add(path[:depth])
    analysis.flagged = flagged
    return analysis


def health_line(analysis: Analysis) -> str:
    """ "29 fields · mean 0.84 · lowest 0.44 at .invoice_number · 62% cited · 2 problems"."""
    health = analysis.health
    if health is None:
        return "not analysed"
    parts = [f"{health.fields:,} fields"]
    if health.mean_confidence is not None:
        parts.append(f"mean confidence {health.mean_confidence:.2f}")
    if health.lowest is not None:
        path, value = health.lowest
        parts.append(f"lowest {value:.2f} at {format_path(path)}")
    if health.share_cited is not None:
        parts.append(f"{health.share_cited:.0%} cited")
    check = analysis.check
    if check is not None and check.error:
        parts.append(f"schema not checked: {check.error}")
    else:
        count = analysis.problem_count
        parts.append(f"{count} schema problem{'s' if count != 1 else ''}" if count else "schema ok")
        if check is not None and check.unchecked:
            parts.append(f"{check.unchecked:,} not pattern-checked (too complex)")
    return " · ".join(parts)

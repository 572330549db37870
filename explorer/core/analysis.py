"""Everything the debugger panes need from one job, computed once (off the UI thread).

Field rows with schema and grounding problems attached, the health summary, the problems by
path, and which leaves are flagged (a problem or low confidence), so ``n``/``N`` can jump between
them. Grounding is checked first against the metadata alone (boxes, what was asked for); when the
document arrives, :func:`reground` checks the citations against it and replaces those problems.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from explorer.core.confidence import LOW_CONFIDENCE, is_low
from explorer.core.fields import (
    FieldRow,
    JobHealth,
    field_rows_and_errors,
    gc_paused,
    item_count,
    job_health,
)
from explorer.core.grounding import GroundingProblem, GroundingReport, check_grounding
from explorer.core.jsonpath import Path, format_path
from explorer.core.schema_check import CheckResult, attach_problems, check_job
from explorer.core.summary import estimate_leaves

if TYPE_CHECKING:
    from explorer.core.document import Document

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
    #: The grounding check (against the document once it is known).
    grounding: GroundingReport | None = None
    #: result path -> grounding problems
    ungrounded: dict[Path, list[GroundingProblem]] = field(default_factory=dict)
    #: The configuration the job ran with (what was asked for: confidence, citations).
    configuration: dict[str, Any] | None = None
    #: Paths whose metadata is an error (a page that failed).
    failed: set[Path] = field(default_factory=set)

    @property
    def problem_count(self) -> int:
        """Schema problems found."""
        return sum(len(v) for v in self.problems.values())

    @property
    def grounding_count(self) -> int:
        """Grounding problems found."""
        return len(self.grounding.problems) if self.grounding is not None else 0


def is_large(job: dict[str, Any]) -> bool:
    """Whether analysing this job should wait for an explicit request."""
    result = job.get("extract_result")
    return estimate_leaves(result, limit=AUTO_ANALYSIS_LEAVES + 1) > AUTO_ANALYSIS_LEAVES


#: Progress of an analysis: (what it is doing, fraction of the whole done).
Progress = Callable[[str, float], None]


def _stage(progress: Progress | None, what: str, start: float, span: float, total: int) -> Any:
    """``progress`` for one stage: items done of ``total`` mapped onto [start, start+span]."""
    if progress is None or total <= 0:
        return None
    return lambda done: progress(what, start + span * min(1.0, done / total))


def analyze(
    job: dict[str, Any],
    low_confidence: float = LOW_CONFIDENCE,
    document: Document | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Flatten, check against the schema and the document, and summarise one job (plain JSON).

    ``progress(what, fraction)`` hears now and then how far it is (for big jobs).
    """
    # Everything built here lives as long as the analysis and holds no cycles: the cyclic
    # collector is kept off while it is built (its passes over a growing heap of a million
    # rows would each hold the interpreter for a fraction of a second, freezing the UI's
    # thread too), and a big analysis is frozen out of the collector's later passes.
    with gc_paused():
        analysis = _analyze(job, low_confidence, document, progress)
        if len(analysis.rows) >= FREEZE_ROWS:
            gc.freeze()
    return analysis


#: Analyses of at least this many rows are frozen out of the garbage collector's passes.
FREEZE_ROWS = 50_000


def _analyze(
    job: dict[str, Any],
    low_confidence: float,
    document: Document | None,
    progress: Progress | None,
) -> Analysis:
    analysis = Analysis(job_id=str(job.get("id", "")), low_confidence=low_confidence)
    items = item_count(job) or 0
    rows, errors = field_rows_and_errors(job, _stage(progress, "field table", 0.0, 0.55, items))
    check = check_job(job, _stage(progress, "schema check", 0.55, 0.3, items))
    if progress is not None:
        progress("grounding", 0.85)
    analysis.check = check
    if check.problems:
        rows = attach_problems(rows, check.problems, job.get("extract_result"))
        for problem in check.problems:
            analysis.problems.setdefault(problem.path, []).append(problem.message)
    analysis.rows = rows
    analysis.health = job_health(rows)
    cfg = job.get("configuration")
    analysis.configuration = cfg if isinstance(cfg, dict) else None
    analysis.failed = {path for path, _ in errors}
    set_grounding(
        analysis, check_grounding(rows, analysis.configuration, document, analysis.failed)
    )
    return analysis


def reground(analysis: Analysis, document: Document | None) -> Analysis:
    """Check the analysed job's citations against ``document`` (replacing the earlier check)."""
    report = check_grounding(analysis.rows, analysis.configuration, document, analysis.failed)
    set_grounding(analysis, report)
    return analysis


def set_grounding(analysis: Analysis, report: GroundingReport) -> None:
    """Replace the analysis's grounding problems (on its rows, flags and counts) by these."""
    old = analysis.ungrounded
    by_path = report.by_path()
    for row in analysis.rows:
        if row.path in old:
            stale = {p.message for p in old[row.path]}
            row.problems[:] = [m for m in row.problems if m not in stale]
        for problem in by_path.get(row.path, ()):
            row.problems.append(problem.message)
    analysis.grounding = report
    analysis.ungrounded = by_path
    flagged: set[Path] = set()
    low = analysis.low_confidence
    for row in analysis.rows:
        if row.problems or is_low(row.confidence, low):
            path = row.path
            for depth in range(len(path) + 1):
                flagged.add(path[:depth])
    analysis.flagged = flagged


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
    parts.append(grounding_text(analysis))
    return " · ".join(parts)


def grounding_text(analysis: Analysis) -> str:
    """ "3 ungrounded (document checked)" / "grounded in the document" / "...not checked"."""
    report = analysis.grounding
    if report is None:
        return "grounding not checked"
    count = len(report.problems)
    fields = len(analysis.ungrounded)
    if report.with_document:
        return f"{fields:,} ungrounded" if count else "grounded in the document"
    if count:
        return f"{fields:,} ungrounded (no document yet: metadata only)"
    return "citations not checked against a document"

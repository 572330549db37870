"""What the fleet cost and how it did, per day, week, configuration, tier or project.

:func:`usage_report` groups :class:`~explorer.core.fleet.FleetJob` rows in one pass and sums
each group: jobs by outcome, credits (marked when any were estimated from pages x the tier's
rate), pages, the failure rate, median and p95 durations and the mean confidence. Days and
weeks are UTC; a week starts on Monday. Every day (or week) of the window has a row, the
empty ones too, so a chart over time has no holes. :func:`bar` and :func:`sparkline` draw
those numbers in block characters for a terminal table.

Pure Python (no Textual, no HTTP); 100,000 jobs take a fraction of a second.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from explorer.api.models import TERMINAL_STATUSES
from explorer.core.fleet import FleetJob

__all__ = [
    "BY",
    "UsageReport",
    "UsageRow",
    "bar",
    "sparkline",
    "usage_report",
]

#: The groupings of a usage report.
BY = ("day", "week", "config", "tier", "project")
#: Days a window may span at most (a job dated in year 1 must not make 700,000 empty rows).
MAX_WINDOW_DAYS = 3_660
#: Key and label of the row of jobs with no creation time, or one outside the window.
UNDATED = ("", "(no date)")
OUTSIDE = ("~", "(outside the window)")
NO_TIER = "(no tier)"

_DAY = 86_400
#: 1970-01-01 was a Thursday: day numbers shifted by this start weeks on Monday.
_MONDAY_SHIFT = 3
_EPOCH = date(1970, 1, 1)


@dataclass
class UsageRow:
    """One group's jobs, credits, pages, failure rate, durations and confidence."""

    key: str
    label: str
    jobs: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    #: Not finished yet (PENDING, THROTTLED, RUNNING, or a status not known here).
    running: int = 0
    credits: float = 0.0
    #: Whether any of the credits were estimated (pages x the tier's rate).
    estimated: bool = False
    pages: int = 0
    #: failed / (completed + failed); None when neither.
    failure_rate: float | None = None
    #: Over the finished jobs (created to last change), seconds; p95 by nearest rank.
    median_duration: float | None = None
    p95_duration: float | None = None
    #: Over the jobs whose confidence is known (``confidence_jobs`` of them).
    mean_confidence: float | None = None
    confidence_jobs: int = 0


@dataclass
class UsageReport:
    """Rows of one grouping, their total and the credits and failure rate per day."""

    by: str
    #: day / week: oldest to newest, every one of the window; otherwise most credits first.
    rows: list[UsageRow]
    #: Computed from the jobs themselves (not by summing the rows).
    total: UsageRow
    #: (ISO day, credits) for every day of the window, zeros included.
    series: list[tuple[str, float]]
    #: (ISO day, failure rate or None) for every day of the window.
    failure_series: list[tuple[str, float | None]]
    since: float | None
    until: float


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _row(key: str, label: str, jobs: Sequence[FleetJob]) -> UsageRow:
    """Sum one group of jobs (one loop: the hot path of a 100,000-job report)."""
    completed = failed = cancelled = running = pages = conf_n = 0
    credits = conf_sum = 0.0
    estimated = False
    durations: list[float] = []
    terminal = TERMINAL_STATUSES
    for job in jobs:
        status = job.status
        if status == "COMPLETED":
            completed += 1
        elif status == "FAILED":
            failed += 1
        elif status == "CANCELLED":
            cancelled += 1
        elif status not in terminal:
            running += 1
        if job.credits is not None:
            credits += job.credits
            if job.credits_estimated:
                estimated = True
        if job.pages is not None:
            pages += job.pages
        if job.confidence is not None:
            conf_sum += job.confidence
            conf_n += 1
        if status in terminal and job.updated is not None and job.created:
            took = job.updated - job.created
            durations.append(took if took > 0 else 0.0)  # inline: max() costs a call a job
    durations.sort()
    decided = completed + failed
    return UsageRow(
        key=key,
        label=label,
        jobs=len(jobs),
        completed=completed,
        failed=failed,
        cancelled=cancelled,
        running=running,
        credits=credits,
        estimated=estimated,
        pages=pages,
        failure_rate=failed / decided if decided else None,
        median_duration=statistics.median(durations) if durations else None,
        p95_duration=_percentile(durations, 0.95) if durations else None,
        mean_confidence=conf_sum / conf_n if conf_n else None,
        confidence_jobs=conf_n,
    )


def _day_of(seconds: float) -> int:
    return int(seconds // _DAY)


def _iso_day(day: int) -> str:
    return (_EPOCH + timedelta(days=day)).isoformat()


def _week_of(day: int) -> int:
    """The week number (since the epoch) of a day number, weeks starting Monday."""
    return (day + _MONDAY_SHIFT) // 7


def _week_label(week: int) -> tuple[str, str]:
    monday = _EPOCH + timedelta(days=week * 7 - _MONDAY_SHIFT)
    year, number, _ = monday.isocalendar()
    key = f"{year}-W{number:02d}"
    return key, f"{key} ({monday.strftime('%b')} {monday.day})"


def _window(jobs: Sequence[FleetJob], now: float, since: float | None) -> tuple[int, int]:
    """First and last day number of the report (at most :data:`MAX_WINDOW_DAYS` long)."""
    last = _day_of(now)
    if since is not None:
        first = _day_of(since)
    else:
        dated = [job.created for job in jobs if job.created]
        first = _day_of(min(dated)) if dated else last
    return max(min(first, last), last - MAX_WINDOW_DAYS + 1), last


@dataclass
class _Days:
    """The jobs of each day of the window, and each day's credits and outcomes (summed in
    the same pass, for the series); the jobs outside the window and those with no date."""

    jobs: dict[int, list[FleetJob]]
    credits: dict[int, float]
    completed: dict[int, int]
    failed: dict[int, int]
    outside: list[FleetJob]
    undated: list[FleetJob]


def _by_day(jobs: Sequence[FleetJob], first: int, last: int) -> _Days:
    days: dict[int, list[FleetJob]] = {}
    credits: dict[int, float] = {}
    completed: dict[int, int] = {}
    failed: dict[int, int] = {}
    outside: list[FleetJob] = []
    undated: list[FleetJob] = []
    for job in jobs:
        created = job.created
        if not created:
            undated.append(job)
            continue
        day = int(created // _DAY)
        if not first <= day <= last:
            outside.append(job)
            continue
        bucket = days.get(day)
        if bucket is None:
            days[day] = [job]
        else:
            bucket.append(job)
        if job.credits is not None:
            credits[day] = credits.get(day, 0.0) + job.credits
        status = job.status
        if status == "COMPLETED":
            completed[day] = completed.get(day, 0) + 1
        elif status == "FAILED":
            failed[day] = failed.get(day, 0) + 1
    return _Days(days, credits, completed, failed, outside, undated)


def _time_rows(
    days: Mapping[int, list[FleetJob]], first: int, last: int, weekly: bool
) -> list[UsageRow]:
    """A row for every day (or week) from ``first`` to ``last``, the empty ones too."""
    if not weekly:
        return [_row(_iso_day(d), _iso_day(d), days.get(d, ())) for d in range(first, last + 1)]
    rows = []
    for week in range(_week_of(first), _week_of(last) + 1):
        monday = week * 7 - _MONDAY_SHIFT
        members = [job for day in range(monday, monday + 7) for job in days.get(day, ())]
        rows.append(_row(*_week_label(week), members))
    return rows


def _bucket_by_key(
    jobs: Sequence[FleetJob], by: str, project_names: Mapping[str, str]
) -> list[UsageRow]:
    groups: dict[str, list[FleetJob]] = {}
    labels: dict[str, str] = {}
    for job in jobs:
        if by == "config":
            key = job.configuration_id or job.configuration
        elif by == "tier":
            key = job.tier or ""
        else:
            key = job.project_id
        bucket = groups.get(key)
        if bucket is None:
            groups[key] = [job]
            if by == "config":
                labels[key] = job.configuration
            elif by == "tier":
                labels[key] = job.tier or NO_TIER
            else:
                labels[key] = project_names.get(key) or key or "(no project)"
        else:
            bucket.append(job)
    rows = [_row(key, labels[key], members) for key, members in groups.items()]
    rows.sort(key=lambda r: (-r.credits, -r.jobs, r.label))
    return rows


def usage_report(
    jobs: Sequence[FleetJob],
    by: str,
    *,
    now: float,
    since: float | None = None,
    project_names: Mapping[str, str] | None = None,
) -> UsageReport:
    """The jobs grouped ``by`` one of :data:`BY`, each group summed, with the total.

    The window runs from the day of ``since`` (else of the oldest job) to the day of ``now``,
    in UTC; jobs outside it (or with no creation time) get a row of their own under day and
    week. Config rows are labelled by the job's configuration label, project rows by
    ``project_names`` (else the id).
    """
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    first, last = _window(jobs, now, since)
    days = _by_day(jobs, first, last)
    if by in ("day", "week"):
        rows = _time_rows(days.jobs, first, last, weekly=by == "week")
        if days.outside:
            rows.append(_row(*OUTSIDE, days.outside))
        if days.undated:
            rows.append(_row(*UNDATED, days.undated))
    else:
        rows = _bucket_by_key(jobs, by, project_names or {})
    series: list[tuple[str, float]] = []
    failure_series: list[tuple[str, float | None]] = []
    for day in range(first, last + 1):
        iso = _iso_day(day)
        series.append((iso, days.credits.get(day, 0.0)))
        failed = days.failed.get(day, 0)
        decided = failed + days.completed.get(day, 0)
        failure_series.append((iso, failed / decided if decided else None))
    total = _row("total", "total", jobs)
    return UsageReport(by, rows, total, series, failure_series, since, now)


# -- drawing ----------------------------------------------------------------------------------

_EIGHTHS = " ▏▎▍▌▋▊▉█"
_LEVELS = "▁▂▃▄▅▆▇█"


def _finite(value: float | None) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def bar(value: float | None, maximum: float | None, width: int) -> str:
    """``value`` as a bar of block characters, ``width`` cells for ``maximum`` (in eighths).

    Nothing (an empty string) for a value that is not a number or a maximum of zero.
    """
    if width <= 0 or value is None or maximum is None:
        return ""
    if not (math.isfinite(value) and math.isfinite(maximum)) or maximum <= 0:
        return ""
    share = min(1.0, max(0.0, value / maximum))
    eighths = round(share * width * 8)
    if eighths == 0 and value > 0:
        eighths = 1  # something, however little, is not nothing
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def _resample(values: list[float | None], width: int) -> list[float | None]:
    """``values`` averaged into ``width`` buckets (None for a bucket with no number)."""
    out: list[float | None] = []
    n = len(values)
    for i in range(width):
        chunk = [v for v in values[i * n // width : (i + 1) * n // width] if v is not None]
        out.append(sum(chunk) / len(chunk) if chunk else None)
    return out


def sparkline(values: Sequence[float | None], width: int | None = None) -> str:
    """One block character per value, scaled to the largest (a space for None or NaN).

    Zero is the lowest block; anything above zero at least the second, so a quiet day and an
    empty one look different. With ``width`` and more values than that, values are averaged
    into ``width`` characters.
    """
    clean: list[float | None] = [float(v) if _finite(v) else None for v in values]
    if width is not None and 0 < width < len(clean):
        clean = _resample(clean, width)
    numbers = [v for v in clean if v is not None]
    top = max(numbers) if numbers else 0.0
    out = []
    for v in clean:
        if v is None:
            out.append(" ")
        elif v <= 0 or top <= 0:
            out.append(_LEVELS[0])
        else:
            out.append(_LEVELS[max(1, min(7, math.ceil(v / top * 7)))])
    return "".join(out)

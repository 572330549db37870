"""The fleet: every job the key can see over a period, as compact rows for failures and usage.

A :class:`FleetJob` keeps what the fleet views need of a job (status, times, configuration,
tier, document, error, credits, pages) and nothing else, so weeks of history for a whole
organisation fit in a few megabytes. :func:`load_fleet` walks the job list of each project
newest first, one page at a time (the list's own ``created_at_on_or_after`` filter does the
cut at ``since``; a server that ignores it is cut here), reporting progress as pages arrive.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from explorer.api.models import TIER_CREDITS_PER_PAGE, ExtractJob, JobPage
from explorer.core.store import group_key

__all__ = [
    "FleetJob",
    "FleetLoad",
    "FleetProgress",
    "PageFetcher",
    "fleet_job",
    "load_fleet",
    "mean_confidence",
    "parse_since",
]

#: ``fetch(project_id, page_token, since)`` -> one page of that project's jobs, newest first.
PageFetcher = Callable[[str, str | None, datetime | None], Awaitable[JobPage]]

#: Pages one project may take before the walk stops (a server handing out tokens forever).
MAX_PAGES_PER_PROJECT = 10_000


@dataclass(frozen=True, slots=True)
class FleetJob:
    """One job as the fleet views see it."""

    id: str
    project_id: str
    status: str
    #: Seconds since the epoch (UTC); 0.0 when the job carried no creation time.
    created: float
    #: Last change (for a finished job: when it finished), seconds since the epoch.
    updated: float | None
    configuration_id: str | None
    #: A saved configuration's name (or id), or ``inline: target · tier``.
    configuration: str
    tier: str | None
    parse_tier: str | None
    document: str | None
    file_name: str | None
    error_message: str | None
    #: Credits the job cost: the API's ``usage.credits``, or an estimate (pages x tier rate).
    credits: float | None
    credits_estimated: bool
    pages: int | None
    #: Mean confidence of its fields, when its field metadata was read.
    confidence: float | None = None

    @property
    def duration(self) -> float | None:
        """Created to last change, in seconds (the running time so far for a job not done)."""
        if self.updated is None or not self.created:
            return None
        return max(0.0, self.updated - self.created)

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.created, UTC)


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def fleet_job(job: ExtractJob, *, confidence: float | None = None) -> FleetJob:
    """The fleet row of a job (``confidence`` when the caller read its metadata)."""
    pages = job.pages_billed
    credits = _number(job.usage.credits) if job.usage is not None else None
    estimated = False
    tier = job.tier
    if credits is None and pages is not None and tier in TIER_CREDITS_PER_PAGE:
        credits = float(pages * TIER_CREDITS_PER_PAGE[tier])
        estimated = True
    config = job.configuration
    if confidence is None:
        confidence = mean_confidence(job)
    return FleetJob(
        id=job.id,
        project_id=job.project_id or "",
        status=job.status,
        created=_epoch(job.created_at) or 0.0,
        updated=_epoch(job.updated_at),
        configuration_id=job.configuration_id,
        configuration=group_key(job, "configuration")[1],
        tier=tier,
        parse_tier=config.parse_tier if config is not None else None,
        document=job.document,
        file_name=job.file_name,
        error_message=job.error_message,
        credits=credits,
        credits_estimated=estimated,
        pages=pages,
        confidence=confidence,
    )


def mean_confidence(job: ExtractJob, limit: int = 200_000) -> float | None:
    """The mean ``confidence`` of the job's field metadata entries (None without any).

    Reads at most ``limit`` entries: a mean over that many says what the rest would.
    """
    fm = job.field_metadata
    if fm is None:
        return None
    total = 0.0
    count = 0
    stack: list[Any] = [fm.document_metadata, fm.page_metadata, fm.row_metadata]
    while stack and count < limit:
        node = stack.pop()
        if isinstance(node, dict):
            value = node.get("confidence")
            if isinstance(value, int | float) and not isinstance(value, bool):
                if math.isfinite(value) and 0 <= value <= 1:
                    total += float(value)
                    count += 1
                continue
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return total / count if count else None


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``30d``, ``12h``, ``2w``, ``90m`` before now, or an ISO date / time; ValueError otherwise."""
    now = now or datetime.now(UTC)
    raw = text.strip().lower()
    units = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    # isdecimal, not isdigit: "²" is a digit that float() refuses
    if raw[-1:] in units and raw[:-1].replace(".", "", 1).isdecimal():
        amount = float(raw[:-1])
        try:
            return now - timedelta(seconds=amount * units[raw[-1]])
        except OverflowError:  # 99999999999d
            raise ValueError(f"--since {text.strip()} reaches back before year 1") from None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since takes a span like 30d, 12h or 2w, or a date like 2026-11-01: {text!r}"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass
class FleetProgress:
    """How far a load has come (for a progress line)."""

    projects_done: int
    projects: int
    pages: int
    jobs: int
    #: The oldest creation time reached so far (how far back the walk is).
    reached: datetime | None


@dataclass
class FleetLoad:
    """The jobs of a load, and what it could not read."""

    jobs: list[FleetJob] = field(default_factory=list)
    pages: int = 0
    #: Jobs on the pages that could not be read (counted by the list parser).
    skipped: int = 0
    #: (project id, one line) for projects whose listing failed part way.
    errors: list[tuple[str, str]] = field(default_factory=list)


async def load_fleet(
    fetch: PageFetcher,
    project_ids: Sequence[str],
    *,
    since: datetime | None = None,
    on_progress: Callable[[FleetProgress], None] | None = None,
    convert: Callable[[ExtractJob], FleetJob] = fleet_job,
    name: Callable[[list[ExtractJob]], Awaitable[object]] | None = None,
) -> FleetLoad:
    """Every job created at or after ``since`` in each project, newest first per project.

    A project whose listing fails is recorded in ``errors`` with what was read of it kept;
    the other projects still load. Cancellation (the user closing the view) propagates.
    ``name`` (a source's ``name``) gives each page's jobs their file and configuration names
    before they are kept; a failure to name them leaves them unnamed.
    """
    from explorer.api.errors import ApiError

    load = FleetLoad()
    cutoff = _epoch(since)
    reached: datetime | None = None
    for done, project_id in enumerate(project_ids):
        token: str | None = None
        seen_tokens: set[str] = set()
        for _ in range(MAX_PAGES_PER_PROJECT):
            try:
                page = await fetch(project_id, token, since)
            except ApiError as exc:
                load.errors.append((project_id, str(exc)))
                break
            load.pages += 1
            load.skipped += page.skipped
            if name is not None and page.items:
                with contextlib.suppress(ApiError):  # names are a nicety: the jobs still count
                    await name(list(page.items))
            older = False
            for job in page.items:
                row = convert(job)
                if cutoff is not None and row.created and row.created < cutoff:
                    older = True  # a server that ignored created_at_on_or_after
                    continue
                load.jobs.append(row)
                if row.created:
                    at = row.created_at
                    reached = at if reached is None or at < reached else reached
            if on_progress is not None:
                on_progress(
                    FleetProgress(done, len(project_ids), load.pages, len(load.jobs), reached)
                )
            token = page.next_page_token
            if older or not token or token in seen_tokens:
                break
            seen_tokens.add(token)
    if on_progress is not None:
        on_progress(
            FleetProgress(len(project_ids), len(project_ids), load.pages, len(load.jobs), reached)
        )
    return load


def by_project(jobs: Iterable[FleetJob]) -> dict[str, list[FleetJob]]:
    """The jobs of each project, in the order given."""
    out: dict[str, list[FleetJob]] = {}
    for job in jobs:
        out.setdefault(job.project_id, []).append(job)
    return out

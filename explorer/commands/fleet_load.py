"""Loading the fleet for ``failures`` and ``usage``: every project's jobs back to ``--since``.

From the API (every project the key sees, or ``--project``'s), named with their files and
configurations, with a progress line on stderr when it is a terminal; or from job files
offline, through :class:`~explorer.core.source.FileJobSource` (no network). ``--confidence``
then reads the field metadata of the completed jobs in batches through the list endpoint's
``job_ids`` filter.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from explorer.api.errors import ApiError
from explorer.commands import output
from explorer.commands.base import CommandError
from explorer.core.errors import describe_api_error
from explorer.core.fleet import FleetJob, FleetLoad, FleetProgress, load_fleet, mean_confidence
from explorer.settings import Settings

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient

__all__ = ["CONFIDENCE_BATCH", "Fleet", "add_fleet_flags", "load"]

#: Completed jobs whose field metadata one list request reads (``--confidence``): metadata
#: is the bulk of a job, so a few dozen at a time keep each response reasonable.
CONFIDENCE_BATCH = 25
DEFAULT_SINCE = "30d"


@dataclass
class Fleet:
    """What a fleet command works from: the jobs, the projects' names, and what went wrong."""

    jobs: list[FleetJob]
    #: project id -> name (the id when the project has no name).
    project_names: dict[str, str]
    since: datetime | None
    #: When the jobs were read (seconds since the epoch): ages are counted to here.
    now: float
    #: One line per project (or file) that could not be read whole.
    problems: list[str] = field(default_factory=list)
    skipped: int = 0

    @property
    def since_epoch(self) -> float | None:
        """``since`` in seconds since the epoch (None: all time)."""
        return self.since.timestamp() if self.since is not None else None


def add_fleet_flags(parser: argparse.ArgumentParser) -> None:
    """``--since`` and the optional job files of ``failures`` and ``usage``."""
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help=f"jobs created since: a span (30d, 12h, 2w), a date or time (2026-11-01), or "
        f"'all' (default {DEFAULT_SINCE}; with FILEs: all)",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="FILE",
        help="job JSON files or directories to read instead of the API (offline)",
    )


def _since(args: argparse.Namespace) -> datetime | None:
    from explorer.core.fleet import parse_since

    text = args.since if args.since is not None else (None if args.paths else DEFAULT_SINCE)
    if text is None or text.strip().lower() == "all":
        return None
    try:
        return parse_since(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class _ProgressLine:
    """``listing 2/4 projects, 12 pages, 1,180 jobs, back to 2026-11-03`` on a terminal's
    stderr, rewritten in place; nothing at all when stderr is not a terminal."""

    def __init__(self) -> None:
        try:
            self.live = sys.stderr.isatty()
        except (AttributeError, ValueError):
            self.live = False
        self.shown = False

    def show(self, text: str) -> None:
        if self.live:
            # built from numbers and dates only: nothing from outside reaches the terminal here
            sys.stderr.write(f"\r{text}\x1b[K")
            sys.stderr.flush()
            self.shown = True

    def listing(self, progress: FleetProgress) -> None:
        current = min(progress.projects_done + 1, progress.projects)
        text = (
            f"listing {current}/{progress.projects} project{'s' if progress.projects != 1 else ''}"
            f", {progress.pages:,} page{'s' if progress.pages != 1 else ''}"
            f", {progress.jobs:,} job{'s' if progress.jobs != 1 else ''}"
        )
        if progress.reached is not None:
            text += f", back to {progress.reached.date().isoformat()}"
        self.show(text)

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.shown = False


def _load_files(paths: Sequence[str], since: datetime | None) -> Fleet:
    import asyncio

    from explorer.core.files import load_paths
    from explorer.core.source import FileJobSource

    loaded = load_paths(list(paths))
    for note in loaded.notes:
        output.note(note)
    source = FileJobSource(loaded)

    async def read() -> tuple[FleetLoad, dict[str, str]]:
        projects = await source.projects()
        got = await load_fleet(source.history_page, [p.id for p in projects], since=since)
        return got, {p.id: p.name or p.id for p in projects}

    got, names = asyncio.run(read())
    problems = [f"{p.path}: {p.reason}" for p in loaded.problems]
    if not loaded.jobs and not problems:
        raise CommandError(f"no job in {', '.join(paths)}")
    return Fleet(got.jobs, names, since, time.time(), problems, got.skipped)


async def _read_confidence(
    client: ExtractClient, fleet: list[FleetJob], progress: _ProgressLine
) -> list[str]:
    """Fill the confidence of COMPLETED jobs from their field metadata, in batches;
    returns a line per project whose metadata could not be read."""
    from explorer.core.source import KEY_PROJECT

    wanted: dict[str, list[int]] = {}
    for index, job in enumerate(fleet):
        if job.status == "COMPLETED" and job.confidence is None:
            wanted.setdefault(job.project_id, []).append(index)
    total = sum(len(v) for v in wanted.values())
    done = 0
    problems: list[str] = []
    for project_id, indexes in wanted.items():
        try:
            for start in range(0, len(indexes), CONFIDENCE_BATCH):
                chunk = indexes[start : start + CONFIDENCE_BATCH]
                got = await client.get_jobs(
                    [fleet[i].id for i in chunk],
                    expand=("extract_metadata",),
                    project_id=None if project_id in (KEY_PROJECT, "") else project_id,
                )
                by_id = {job.id: job for job in got}
                for i in chunk:
                    job = by_id.get(fleet[i].id)
                    if job is not None:
                        fleet[i] = dataclasses.replace(fleet[i], confidence=mean_confidence(job))
                done += len(chunk)
                progress.show(f"reading field metadata: {done:,}/{total:,} completed jobs")
        except ApiError as exc:
            problems.append(f"field metadata of project {project_id}: {describe_api_error(exc)}")
    return problems


def load(settings: Settings, args: argparse.Namespace, *, confidence: bool = False) -> Fleet:
    """The fleet the command's flags ask for (files when given, else the API)."""
    since = _since(args)
    if args.paths:
        return _load_files(args.paths, since)
    from explorer.commands.jobref import Connection, run_with_connection

    progress = _ProgressLine()

    async def work(conn: Connection) -> Fleet:
        source = await conn.source()
        projects = await source.projects()
        for note in source.notes:
            output.note(note)
        names = {p.id: p.name or p.id for p in projects}
        try:
            got = await load_fleet(
                source.history_page,
                [p.id for p in projects],
                since=since,
                on_progress=progress.listing,
                name=source.name,
            )
            problems = [
                f"project {names.get(pid, pid)}: {reason} (its jobs are not all counted)"
                for pid, reason in got.errors
            ]
            if confidence:
                problems += await _read_confidence(await conn.client(), got.jobs, progress)
        finally:
            progress.clear()
        return Fleet(got.jobs, names, since, time.time(), problems, got.skipped)

    return run_with_connection(settings, work)


def when(seconds: float | None, *, minutes: bool = True) -> str:
    """A time of the fleet as ``2026-11-03 14:22`` (UTC), or ``-``."""
    if not seconds:
        return "-"
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M" if minutes else "%Y-%m-%d")


def report_problems(fleet: Fleet) -> int:
    """Warn about what could not be read; the exit status (1: the report is partial)."""
    if fleet.skipped:
        n = fleet.skipped
        output.warn(f"{n:,} unreadable job{'s' if n != 1 else ''} skipped")
    for line in fleet.problems:
        output.warn(line)
    return 1 if fleet.problems else 0

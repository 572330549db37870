"""``watch JOB...``: follow jobs until every one has finished, like ``gh run watch``.

Each check refreshes every watched job still going in one list request per project (the list
endpoint's ``job_ids`` filter, as the TUI's refresh does), never one request per job. A job asked
for by id and not returned is gone (deleted while watched): that is an error (exit 2), never a
success. With ``--exit-status`` the exit status says how the jobs ended: 0 all COMPLETED, 1 any
FAILED or CANCELLED, 2 a job not found or the API unusable; Ctrl-C stops quietly with 130.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from explorer.api.errors import ApiError, NotFoundError
from explorer.commands import output
from explorer.commands.base import EXIT_ERROR, CommandError, command, new_parser, settings_for
from explorer.commands.jobref import (
    Connection,
    describe_api_error,
    resolve_job_id,
    run_with_connection,
)
from explorer.commands.watch_view import View, Watched, make_view

__all__ = ["DEFAULT_INTERVAL", "ON_CYCLE", "build_watch_parser", "cmd_watch", "watch_jobs"]

DEFAULT_INTERVAL = 2.0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
#: How each final status counts for ``--exit-status``.
_FAILED = frozenset({"FAILED", "CANCELLED"})

#: Called after every check with its number (0 = the first) and the watched jobs. A hook for
#: tests, which change the world between checks; None in normal use.
ON_CYCLE: Callable[[int, Sequence[Watched]], None] | None = None


def build_watch_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer watch``."""
    parser = new_parser(
        "watch",
        "Watch jobs until every one has finished (COMPLETED, FAILED or CANCELLED): one line per "
        "job, redrawn in place on a terminal, a line per change otherwise.",
        epilog=(
            "exit status with --exit-status: 0 all COMPLETED, 1 any FAILED or CANCELLED, 2 a job\n"
            "not found (or gone while watched) or the API unusable, 130 interrupted.\n"
            "Without it: 0 once all have finished, 2 on errors."
        ),
    )
    parser.add_argument(
        "refs",
        nargs="+",
        metavar="JOB",
        help="job ids (ext-...), their short form or unique prefixes",
    )
    parser.add_argument(
        "--exit-status",
        action="store_true",
        help="exit 1 when a job FAILED or was CANCELLED (0 only when all COMPLETED)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_INTERVAL,
        metavar="S",
        help=f"seconds between checks (default {DEFAULT_INTERVAL:g}; the first is at once)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per change (JSON Lines), then a summary object",
    )
    return parser


@dataclass
class WatchOutcome:
    """How a watch ended: the jobs as last seen, and the error that stopped it, if any."""

    watched: list[Watched] = field(default_factory=list)
    error: str | None = None

    def exit_status(self, strict: bool) -> int:
        """The exit status (``strict``: ``--exit-status``)."""
        if self.error is not None or any(w.gone for w in self.watched):
            return EXIT_ERROR
        if strict and any(w.status in _FAILED for w in self.watched):
            return EXIT_FAILED
        return 0

    def summary(self, strict: bool) -> dict[str, Any]:
        """The final ``--json`` object."""
        counts: dict[str, int] = {}
        for w in self.watched:
            key = "GONE" if w.gone else (w.status or "?")
            counts[key] = counts.get(key, 0) + 1
        return {
            "event": "summary",
            "exit_status": self.exit_status(strict),
            "error": self.error,
            "statuses": counts,
            "jobs": {w.id: w.status for w in self.watched},
            "gone": [w.id for w in self.watched if w.gone],
        }


async def _locate(conn: Connection, ids: Sequence[str]) -> list[Watched]:
    """The jobs by id with the project of each: first the key's default project (one request),
    then the other projects, one request each for the ids still missing."""
    from explorer.core.source import KEY_PROJECT

    source = await conn.source()
    client = await conn.client()
    found = {job.id: job for job in await source.jobs([(i, None) for i in ids])}
    projects = {job.id: job.project_id for job in found.values()}
    missing = [i for i in ids if i not in found]
    if missing:
        for project in await source.projects():
            if project.id in (KEY_PROJECT, client.project_id) or project.is_default:
                continue  # asked already
            got = await client.get_jobs(
                missing, project_id=project.id, max_retries=source.refresh_retries
            )
            for job in got:
                if job.id in missing:
                    found[job.id] = job
                    projects[job.id] = source.project_of[job.id] = job.project_id or project.id
            missing = [i for i in missing if i not in found]
            if not missing:
                break
    if missing:
        if len(missing) == 1:
            gone = NotFoundError(f"no job {missing[0]}", status=404)
            raise CommandError(describe_api_error(gone, missing[0], demo=conn.demo))
        raise CommandError(f"{len(missing)} jobs not found: {', '.join(missing)}")
    return [Watched(i, projects.get(i), found[i]) for i in ids]


async def _refresh(conn: Connection, watched: Sequence[Watched]) -> list[Watched]:
    """Check the jobs still going (one request per project); the ones that changed."""
    source = await conn.source()
    going = [w for w in watched if not w.final]
    got = {job.id: job for job in await source.jobs([(w.id, w.project_id) for w in going])}
    changed = []
    for w in going:
        job = got.get(w.id)
        if job is None:
            w.previous, w.gone = w.status, True
            changed.append(w)
            continue
        if job.status != w.status:
            w.previous = w.status
            changed.append(w)
        w.job = job
    return changed


async def watch_jobs(
    conn: Connection, refs: Sequence[str], interval: float, view: View
) -> WatchOutcome:
    """Resolve ``refs`` (an error before anything is shown), then check the jobs every
    ``interval`` seconds, showing each check on ``view``, until none is left going."""
    ids: list[str] = []
    for ref in refs:
        job_id = await resolve_job_id(conn, ref)
        if job_id not in ids:
            ids.append(job_id)
    try:
        watched = await _locate(conn, ids)
    except ApiError as exc:
        raise CommandError(describe_api_error(exc, demo=conn.demo)) from None
    outcome = WatchOutcome(watched)
    changed: list[Watched] = list(watched)
    cycle = 0
    while True:
        view.show(watched, changed)
        if ON_CYCLE is not None:
            ON_CYCLE(cycle, watched)
        if all(w.final for w in watched):
            return outcome
        await asyncio.sleep(interval)
        cycle += 1
        try:
            changed = await _refresh(conn, watched)
        except ApiError as exc:
            outcome.error = describe_api_error(exc, demo=conn.demo)
            return outcome


def _report(outcome: WatchOutcome, counts_too: bool) -> None:
    """The closing lines on stderr: jobs gone, an error, or (``counts_too``) how many ended
    how."""
    for w in outcome.watched:
        if w.gone:
            output.error(f"job {w.id} is gone: not found any more (deleted while watched?)")
    if outcome.error is not None:
        output.error(outcome.error)
        return
    if not counts_too:
        return
    counts: dict[str, int] = {}
    for w in outcome.watched:
        if not w.gone:
            counts[w.status or "?"] = counts.get(w.status or "?", 0) + 1
    n = len(outcome.watched)
    parts = ", ".join(f"{c} {output.cell(s, 24).lower()}" for s, c in sorted(counts.items()))
    output.note(f"{n} job{'s' if n != 1 else ''} watched: {parts or 'none left'}")


@command
def cmd_watch(argv: Sequence[str]) -> int:
    """``extract-explorer watch JOB... [--exit-status] [--interval S] [--json]``."""
    args = build_watch_parser().parse_args(argv)
    if not args.interval >= 0 or args.interval == float("inf"):
        raise CommandError("--interval must be a number of seconds, 0 or more")
    settings = settings_for(args)
    view = make_view(args.json)
    summary: dict[str, Any] | None = None
    try:
        outcome = run_with_connection(
            settings, lambda conn: watch_jobs(conn, args.refs, args.interval, view)
        )
        summary = outcome.summary(args.exit_status)
    finally:
        # on every way out (Ctrl-C, a closed pipe, an error) the terminal is left clean
        view.close(summary)
    _report(outcome, counts_too=not args.json)
    return outcome.exit_status(args.exit_status)

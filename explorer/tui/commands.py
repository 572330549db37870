"""Command palette: "go to job <id>" over every job the app knows, plus app commands.

Textual reads a hit's ``help`` and a ``str`` prompt as markup, so a job whose status holds
``[@click=app.quit]`` would be a button in the palette. Every hit here is built from
:mod:`explorer.tui.inert` ``Content``, never from a string.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from explorer.core.present import short_id
from explorer.core.store import GROUPINGS
from explorer.tui.inert import inert_content, inert_str

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp

#: The palette lists at most this many jobs per search (it is not a second tree).
MAX_JOB_HITS = 40


def highlight(matcher: Matcher, candidate: str) -> Content:
    """``candidate`` as literal Content with the fuzzy-matched letters styled.

    ``Matcher.highlight`` parses its candidate as markup; this never does.
    """
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if score:
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class JobCommands(Provider):
    """Go to a job by id or document, switch grouping, refresh, pause."""

    @property
    def explorer(self) -> ExplorerApp:
        return self.app  # type: ignore[return-value]

    def _app_commands(self) -> list[tuple[str, str, object]]:
        app = self.explorer
        commands: list[tuple[str, str, object]] = [
            (f"Group by {g}", f"Group the job tree by {g}", partial(self._group, g))
            for g in GROUPINGS
        ]
        commands += [
            ("Refresh now", "Refresh running jobs and the job list", app.action_refresh_now),
            ("Pause / resume auto-refresh", "Toggle live refresh", app.action_toggle_pause),
            ("Show help", "Every key binding", app.action_help),
            (
                "Re-run this job",
                "Run the current job again with settings changed, then compare (R)",
                app.main.action_rerun,
            ),
            (
                "Failures",
                "Failed jobs of every project grouped by error, and stuck jobs (F)",
                app.main.action_failures,
            ),
            (
                "Usage and credits",
                "Credits, pages, failure rate and durations by day, week, config… ($)",
                app.main.action_usage,
            ),
            (
                "Request log",
                "Every request made, newest first; copy one as curl or SDK code (L)",
                app.main.action_requests,
            ),
        ]
        return commands

    def _group(self, grouping: str) -> None:
        self.explorer.main.set_grouping(grouping)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._app_commands():
            yield DiscoveryHit(
                Content(name),
                callback,  # type: ignore[arg-type]
                text=name,
                help=Content(help_text),  # type: ignore[arg-type]
            )

    async def search(self, query: str) -> Hits:
        app = self.explorer
        matcher = self.matcher(query)
        for name, help_text, callback in self._app_commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, name),
                    callback,  # type: ignore[arg-type]
                    text=name,
                    help=Content(help_text),  # type: ignore[arg-type]
                )
        needle = query.strip()
        lowered = needle.lower().removeprefix("go to job").strip()
        hits = 0
        for job in list(app.store.jobs.values()):
            label = f"go to job {job.id}  {job.document_label}  {job.status}"
            if lowered and lowered not in label.lower():
                continue
            score = matcher.match(label) or 0.5
            display = f"go to job {short_id(job.id)}  {inert_str(job.document_label, 40)}"
            yield Hit(
                score,
                highlight(matcher, display),
                partial(app.goto_job, job.id),
                text=display,
                help=inert_content(f"{job.id} · {job.status}", 120),  # type: ignore[arg-type]
            )
            hits += 1
            if hits >= MAX_JOB_HITS:
                break
        if lowered.startswith(("ext-", "ext_")) and lowered not in app.store.jobs:
            # Not loaded yet: fetch it by id, wherever it is in the history.
            wanted = needle.removeprefix("go to job").strip()
            display = f"go to job {inert_str(wanted, 80)}"
            yield Hit(
                1.0,
                Content(display),
                partial(app.goto_job, wanted),
                text=display,
                help=Content("Fetch this job by id"),  # type: ignore[arg-type]
            )

"""Command palette: "go to job <id>" over every job the app knows, plus app commands."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from explorer.core.present import short_id
from explorer.core.sanitize import safe_text
from explorer.core.store import GROUPINGS

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp

#: The palette lists at most this many jobs per search (it is not a second tree).
MAX_JOB_HITS = 40


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
        ]
        return commands

    def _group(self, grouping: str) -> None:
        tree = self.explorer.tree
        tree.grouping = grouping
        tree.rebuild_all()
        self.explorer.update_status()

    async def discover(self) -> Hits:
        for name, help_text, callback in self._app_commands():
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        app = self.explorer
        matcher = self.matcher(query)
        for name, help_text, callback in self._app_commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
        needle = query.strip()
        lowered = needle.lower().removeprefix("go to job").strip()
        hits = 0
        for job in list(app.store.jobs.values()):
            label = f"go to job {job.id}  {job.document_label}  {job.status}"
            if lowered and lowered not in label.lower():
                continue
            score = matcher.match(label) or 0.5
            display = f"go to job {short_id(job.id)}  {safe_text(job.document_label, 40)}"
            yield Hit(
                score,
                matcher.highlight(escape(display)),
                partial(app.goto_job, job.id),
                text=display,
                help=safe_text(f"{job.id} · {job.status}", 120),
            )
            hits += 1
            if hits >= MAX_JOB_HITS:
                break
        if lowered.startswith(("ext-", "ext_")) and lowered not in app.store.jobs:
            # Not loaded yet: fetch it by id, wherever it is in the history.
            display = f"go to job {safe_text(needle.removeprefix('go to job').strip(), 80)}"
            yield Hit(
                1.0,
                escape(display),
                partial(app.goto_job, needle.removeprefix("go to job").strip()),
                text=display,
                help="Fetch this job by id",
            )

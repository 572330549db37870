"""Re-run from the TUI (``R``): the form, the new job in the tree, the diff when it finishes.

A mixin of :class:`~explorer.tui.main_screen.MainScreen` (through
:class:`~explorer.tui.job_actions.JobActions`). The form plans; the app's worker sends the
plan; the new job joins the tree and live refresh like any job asked for by id; when it
reaches a final status, the comparison with the original opens by itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from explorer.api.models import ExtractJob
from explorer.core.present import short_id
from explorer.core.rerun import RerunError, RerunPlan
from explorer.core.source import offline_why
from explorer.tui.messages import JobLoaded, RerunStarted

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp
    from explorer.tui.widgets.job_panes import JobPanes


class RerunActions:
    """``R`` on the current job, and following the re-runs started here."""

    explorer: ExplorerApp
    panes: JobPanes

    if TYPE_CHECKING:

        def post_message(self, message: Any) -> bool: ...

    @property
    def reruns(self) -> dict[str, str]:
        """Re-runs started here and not finished yet: new job id -> original id."""
        got = self.__dict__.get("_reruns")
        if got is None:
            got = self.__dict__["_reruns"] = {}
        return got

    def action_rerun(self) -> None:
        """``R``: the re-run form of the current job."""
        from explorer.tui.screens.rerun import RerunScreen

        app = self.explorer
        if app.settings.read_only or not app.source.live:
            why = "read-only mode" if app.settings.read_only else offline_why(app.source)
            app.notify(f"Cannot re-run jobs: {why}.", severity="warning", timeout=4)
            return
        job = self.panes.detail
        if job is None or not self.panes.loaded:
            app.notify("Select a job first (its full copy must have arrived).", timeout=3)
            return
        try:
            screen = RerunScreen(job, validate=app.source.validate_schema)
        except RerunError as exc:
            app.notify(str(exc), severity="error", timeout=6)
            return
        app.push_screen(screen, self._rerun_chosen)

    def _rerun_chosen(self, plan: RerunPlan | None) -> None:
        if plan is not None:
            self.explorer.notify("Starting the re-run…", timeout=2)
            self.explorer.start_rerun(plan)

    def on_rerun_started(self, message: RerunStarted) -> None:
        app = self.explorer
        if app.shutting_down:
            return
        if message.error or message.job is None:
            app.notify(f"Could not start the re-run: {message.error}", severity="error", timeout=8)
            return
        job = message.job
        self.reruns[job.id] = message.plan.original_id
        original = app.store.details.get(message.plan.original_id)
        names = getattr(app.source, "names", None)
        if original is not None and original.file_name and job.document and names is not None:
            # A parse job of the original's file reads as that file, here and in the tree.
            names.files.setdefault(job.document, original.file_name)
            job.set_file_name(names.files[job.document] or original.file_name)
        # Into the store, the tree (selected) and live refresh, as a job asked for by id.
        self.post_message(JobLoaded(job, focus=True))
        app.notify(
            f"Re-run {short_id(job.id)} started: {message.plan.parse_note}. "
            "The comparison with the original opens when it finishes.",
            timeout=6,
        )
        self.rerun_seen(job)  # a server that finished it at once

    def rerun_seen(self, job: ExtractJob) -> None:
        """A fresh copy of a job: when it is a re-run started here and now final, compare."""
        original = self.reruns.get(job.id)
        if original is None or not job.is_terminal:
            return
        del self.reruns[job.id]
        app = self.explorer
        if job.status == "COMPLETED":
            app.notify(f"Re-run {short_id(job.id)} finished: comparing…", timeout=3)
            app.load_diff(original, job.id)
        else:
            why = f": {job.error_message}" if job.error_message else ""
            app.notify(
                f"Re-run {short_id(job.id)} ended {job.status}{why}", severity="error", timeout=8
            )

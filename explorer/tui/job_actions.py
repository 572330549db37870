"""The main screen's dialogs on jobs: copy, export, mark and diff, cancel and delete.

A mixin of :class:`~explorer.tui.main_screen.MainScreen`: the dialogs read the current job from
its :class:`~explorer.tui.widgets.job_panes.JobPanes`; what needs the network (cancel, delete,
the jobs of a diff) is the app's workers, whose answers come back as messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer.api.models import ExtractJob
from explorer.core.jsonpath import format_path
from explorer.core.present import clip, short_id
from explorer.core.sanitize import safe_text
from explorer.core.source import offline_why
from explorer.tui.messages import ActionDone, DiffReady
from explorer.tui.rerun_actions import RerunActions
from explorer.tui.screens.confirm import ConfirmScreen
from explorer.tui.screens.copy import CopyScreen, clipboard_text
from explorer.tui.screens.export import ExportChoice, ExportScreen, save_text
from explorer.tui.workers import work

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp
    from explorer.tui.widgets.job_panes import JobPanes
    from explorer.tui.widgets.job_tree import JobTree

#: The most a copy puts on the clipboard. The terminal's clipboard (OSC 52) is a control
#: sequence: terminals and tmux drop big ones silently, so a bigger copy says so instead.
CLIPBOARD_MAX = 1_000_000


class JobActions(RerunActions):
    """The Source view, copy, export, mark / diff, cancel and delete on the current job."""

    explorer: ExplorerApp
    panes: JobPanes
    tree: JobTree

    if TYPE_CHECKING:

        def notify(self, message: str, **kw: Any) -> None: ...
        def jobs_gone(self, job_ids: list[str], why: str) -> None: ...

    def _current(self) -> ExtractJob | None:
        """The current job as drawn: its full copy when it has arrived, else its summary."""
        return self.panes.job

    # -- source view ------------------------------------------------------------------------

    def action_source(self) -> None:
        """``w``: where the field under the cursor came from (the Source view)."""
        from explorer.tui.screens.source import SourceScreen, cited_rows

        panes = self.panes
        job = panes.detail
        if job is None or not panes.loaded:
            self.explorer.notify("Select a job with a result first.", timeout=3)
            return
        _path, _value, row = panes.cursor_field()
        analysis = panes.analyses.get(job.id)
        if row is None:
            # not in Results or Fields: start at the first ungrounded (or cited) field
            rows = cited_rows(analysis, None)
            if not rows:
                self.explorer.notify(
                    "Move to a field in Results or Fields (3 or 4), then press w.", timeout=4
                )
                return
            first = next(
                (i for i, r in enumerate(rows) if analysis and r.path in analysis.ungrounded), 0
            )
            rows_index = first
        else:
            path = tuple(row.path)
            # on an object or array, or a field citing nothing: the first cited field under it
            under = [
                i
                for i, r in enumerate(cited_rows(analysis, None))
                if tuple(r.path[: len(path)]) == path
            ]
            leaf = not isinstance(row.value, dict | list)
            if row.citations or (leaf and not under):
                rows = cited_rows(analysis, row)
                rows_index = next((i for i, r in enumerate(rows) if r.path == row.path), 0)
            else:
                rows = cited_rows(analysis, None)
                rows_index = under[0] if under else 0
                if not rows:
                    self.explorer.notify("No field of this job cites its document.", timeout=4)
                    return
        fetched = self.explorer.want_document(job, retry=True)
        self.explorer.push_screen(SourceScreen(job.id, rows, rows_index, analysis, fetched))

    # -- copy -------------------------------------------------------------------------------

    def action_copy(self) -> None:
        job = self._current()
        if job is None:
            self.explorer.notify("Select a job first.", timeout=3)
            return
        path, value, row = self.panes.cursor_field()
        available = {"job"}
        if path is not None:
            available |= {"value", "path", "row"}
        subject = format_path(path) if path is not None else short_id(job.id)

        def chosen(what: str | None) -> None:
            if what:
                self.copy_text(what, job, path, value, row, subject)

        self.explorer.push_screen(CopyScreen(clip(subject, 80), available), chosen)

    @work(thread=True, group="copy", exit_on_error=False)
    def copy_text(
        self, what: str, job: ExtractJob, path: Any, value: Any, row: Any, subject: str
    ) -> None:
        """Build the text to copy in a thread (a whole big job is megabytes of JSON)."""
        from explorer.core.export import iter_export_json, iter_to_json, to_json
        from explorer.core.fields import row_to_json

        app = self.explorer
        label = {"value": "value", "path": "path", "row": "field row", "job": "job JSON"}[what]
        if what == "job" or (what == "value" and not isinstance(value, str)):
            # built piece by piece, and given up on as soon as it is past what a clipboard
            # takes (a big job's rows are never all turned into text)
            pieces = (
                iter_to_json(value, indent=None)
                if what == "value"
                else iter_export_json(job.to_json_dict())
            )
            parts: list[str] = []
            size = 0
            for piece in pieces:
                parts.append(piece)
                size += len(piece)
                if size > CLIPBOARD_MAX:
                    app.call_from_thread(
                        app.notify,
                        f"The {label} of {clip(subject, 60)} is over {CLIPBOARD_MAX:,} "
                        "characters: too big for the terminal's clipboard. "
                        "Export it with E instead.",
                        severity="warning",
                        timeout=8,
                    )
                    return
            text = "".join(parts)
        elif what == "value":
            text = value
        elif what == "path":
            text = format_path(path or ())
        elif what == "row":
            if row is not None:
                text = to_json(row_to_json(row))
            else:
                text = to_json({"path": format_path(path or ()), "value": value})
        if len(text) > CLIPBOARD_MAX:
            app.call_from_thread(
                app.notify,
                f"The {label} of {clip(subject, 60)} is {len(text):,} characters: too big for "
                "the terminal's clipboard. Export it with E instead.",
                severity="warning",
                timeout=8,
            )
            return
        text = clipboard_text(text, is_json=what in ("row", "job"))
        app.call_from_thread(app.copy_to_clipboard, text)
        app.call_from_thread(
            app.notify,
            f"Copied the {label} of {clip(subject, 60)} ({len(text):,} chars)",
            timeout=3,
        )

    # -- export -----------------------------------------------------------------------------

    def action_export(self) -> None:
        job = self.panes.detail
        if job is None:
            self.explorer.notify("Select a job (and let it load) first.", timeout=3)
            return

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:
                self.write_export(job, *choice)

        self.explorer.push_screen(ExportScreen(job.id), chosen)

    @work(thread=True, group="export", exit_on_error=False)
    def write_export(self, job: ExtractJob, kind: str, path: Path, replace: bool = False) -> None:
        from explorer.core.analysis import analyze
        from explorer.core.export import (
            iter_export_csv,
            iter_export_fields_csv,
            iter_export_fields_json,
            iter_export_json,
            iter_export_jsonl,
        )

        app = self.explorer
        data = job.to_json_dict()
        try:
            if kind == "job-json":
                pieces = iter_export_json(data)
            elif kind == "result-jsonl":
                pieces = iter_export_jsonl(data)
            elif kind == "result-csv":
                pieces = iter_export_csv(data)
            else:
                analysis = self.panes.analyses.get(job.id) or analyze(data)
                rows = analysis.rows
                write = iter_export_fields_csv if kind == "fields-csv" else iter_export_fields_json
                pieces = write(rows)
            # Written as it is made (a big job row by row); never a folder made, never a file
            # replaced that the user did not agree to.
            written = save_text(path, pieces, replace=replace)
        except (OSError, ValueError) as exc:
            app.call_from_thread(
                app.notify, f"Could not export: {exc}", severity="error", timeout=6
            )
            return
        app.call_from_thread(app.notify, f"Saved {path} ({written:,} chars)", timeout=5)

    # -- mark and diff ----------------------------------------------------------------------

    def action_mark(self) -> None:
        """``m``: mark the current job for a diff (the last two marks are kept)."""
        tree = self.tree
        job_id = self.panes.job_id
        if job_id is None:
            self.explorer.notify("Move to a job to mark it.", timeout=3)
            return
        marked = list(tree.marked)
        if job_id in marked:
            marked.remove(job_id)
        else:
            marked.append(job_id)
        tree.marked = tuple(marked[-2:])
        if len(tree.marked) == 2:
            self.explorer.notify("Two jobs marked: press d to compare them.", timeout=4)
        else:
            self.explorer.notify(
                f"{len(tree.marked)} job marked for diff (mark one more).", timeout=3
            )

    def unmark(self, job_id: str) -> None:
        if job_id in self.tree.marked:
            self.tree.marked = tuple(i for i in self.tree.marked if i != job_id)

    def action_diff(self) -> None:
        marked = self.tree.marked
        if len(marked) != 2:
            self.explorer.notify("Mark two jobs with m, then press d.", timeout=4)
            return
        self.explorer.notify("Comparing…", timeout=2)
        self.explorer.load_diff(*marked)

    def on_diff_ready(self, message: DiffReady) -> None:
        if message.error:
            self.explorer.notify(
                f"Could not load the jobs to compare: {message.error}",
                severity="error",
                timeout=6,
            )
        elif message.a is not None and message.b is not None:
            from explorer.tui.screens.diff import DiffScreen  # not needed to start

            self.explorer.push_screen(DiffScreen(message.a, message.b, message.changes))

    # -- cancel and delete ------------------------------------------------------------------

    def action_cancel_job(self) -> None:
        self._destructive("cancel")

    def action_delete_job(self) -> None:
        self._destructive("delete")

    def _destructive(self, verb: str) -> None:
        app = self.explorer
        job = self._current()
        if job is None:
            app.notify("Select a job first.", timeout=3)
            return
        if app.settings.read_only or not app.source.live:
            why = "read-only mode" if app.settings.read_only else offline_why(app.source)
            app.notify(f"Cannot {verb} jobs: {why}.", severity="warning", timeout=4)
            return
        if verb == "cancel" and job.is_terminal:
            app.notify(f"{short_id(job.id)} is {job.status}: nothing to cancel.", timeout=4)
            return
        if verb == "delete" and not job.is_terminal:
            app.notify(f"{short_id(job.id)} is still {job.status}: cancel it first.", timeout=4)
            return
        label = safe_text(job.document_label, 60)
        question = f"{verb.capitalize()} job {safe_text(job.id, 120)} ({label})?"
        if verb == "delete":
            question += "\nThis cannot be undone."

        def answered(yes: bool | None) -> None:
            if yes:
                app.run_action_on(verb, job.id)

        app.push_screen(ConfirmScreen(question), answered)

    def on_action_done(self, message: ActionDone) -> None:
        app = self.explorer
        if app.shutting_down:
            return
        if message.error:
            app.notify(
                f"Could not {message.verb} {short_id(message.job_id)}: {message.error}",
                severity="error",
                timeout=6,
            )
            return
        if message.job is not None:
            self.panes.store.update(message.job)
            app.track([message.job])
            self.tree.refresh_job(message.job)
            if message.job_id == self.panes.job_id:
                app.load_job(message.job_id)
            app.notify(f"{short_id(message.job_id)} cancelled.", timeout=4)
        else:
            self.jobs_gone([message.job_id], "deleted.")
            app.notify(f"{short_id(message.job_id)} deleted.", timeout=4)

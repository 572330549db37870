"""``F``: which failures are the same failure, and what is stuck, across every project.

The FAILED jobs since the chosen date are grouped by their error's signature
(:func:`explorer.core.failures.failure_report`); the group under the cursor shows its newest
real message, the configurations, tiers and projects involved, and its jobs. Enter goes to a
job in the main view; ``y`` copies a support bundle of the group (or of the stuck jobs).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from explorer.core.failures import FailureGroup, FailureReport, failure_report, support_bundle
from explorer.core.fleet import FleetJob
from explorer.core.present import clip, humanize_duration, humanize_seconds, short_id
from explorer.tui.fleet_load import FleetData, since_text
from explorer.tui.inert import inert_str
from explorer.tui.screens.fleet_screen import FleetScreen, cell
from explorer.tui.workers import work

__all__ = ["FailuresScreen", "bundle_text"]

#: Jobs of a group (or stuck jobs) listed: a DataTable measures every cell it holds, and the
#: newest few hundred are what anyone reads (the count says how many there are).
SHOWN_JOBS = 200
#: Jobs a support bundle holds at most: the newest ones (a clipboard takes ~1 MB).
BUNDLE_JOBS = 200
#: Characters of the newest message shown in the detail.
MESSAGE_CHARS = 600


def when(seconds: float) -> str:
    """``Nov 19 14:02`` (UTC) of an epoch time; ``?`` for none."""
    if not seconds:
        return "?"
    return f"{datetime.fromtimestamp(seconds, UTC):%b %d %H:%M}"


def ago(seconds: float, now: float) -> str:
    return f"{humanize_seconds(now - seconds)} ago" if seconds else "?"


def counts(pairs: list[tuple[str, int]], names: dict[str, str] | None = None, n: int = 3) -> str:
    """``agentic (10) · fast (2) · +1 more`` (labels inert and cut; project ids named)."""
    shown = [f"{clip((names or {}).get(k, k), 28)} ({c:,})" for k, c in pairs[:n]]
    if len(pairs) > n:
        shown.append(f"+{len(pairs) - n} more")
    return " · ".join(shown) or "-"


def bundle_text(markdown: str, data: dict[str, Any]) -> str:
    """The support bundle as it goes on the clipboard: Markdown, then the JSON in a fence."""
    from explorer.tui.screens.copy import clipboard_text

    body = clipboard_text(json.dumps(data, indent=2, ensure_ascii=False), is_json=True)
    return f"{clipboard_text(markdown)}\n```json\n{body}\n```\n"


class FailuresScreen(FleetScreen):
    """Failure groups and stuck jobs over the fleet; Enter goes to a job, ``y`` copies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_tab('failures')", "Failures", id="failures.groups"),
        Binding("2", "show_tab('stuck')", "Stuck", id="failures.stuck"),
        Binding("y", "copy_bundle", "Copy bundle", id="failures.copy"),
        Binding("enter", "open_job", "Go to job", show=False, id="failures.open"),
    ]

    VIEW_NAME = "Failures"

    def compose_view(self) -> ComposeResult:
        with TabbedContent(id="failures-tabs", initial="failures"):
            with TabPane("Failures", id="failures"):
                yield Static(id="failures-empty", classes="fleet-empty")
                with Vertical(id="failures-main"):
                    yield DataTable(id="failure-groups", cursor_type="row")
                    yield Static(id="failure-detail")
                    yield DataTable(id="failure-jobs", cursor_type="row")
            with TabPane("Stuck", id="stuck"):
                yield Static(id="stuck-empty", classes="fleet-empty")
                yield DataTable(id="stuck-jobs", cursor_type="row")

    def setup_view(self) -> None:
        groups = self.query_one("#failure-groups", DataTable)
        for label, key in (
            ("jobs", "count"),
            ("last seen", "last"),
            ("first seen", "first"),
            ("tiers", "tiers"),
            ("error (normalised)", "signature"),
        ):
            groups.add_column(label, key=key)
        jobs = self.query_one("#failure-jobs", DataTable)
        created = "created" if self.has_class("-narrow") else "created (UTC)"
        for label in ("job", created, "file", "project", "configuration"):
            jobs.add_column(label)
        stuck = self.query_one("#stuck-jobs", DataTable)
        labels = ["job", "status", "age", "typical", "×", "configuration"]
        if not self.has_class("-narrow"):  # narrow, Enter shows the rest
            labels += ["file", "project"]
        for label in labels:
            stuck.add_column(label)
        self.query_one("#failures-main").display = False
        self.query_one("#stuck-jobs").display = False
        groups.focus()

    # -- numbers ----------------------------------------------------------------------------

    def compute(self, data: FleetData, context: Any) -> FailureReport:
        since = data.since.timestamp() if data.since is not None else None
        return failure_report(data.jobs, now=self.explorer.now().timestamp(), since=since)

    def title_parts(self, data: FleetData | None, result: Any) -> list[Text | str]:
        if data is None or not isinstance(result, FailureReport):
            return []
        failed = Text(f"{result.failed:,} failed", style="bold" if result.failed else "")
        failed.append(f" of {result.total:,} jobs", style="")
        kinds = len(result.groups)
        return [
            failed,
            f"{kinds:,} kind{'s' if kinds != 1 else ''}",
            Text(f"{len(result.stuck):,} stuck", style="bold" if result.stuck else ""),
        ]

    @property
    def report(self) -> FailureReport | None:
        return self.result if isinstance(self.result, FailureReport) else None

    def show(self, data: FleetData, result: Any) -> None:
        report: FailureReport = result
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("failures").label = f"Failures ({report.failed:,})"
        tabs.get_tab("stuck").label = f"Stuck ({len(report.stuck):,})"
        self._fill_groups(data, report)
        self._fill_stuck(data, report)

    def _fill_groups(self, data: FleetData, report: FailureReport) -> None:
        table = self.query_one("#failure-groups", DataTable)
        empty = self.query_one("#failures-empty", Static)
        main = self.query_one("#failures-main")
        table.clear()
        if not report.groups:
            main.display = False
            empty.display = True
            empty.update(
                Text(
                    f"No failed jobs {since_text(data.since_key, data.since)} "
                    f"among the {report.total:,} jobs listed.\n\n"
                    "s looks further back · 2 shows the stuck jobs"
                )
            )
            return
        empty.display = False
        main.display = True
        narrow = self.has_class("-narrow")
        tiers = 16 if narrow else 24
        # the signature gets what the other columns leave (no sideways scrolling)
        width = max(20, self.size.width - tiers - 38)  # (and room for a scrollbar)
        for index, group in enumerate(report.groups):
            table.add_row(
                Text(f"{group.count:,}", justify="right"),
                Text(ago(group.last_seen, report.now)),
                Text(ago(group.first_seen, report.now)),
                cell(", ".join(tier for tier, _ in group.tiers), tiers),
                cell(group.signature, width),
                key=str(index),
            )
        table.move_cursor(row=0)
        self._show_group(0)

    def _fill_stuck(self, data: FleetData, report: FailureReport) -> None:
        table = self.query_one("#stuck-jobs", DataTable)
        empty = self.query_one("#stuck-empty", Static)
        table.clear()
        table.display = bool(report.stuck)
        empty.display = not report.stuck
        if not report.stuck:
            empty.update(
                Text(
                    "Nothing is stuck: no PENDING, THROTTLED or RUNNING job has waited more "
                    "than 5× its configuration's median time (and at least 15 min)."
                )
            )
            return
        names = data.project_names
        narrow = self.has_class("-narrow")
        for stuck in report.stuck[:SHOWN_JOBS]:
            job = stuck.job
            factor = f"{stuck.factor:.0f}×" if stuck.factor is not None else "-"
            cells = [
                Text(short_id(job.id)),
                cell(job.status, 12),
                Text(humanize_duration(stuck.age)),
                Text(humanize_duration(stuck.typical) if stuck.typical is not None else "-"),
                Text(factor, justify="right"),
                cell(job.configuration, 17 if narrow else 18),
            ]
            if not narrow:
                cells += [
                    cell(job.file_name or job.document or "-", 18),
                    cell(names.get(job.project_id, job.project_id), 14),
                ]
            table.add_row(*cells, key=job.id)
        more = len(report.stuck) - SHOWN_JOBS
        if more > 0:
            table.add_row(Text(f"… and {more:,} more", style="dim"), key="")

    def _group(self) -> FailureGroup | None:
        report = self.report
        if report is None or not report.groups:
            return None
        row = self.query_one("#failure-groups", DataTable).cursor_row
        return report.groups[min(max(row, 0), len(report.groups) - 1)]

    def _show_group(self, index: int) -> None:
        report = self.report
        if report is None or not 0 <= index < len(report.groups):
            return
        group = report.groups[index]
        names = self.data.project_names if self.data is not None else {}
        newest = group.jobs[0]
        detail = Text()
        detail.append("Newest message", style="bold")
        detail.append(f"  {short_id(newest.id)} · {when(newest.created)} UTC\n", style="dim")
        narrow = self.has_class("-narrow")
        line = max(20, self.size.width - 6)
        # narrow, the message gets about two lines: the jobs below must stay in view
        detail.append(
            inert_str(group.example, line * 2 if narrow else MESSAGE_CHARS, single_line=narrow)
        )
        for label, pairs, named in (
            ("Configurations", group.configurations, None),
            ("Tiers", group.tiers, None),
            ("Projects", group.projects, names),
        ):
            detail.append(f"\n{label} ", style="bold")
            detail.append(clip(counts(pairs, named), line - len(label) - 1))
        self.query_one("#failure-detail", Static).update(detail)
        jobs = self.query_one("#failure-jobs", DataTable)
        jobs.clear()
        for job in group.jobs[:SHOWN_JOBS]:
            jobs.add_row(
                Text(short_id(job.id)),
                Text(when(job.created)),
                cell(job.file_name or job.document or "-", 18 if narrow else 40),
                cell(names.get(job.project_id, job.project_id), 12 if narrow else 24),
                cell(job.configuration, 14 if narrow else 30),
                key=job.id,
            )
        more = group.count - SHOWN_JOBS
        if more > 0:
            jobs.add_row(Text(f"… and {more:,} older", style="dim"), key="")

    @on(DataTable.RowHighlighted, "#failure-groups")
    def _group_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_group(event.cursor_row)

    # -- going to a job ---------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open(event.data_table)

    def action_open_job(self) -> None:
        focused = self.focused
        table = (
            focused
            if isinstance(focused, DataTable)
            else self.query_one(
                "#stuck-jobs" if self._tab == "stuck" else "#failure-groups", DataTable
            )
        )
        self._open(table)

    def _open(self, table: DataTable) -> None:
        """The job under the table's cursor (a group: its newest job) in the main view."""
        job_id: str | None = None
        if table.id == "failure-groups":
            group = self._group()
            job_id = group.jobs[0].id if group is not None else None
        elif table.row_count:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            job_id = key or None
        if not job_id:
            return
        self.dismiss()
        self.explorer.goto_job(job_id)

    # -- tabs and copy ----------------------------------------------------------------------

    @property
    def _tab(self) -> str:
        return self.query_one(TabbedContent).active

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        target = "#failure-groups" if tab == "failures" else "#stuck-jobs"
        widget = self.query_one(target, DataTable)
        if widget.display:
            widget.focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.call_after_refresh(self.action_show_tab, self._tab)

    def action_copy_bundle(self) -> None:
        report = self.report
        if report is None:
            self.explorer.notify("Still listing the jobs.", timeout=3)
            return
        if self._tab == "stuck":
            if not report.stuck:
                self.explorer.notify("No stuck jobs to copy.", timeout=3)
                return
            jobs = [s.job for s in report.stuck]
            title, error = "Stuck jobs", None
        else:
            group = self._group()
            if group is None:
                self.explorer.notify("No failure to copy.", timeout=3)
                return
            jobs, title, error = group.jobs, f"Failure: {group.signature}", group.example
        self.copy_bundle(jobs, title, error)

    @work(thread=True, group="copy", exit_on_error=False)
    def copy_bundle(self, jobs: list[FleetJob], title: str, error: str | None) -> None:
        """Build the bundle in a thread (a big group is a lot of rows), then copy it."""
        from explorer.tui.job_actions import CLIPBOARD_MAX

        app = self.explorer
        count = len(jobs)
        if count > BUNDLE_JOBS:
            title = f"{title} (the {BUNDLE_JOBS} newest of {count:,} jobs)"
            jobs = jobs[:BUNDLE_JOBS]
        names = self.data.project_names if self.data is not None else {}
        markdown, data = support_bundle(
            jobs, title=title, project_names=names, error=error, now=app.now().timestamp()
        )
        text = bundle_text(markdown, data)
        if len(text) > CLIPBOARD_MAX:
            app.call_from_thread(
                app.notify,
                f"The bundle is {len(text):,} characters: too big for the terminal's clipboard.",
                severity="warning",
                timeout=8,
            )
            return
        app.call_from_thread(app.copy_to_clipboard, text)
        app.call_from_thread(
            app.notify,
            f"Copied a support bundle of {len(jobs):,} jobs (Markdown + JSON, {len(text):,} chars)",
            timeout=4,
        )

"""``$``: what the fleet cost and how it did, by day, week, configuration, tier or project.

One row per group (credits with a bar, pages, jobs, failure rate, median / p95 duration, mean
confidence) and a total, under two charts over time: credits per day and the failure rate per
day (Textual's ``Sparkline``: block glyphs, readable without colour). The numbers are
:func:`explorer.core.usage.usage_report`'s, made in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Sparkline, Static

from explorer.core.fleet import mean_confidence
from explorer.core.present import humanize_seconds
from explorer.core.usage import BY, UsageReport, UsageRow, bar, usage_report
from explorer.tui.fleet_load import FleetData, since_text
from explorer.tui.screens.fleet_screen import FleetScreen, cell

__all__ = ["UsageResult", "UsageScreen", "credits_text"]

#: What each grouping is called in the header.
BY_NAMES = {
    "day": "day",
    "week": "week",
    "config": "configuration",
    "tier": "tier",
    "project": "project",
}
#: Cells of the credits bar (narrow terminals get fewer).
BAR_WIDTH = 20
NARROW_BAR_WIDTH = 8


def credits_text(value: float, estimated: bool = False) -> str:
    """``1,234`` or ``12.5`` credits; ``~`` in front when any were estimated."""
    text = f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.1f}"
    return f"~{text}" if estimated else text


def rate_text(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.0f}%"


def durations_text(row: UsageRow) -> str:
    """``42s/3m`` (median / p95 of the finished jobs)."""
    if row.median_duration is None or row.p95_duration is None:
        return "-"
    return f"{humanize_seconds(row.median_duration)}/{humanize_seconds(row.p95_duration)}"


def short_day(iso: str) -> str:
    """``Nov 03`` of ``2026-11-03``."""
    try:
        return f"{date.fromisoformat(iso):%b %d}"
    except ValueError:
        return iso


@dataclass
class UsageResult:
    """A usage report and where its confidences came from."""

    by: str
    report: UsageReport
    #: Jobs whose mean confidence came with the listing / from a full copy opened here.
    listed_confidence: int
    opened_confidence: int


class UsageScreen(FleetScreen):
    """Usage and credits over the fleet, grouped by ``d`` / ``w`` / ``c`` / ``t`` / ``p``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "group('day')", "Day", id="usage.day"),
        Binding("w", "group('week')", "Week", id="usage.week"),
        Binding("c", "group('config')", "Config", id="usage.config"),
        Binding("t", "group('tier')", "Tier", id="usage.tier"),
        Binding("p", "group('project')", "Project", id="usage.project"),
    ]

    VIEW_NAME = "Usage and credits"

    def __init__(self, app: Any, since_key: str | None = None, by: str = "day") -> None:
        super().__init__(app, since_key)
        self.by = by if by in BY else "day"

    def compose_view(self) -> ComposeResult:
        with Vertical(id="usage-charts"):
            yield Static(id="usage-credits-label", classes="usage-chart-label")
            yield Sparkline([], id="usage-credits")
            yield Static(id="usage-failures-label", classes="usage-chart-label")
            yield Sparkline([], id="usage-failures")
        yield DataTable(id="usage-table", cursor_type="row")
        yield Static(id="usage-note")

    def setup_view(self) -> None:
        self.query_one("#usage-charts").display = False
        self.query_one("#usage-table", DataTable).focus()

    # -- numbers ----------------------------------------------------------------------------

    def compute_context(self) -> Any:
        # the full copies the app holds (a snapshot: the store changes on the event loop)
        return self.by, dict(self.explorer.store.details)

    def compute(self, data: FleetData, context: Any) -> UsageResult:
        by, details = context
        opened: dict[str, float] = {}
        for job_id, job in details.items():
            confidence = mean_confidence(job)
            if confidence is not None:
                opened[job_id] = confidence
        jobs = data.jobs
        listed = sum(1 for job in jobs if job.confidence is not None)
        used = 0
        if opened:
            jobs = list(jobs)
            for index, job in enumerate(jobs):
                if job.confidence is None and job.id in opened:
                    jobs[index] = replace(job, confidence=opened[job.id])
                    used += 1
        report = usage_report(
            jobs,
            by,
            now=self.explorer.now().timestamp(),
            since=data.since.timestamp() if data.since is not None else None,
            project_names=data.project_names,
        )
        return UsageResult(by, report, listed, used)

    def title_parts(self, data: FleetData | None, result: Any) -> list[Text | str]:
        parts: list[Text | str] = [Text(f"by {BY_NAMES[self.by]}", style="bold")]
        if data is not None and isinstance(result, UsageResult):
            total = result.report.total
            parts.append(f"{total.jobs:,} jobs")
            parts.append(Text(f"{credits_text(total.credits, total.estimated)} credits"))
        return parts

    # -- drawing ----------------------------------------------------------------------------

    def show(self, data: FleetData, result: Any) -> None:
        usage: UsageResult = result
        if usage.by != self.by:
            return  # a grouping the user has since left
        report = usage.report
        self._draw_charts(data, report)
        self._fill_table(report)
        note = Text()
        if not report.total.jobs:
            note.append(
                f"No jobs {since_text(data.since_key, data.since)}: s looks further back.\n",
                style="bold",
            )
        if report.total.estimated:
            note.append("~ some credits estimated (pages × tier rate) · ")
        note.append("failed: of the jobs that finished · p50/p95: duration of finished jobs\n")
        conf = report.total.confidence_jobs
        if conf:
            note.append(
                f"conf: mean field confidence over {conf:,} job{'s' if conf != 1 else ''} "
                f"({usage.listed_confidence:,} from the list, "
                f"{usage.opened_confidence:,} opened here)"
            )
        else:
            note.append("conf: not known yet (the job list carries none; jobs opened add theirs)")
        self.query_one("#usage-note", Static).update(note)

    def _draw_charts(self, data: FleetData, report: UsageReport) -> None:
        charts = self.query_one("#usage-charts")
        charts.display = bool(report.series)
        if not report.series:
            return
        days = [day for day, _ in report.series]
        span = f"{short_day(days[0])} → {short_day(days[-1])} ({len(days)} days)"
        credits = [value for _, value in report.series]
        peak = max(range(len(credits)), key=credits.__getitem__)
        label = Text()
        label.append("credits per day", style="bold")
        label.append(f" · {span}")
        if credits[peak] > 0:
            label.append(f" · peak {credits_text(credits[peak])} on {short_day(days[peak])}")
        self.query_one("#usage-credits-label", Static).update(label)
        self.query_one("#usage-credits", Sparkline).data = credits
        rates = [rate for _, rate in report.failure_series]
        known = [r for r in rates if r is not None]
        label = Text()
        label.append("failure rate per day ", style="bold")
        if known:
            worst = max(range(len(rates)), key=lambda i: rates[i] or 0.0)
            label.append(f"· peak {rate_text(rates[worst])} on {short_day(days[worst])}")
            label.append(" (0 on days nothing finished)", style="dim")
        else:
            label.append("· no finished jobs")
        self.query_one("#usage-failures-label", Static).update(label)
        self.query_one("#usage-failures", Sparkline).data = [r or 0.0 for r in rates]

    def _fill_table(self, report: UsageReport) -> None:
        table = self.query_one("#usage-table", DataTable)
        table.clear(columns=True)
        narrow = self.has_class("-narrow")
        width = NARROW_BAR_WIDTH if narrow else BAR_WIDTH
        label_width = 18 if narrow else 32
        for name, justify in (
            (BY_NAMES[self.by], "left"),
            ("credits", "right"),
            ("", "left"),
            ("pages", "right"),
            ("jobs", "right"),
            ("failed", "right"),
            ("p50/p95", "right"),
            ("conf", "right"),
        ):
            table.add_column(Text(name, justify=justify))  # type: ignore[arg-type]
        top = max((row.credits for row in report.rows), default=0.0)
        for row in report.rows:
            table.add_row(*self._cells(row, top, width, label_width), key=row.key or "-")
        table.add_row(
            *self._cells(report.total, top, 0, label_width, style="bold"), key="__total__"
        )
        if self.by in ("day", "week"):
            table.move_cursor(row=table.row_count - 1, animate=False)

    @staticmethod
    def _cells(row: UsageRow, top: float, width: int, label_width: int, style: str = "") -> list:
        return [
            cell(row.label, label_width, style=style),
            Text(credits_text(row.credits, row.estimated), style=style, justify="right"),
            Text(bar(row.credits, top, width), style="bold"),
            Text(f"{row.pages:,}", style=style, justify="right"),
            Text(f"{row.jobs:,}", style=style, justify="right"),
            Text(rate_text(row.failure_rate), style=style, justify="right"),
            Text(durations_text(row), style=style, justify="right"),
            Text(
                f"{row.mean_confidence:.2f}" if row.mean_confidence is not None else "-",
                style=style,
                justify="right",
            ),
        ]

    # -- keys -------------------------------------------------------------------------------

    def action_group(self, by: str) -> None:
        if by == self.by or by not in BY:
            return
        self.by = by
        self.draw_title()
        if self.data is not None:
            self.digest(self.data)

"""The field-by-field comparison of two jobs: changed, added, removed, confidence deltas."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from explorer.api.models import ExtractJob
from explorer.core.diff import DiffSummary, FieldChange, diff_summary
from explorer.core.present import clip, short_id
from explorer.tui.widgets.footer import QuietFooter
from explorer.tui.widgets.result_view import Annotation
from explorer.tui.widgets.row_table import RowTable

KIND_GLYPHS = {"changed": "~ changed", "added": "+ added", "removed": "- removed", "same": "= same"}


def job_caption(job: ExtractJob) -> str:
    tier = clip(job.tier or "?", 20)
    return f"{short_id(job.id)} · {clip(job.document_label, 40)} · {tier} · {clip(job.status, 20)}"


class DiffScreen(Screen[None]):
    """Two jobs side by side, one line per field that differs (``a`` shows unchanged too)."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="diff.back"),
        Binding("a", "toggle_same", "Show unchanged", id="diff.same"),
    ]

    def __init__(self, a: ExtractJob, b: ExtractJob, changes: list[FieldChange]) -> None:
        super().__init__()
        self.a = a
        self.b = b
        self.changes = changes
        self.show_same = False
        self.shown: list[FieldChange] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="diff-body"):
            yield Static(id="diff-title")
            yield Static(id="diff-summary")
            yield RowTable(id="diff-table")
        yield QuietFooter()

    def on_mount(self) -> None:
        title = Text()
        title.append("A  ", style="bold red")
        title.append(job_caption(self.a))
        title.append("\nB  ", style="bold green")
        title.append(job_caption(self.b))
        self.query_one("#diff-title", Static).update(title)
        self.query_one("#diff-summary", Static).update(summary_text(diff_summary(self.changes)))
        table = self.query_one(RowTable)
        table.set_annotations(self._annotation)
        self._fill()
        table.focus()

    def _fill(self) -> None:
        self.shown = [c for c in self.changes if self.show_same or c.kind != "same"]
        rows: list[dict[str, Any]] = [
            {
                "change": KIND_GLYPHS.get(c.kind, c.kind),
                "path": c.path_str,
                "A": c.old if c.kind != "added" else "",
                "B": c.new if c.kind != "removed" else "",
                "conf A": _round(c.old_confidence),
                "conf B": _round(c.new_confidence),
                "Δ conf": _round(c.confidence_delta),
            }
            for c in self.shown
        ]
        self.query_one(RowTable).set_rows(rows)

    def _annotation(self, path: tuple) -> Annotation | None:
        if len(path) != 2 or not 0 <= path[0] < len(self.shown):
            return None
        change = self.shown[path[0]]
        column = path[1]
        if column == "conf A" and change.old_confidence is not None:
            return Annotation(confidence=change.old_confidence)
        if column == "conf B" and change.new_confidence is not None:
            return Annotation(confidence=change.new_confidence)
        if column == "change" and change.kind != "same":
            return Annotation(problem=change.kind)
        return None

    def action_toggle_same(self) -> None:
        self.show_same = not self.show_same
        self._fill()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def summary_text(summary: DiffSummary) -> Text:
    text = Text()
    text.append(f"{summary.changed} changed", style="bold yellow")
    text.append(" · ")
    text.append(f"{summary.added} added", style="bold green")
    text.append(" · ")
    text.append(f"{summary.removed} removed", style="bold red")
    text.append(f" · {summary.same} unchanged", style="dim")
    if summary.mean_confidence_delta is not None:
        text.append(f" · mean confidence Δ {summary.mean_confidence_delta:+.3f}")
    return text

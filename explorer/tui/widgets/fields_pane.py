"""``FieldsPane``: every field of the job in one table — sort, filter, find the weak ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from explorer.core.confidence import LOW_CONFIDENCE
from explorer.core.field_row import SORT_COLUMNS, sort_rows
from explorer.core.fields import FieldRow
from explorer.tui.inert import inert
from explorer.tui.widgets.result_view import Annotation
from explorer.tui.widgets.row_table import RowTable

if TYPE_CHECKING:
    from explorer.core.analysis import Analysis


def _pages(row: FieldRow) -> str:
    pages = sorted({c.page for c in row.citations if c.page is not None})
    return ",".join(str(p) for p in pages[:6]) + ("…" if len(pages) > 6 else "")


class FieldsPane(Vertical):
    """A table of field rows with sort, text filter and the debugging toggles (below X,
    problems, no citation, ungrounded)."""

    BINDINGS = [
        Binding("s", "next_sort", "Sort", id="fields.sort"),
        Binding("o", "reverse_sort", "Reverse", show=False, id="fields.reverse"),
        Binding("b", "toggle_below", "Below X", id="fields.below"),
        Binding("left_square_bracket", "threshold(-0.05)", "X−", show=False, id="fields.lower"),
        Binding("right_square_bracket", "threshold(0.05)", "X+", show=False, id="fields.raise"),
        Binding("P", "toggle_problems", "Problems", id="fields.problems"),
        Binding("C", "toggle_uncited", "No citation", id="fields.uncited"),
        Binding("U", "toggle_ungrounded", "Ungrounded", id="fields.ungrounded"),
        Binding("enter", "open_field", "Show in results", show=False, id="fields.open"),
    ]

    class OpenField(Message):
        """Show this field in the Results tree."""

        def __init__(self, path: tuple) -> None:
            super().__init__()
            self.path = path

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.analysis: Analysis | None = None
        self.shown_rows: list[FieldRow] = []
        self.sort_column = "path"
        self.descending = False
        self.below: float | None = None
        self.threshold = LOW_CONFIDENCE
        self.only_problems = False
        self.only_uncited = False
        self.only_ungrounded = False
        self.text = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="fields-bar"):
            yield Input(placeholder="filter fields: path or value", id="fields-filter")
            yield Static("", id="fields-state")
        yield RowTable(id="fields-table")

    def on_mount(self) -> None:
        self.table.set_annotations(self._annotation)
        self.show_message("Select a job: its fields appear here.")

    def start_filter(self) -> None:
        """``/`` in the Fields view: type into its filter."""
        self.query_one("#fields-filter", Input).focus()

    @property
    def table(self) -> RowTable:
        return self.query_one("#fields-table", RowTable)

    def show_message(self, message: str) -> None:
        self.analysis = None
        self.shown_rows = []
        self.table.set_rows([])
        self.query_one("#fields-state", Static).update(inert(message, 400, style="dim italic"))

    def set_analysis(self, analysis: Analysis, *, keep_state: bool = False) -> None:
        self.analysis = analysis
        self.threshold = analysis.low_confidence if self.below is None else self.threshold
        self.refilter(keep_state=keep_state)

    def refilter(self, keep_state: bool = False) -> None:
        """Apply filter, toggles and sort to the analysis rows and redraw the table."""
        if self.analysis is None:
            return
        needle = self.text.lower()
        rows = []
        for row in self.analysis.rows:
            confidence = row.confidence
            if self.below is not None and (confidence is None or confidence >= self.below):
                continue
            if self.only_problems and not row.problems:
                continue
            if self.only_uncited and row.has_citation:
                continue
            if self.only_ungrounded and row.path not in self.analysis.ungrounded:
                continue
            if (
                needle
                and needle not in row.path_str.lower()
                and needle not in str(row.value).lower()
            ):
                continue
            rows.append(row)
        sort_rows(rows, self.sort_column, descending=self.descending)
        self.shown_rows = rows
        self.table.set_rows([self._cells(row) for row in rows], keep_state=keep_state)
        self._show_state()

    @staticmethod
    def _cells(row: FieldRow) -> dict[str, Any]:
        confidence = row.confidence
        return {
            "path": row.path_str,
            "value": row.value if row.in_result else "(missing)",
            "confidence": round(confidence, 2) if confidence is not None else None,
            "pages": _pages(row),
            "problems": "; ".join(row.problems),
        }

    def _annotation(self, path: tuple) -> Annotation | None:
        if len(path) != 2 or not 0 <= path[0] < len(self.shown_rows):
            return None
        row = self.shown_rows[path[0]]
        if path[1] == "confidence" and row.confidence is not None:
            return Annotation(confidence=row.confidence, low=row.confidence < self.threshold)
        if path[1] == "problems" and row.problems:
            return Annotation(problem=row.problems[0])
        return None

    def _show_state(self) -> None:
        assert self.analysis is not None
        text = Text(no_wrap=True)
        text.append(f" {len(self.shown_rows):,}/{len(self.analysis.rows):,} fields", style="bold")
        arrow = "↓" if self.descending else "↑"
        text.append(f"  sort {self.sort_column} {arrow}", style="dim")
        if self.below is not None:
            text.append(f"  below {self.below:.2f}", style="yellow")
        else:
            text.append(f"  X {self.threshold:.2f}", style="dim")
        if self.only_problems:
            text.append("  problems", style="red")
        if self.only_uncited:
            text.append("  no citation", style="magenta")
        if self.only_ungrounded:
            text.append("  ungrounded", style="red")
        self.query_one("#fields-state", Static).update(text)

    @on(Input.Changed, "#fields-filter")
    def on_filter(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.refilter()

    @on(Input.Submitted, "#fields-filter")
    def on_filter_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_next_sort(self) -> None:
        index = SORT_COLUMNS.index(self.sort_column)
        self.sort_column = SORT_COLUMNS[(index + 1) % len(SORT_COLUMNS)]
        self.refilter()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self.refilter()

    def action_toggle_below(self) -> None:
        self.below = None if self.below is not None else self.threshold
        self.refilter()

    def action_threshold(self, step: float) -> None:
        self.threshold = min(1.0, max(0.0, round(self.threshold + step, 2)))
        if self.below is not None:
            self.below = self.threshold
        # Said on the state line (one place, updated in place), not a toast per key press.
        self.refilter()

    def action_toggle_problems(self) -> None:
        self.only_problems = not self.only_problems
        self.refilter()

    def action_toggle_uncited(self) -> None:
        self.only_uncited = not self.only_uncited
        self.refilter()

    def action_toggle_ungrounded(self) -> None:
        self.only_ungrounded = not self.only_ungrounded
        self.refilter()

    def current_row(self) -> FieldRow | None:
        index = self.table.cursor_row
        if 0 <= index < len(self.shown_rows):
            return self.shown_rows[index]
        return None

    def action_open_field(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(self.OpenField(row.path))

"""``ResultsPane``: the result as a navigable tree (or a table of rows) over the field metadata."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Input, Static

from explorer.api.models import ExtractJob
from explorer.core.confidence import LOW_CONFIDENCE
from explorer.core.fields import metadata_for
from explorer.core.present import status_style
from explorer.core.sanitize import safe_text
from explorer.core.summary import result_shape
from explorer.tui.inert import inert
from explorer.tui.widgets.field_meta import FieldMetadataPane
from explorer.tui.widgets.result_view import Annotation, ResultView
from explorer.tui.widgets.row_table import RowTable

if TYPE_CHECKING:
    from explorer.core.analysis import Analysis


class ResultsPane(Vertical):
    """The extract_result of the current job, and the metadata of the field under the cursor."""

    BINDINGS = [
        Binding("v", "toggle_view", "Tree/table", id="results.view"),
        Binding("i", "toggle_metadata", "Field info", show=False, id="results.metadata"),
    ]

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.job: ExtractJob | None = None
        self.job_dict: dict | None = None
        self.problems: dict[tuple, list[str]] = {}
        self.analysis: Analysis | None = None
        self.low_confidence = LOW_CONFIDENCE

    @classmethod
    def all_bindings(cls) -> list[Binding]:
        return [*cls.BINDINGS, *ResultView.BINDINGS, *RowTable.BINDINGS]

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a job in the tree.", style="dim"), id="results-header")
        yield Input(placeholder="search keys and values (Enter: next)", id="results-search")
        with ContentSwitcher(initial="result-tree", id="results-switcher"):
            yield ResultView(id="result-tree")
            yield RowTable(id="row-table")
        yield FieldMetadataPane(id="field-meta")

    def on_mount(self) -> None:
        self.query_one("#results-search", Input).display = False

    @property
    def view(self) -> ResultView:
        return self.query_one(ResultView)

    @property
    def table(self) -> RowTable:
        return self.query_one(RowTable)

    @property
    def meta_pane(self) -> FieldMetadataPane:
        return self.query_one(FieldMetadataPane)

    def focus_view(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        (self.table if switcher.current == "row-table" else self.view).focus()

    def show_message(self, message: str) -> None:
        self._set_header(inert(message, 400, style="dim italic"))
        self.view.set_value(None, empty_message=message)
        self.meta_pane.clear("")

    def _set_header(self, text: Text) -> None:
        # One line, as wide as the pane whatever it says: no layout pass needed.
        self.query_one("#results-header", Static).update(text, layout=False)

    def show_job(self, job: ExtractJob, *, keep_state: bool = False) -> None:
        """Show a job's result; ``keep_state`` keeps expansion and cursor (live refresh)."""
        same = self.job is not None and self.job.id == job.id
        self.job = job
        self.job_dict = job.to_json_dict()
        if not same or not keep_state:
            self.problems = {}
            self.analysis = None
        header = Text(no_wrap=True, overflow="ellipsis")
        target = job.extraction_target or "?"
        header.append(f"{safe_text(target, 40)} · {safe_text(result_shape(job), 80)}", style="bold")
        has_meta = job.field_metadata is not None
        if not job.is_terminal:
            glyph, colour = status_style(job.status)
            header.append(
                f"   {glyph} {safe_text(job.status, 40)}: updates by itself when the job finishes",
                style=colour,
            )
        result = job.extract_result
        rows_like = isinstance(result, list) and job.extraction_target == "per_table_row"
        header.append("   v: tree / table" if rows_like else "", style="dim")
        if has_meta:
            header.append("   confidence shown beside fields", style="dim")
        self._set_header(header)
        label = {"per_page": "page", "per_table_row": "row"}.get(target)
        if result is None:
            if job.status == "FAILED":
                message = "No result: the job FAILED (see Overview for the error)."
            elif not job.is_terminal:
                message = f"No result yet: the job is {job.status}. This refreshes by itself."
            else:
                message = f"No result (the job is {job.status})."
            self.view.set_value(None, empty_message=message)
            self.meta_pane.clear("Field metadata (confidence, citations) appears with the result.")
            return
        self.view.set_value(
            result, label="result", item_label=label, keep_state=keep_state and same
        )
        self.view.set_annotations(self._annotation)
        if rows_like:
            self.table.set_rows(result, keep_state=keep_state and same)
            self.table.set_annotations(self._annotation)
        else:
            self.query_one(ContentSwitcher).current = "result-tree"
        if self.analysis is None:
            self.meta_pane.rows_for_pages = None
        value = self.view.cursor_value
        self._show_meta(
            self.view.cursor_path, value, not (isinstance(value, dict | list) and value)
        )

    def _annotation(self, path: tuple) -> Annotation | None:
        if self.job_dict is None:
            return None
        meta = metadata_for(self.job_dict, path)
        problem = self.problems.get(tuple(path))
        confidence = None
        if meta is not None:
            raw = meta.get("confidence")
            if isinstance(raw, int | float) and not isinstance(raw, bool) and raw == raw:
                confidence = float(raw)
        if confidence is None and not problem:
            return None
        low = confidence is not None and confidence < self.low_confidence
        return Annotation(confidence=confidence, problem=problem[0] if problem else None, low=low)

    def set_analysis(self, analysis: Analysis) -> None:
        """Schema problems and marks arrive: show them and let n/N jump between them."""
        if self.job is None or analysis.job_id != self.job.id:
            return
        self.analysis = analysis
        self.problems = analysis.problems
        self.low_confidence = analysis.low_confidence
        flagged = analysis.flagged
        self.view.set_annotations(self._annotation, has_flagged=lambda path: tuple(path) in flagged)
        if isinstance(self.job.extract_result, list):
            self.table.set_annotations(self._annotation)
        self.meta_pane.rows_for_pages = analysis.rows
        value = self.view.cursor_value
        self._show_meta(
            self.view.cursor_path, value, not (isinstance(value, dict | list) and value)
        )

    def cursor_field(self) -> tuple[tuple | None, Any]:
        """(path, value) under the cursor of the tree or the row table."""
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "row-table":
            row, column = self.table.cursor_row, self.table.cursor_column
            if row is None or row < 0:
                return None, None
            path = (row,) if column is None else (row, column)
            return path, self.table.cursor_value
        return self.view.cursor_path, self.view.cursor_value

    def select_path(self, path: tuple) -> None:
        """Show a field in the result tree (from the Fields view)."""
        self.query_one(ContentSwitcher).current = "result-tree"
        self.view.select_path(path)
        self.view.focus()

    def _show_meta(self, path: tuple | None, value: Any, is_leaf: bool) -> None:
        if self.job_dict is None or path is None:
            return
        self.meta_pane.show_field(
            self.job_dict, tuple(path), value, is_leaf, self.problems.get(tuple(path))
        )

    @on(ResultView.CursorMoved)
    def on_cursor_moved(self, message: ResultView.CursorMoved) -> None:
        self._show_meta(message.path, message.value, message.is_leaf)

    @on(RowTable.CellHighlighted)
    def on_cell_highlighted(self, message: RowTable.CellHighlighted) -> None:
        path = (message.row,) if message.column is None else (message.row, message.column)
        self._show_meta(path, message.value, not isinstance(message.value, dict | list))

    def action_toggle_view(self) -> None:
        if self.job is None or not isinstance(self.job.extract_result, list):
            self.app.notify("The table view is for row results (per_table_row).", timeout=3)
            return
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "result-tree":
            if self.table.row_count == 0:
                self.table.set_rows(self.job.extract_result)
                self.table.set_annotations(self._annotation)
            switcher.current = "row-table"
            self.table.focus()
        else:
            switcher.current = "result-tree"
            self.view.focus()

    def action_toggle_metadata(self) -> None:
        self.meta_pane.display = not self.meta_pane.display

    def start_search(self) -> None:
        box = self.query_one("#results-search", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#results-search")
    def on_search(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            event.input.display = False
            self.focus_view()
            return
        if not self.view.find_next(text):
            self.app.notify(f"No more matches for {text!r}.", timeout=3)
        self.query_one(ContentSwitcher).current = "result-tree"
        self.view.focus()

"""``FieldsPane``: every field of the job in one table — sort, filter, find the weak ones.

Sorting keeps one :class:`~explorer.core.field_sort.RowOrder` per analysis: the first sort by a
column works its order out (in a thread when the rows are many), later ones, either way and
under any filter, take one pass over the kept order. The table draws the rows it shows from
that order, formatting a row's cells only when it scrolls into view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from explorer.core.confidence import LOW_CONFIDENCE
from explorer.core.errors import describe_error
from explorer.core.field_sort import SORT_COLUMNS, OrderedRows, RowOrder
from explorer.core.fields import FieldRow
from explorer.tui.inert import inert
from explorer.tui.widgets.result_view import Annotation
from explorer.tui.widgets.row_table import RowTable
from explorer.tui.workers import work

if TYPE_CHECKING:
    from explorer.core.analysis import Analysis


#: Up to this many rows a first sort runs at once (tens of ms); more go to a thread.
SYNC_SORT_ROWS = 50_000
#: Orders kept for analyses shown before (going back to a job sorts it at once).
KEEP_ORDERS = 2


def _pages(row: FieldRow) -> str:
    pages = sorted({c.page for c in row.citations if c.page is not None})
    return ",".join(str(p) for p in pages[:6]) + ("…" if len(pages) > 6 else "")


#: The table's columns: the keys of :func:`cells`.
COLUMNS = ("path", "value", "confidence", "pages", "problems")


def cells(row: FieldRow) -> dict[str, Any]:
    """The table cells of one field row (the keys of :data:`COLUMNS`)."""
    confidence = row.confidence
    return {
        "path": row.path_str,
        "value": row.value if row.in_result else "(missing)",
        "confidence": round(confidence, 2) if confidence is not None else None,
        "pages": _pages(row),
        "problems": "; ".join(row.problems),
    }


class RowCells(Sequence[dict[str, Any]]):
    """The table's rows: each field row's cells, made when the table reads them.

    The last thousand or so are kept, so a cell read twice is the same object (the table
    tells the cursor's cell apart by identity).
    """

    KEEP = 1024

    def __init__(self, rows: Sequence[FieldRow]) -> None:
        self.rows = rows
        self._made: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        made = self._made.get(index)
        if made is None:
            if not 0 <= index < len(self.rows):
                raise IndexError(index)
            if len(self._made) >= self.KEEP:
                self._made.clear()
            made = self._made[index] = cells(self.rows[index])
        return made


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
        #: The rows in the table, in its order.
        self.shown_rows: Sequence[FieldRow] = []
        #: The orders of ``analysis.rows`` by each column, kept while the analysis is shown.
        self.row_order: RowOrder | None = None
        #: The orders of the last analyses shown, the current one first.
        self._orders: list[RowOrder] = []
        #: Indices of the rows the filter and toggles keep (None: all), and as a mask.
        self._kept: list[int] | None = None
        self._mask: bytearray | None = None
        #: Whether a sort runs in a thread (the table shows the rows unsorted until it ends).
        self.sorting = False
        self._sort_keep_state = False
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
        self.row_order = None
        self._kept = self._mask = None
        self.sorting = False
        self.shown_rows = []
        self.table.set_rows([])
        self.query_one("#fields-state", Static).update(inert(message, 400, style="dim italic"))

    def set_analysis(self, analysis: Analysis, *, keep_state: bool = False) -> None:
        self.analysis = analysis
        self.threshold = analysis.low_confidence if self.below is None else self.threshold
        self.row_order = self._order_of(analysis.rows)
        self.refilter(keep_state=keep_state)

    def _order_of(self, rows: list[FieldRow]) -> RowOrder:
        """The kept orders of these rows (or new ones); the problems are read again."""
        for order in self._orders:
            if order.rows is rows and order.size == len(rows):
                self._orders.remove(order)
                order.forget("problems")  # the same rows, checked again: problems may differ
                break
        else:
            order = RowOrder(rows)
        self._orders = [order, *self._orders[: KEEP_ORDERS - 1]]
        return order

    def refilter(self, keep_state: bool = False) -> None:
        """Apply filter, toggles and sort to the analysis rows and redraw the table."""
        if self.analysis is None:
            return
        self._kept = kept = self._filter(self.analysis)
        if kept is None:
            self._mask = None
        else:
            self._mask = mask = bytearray(len(self.analysis.rows))
            for i in kept:
                mask[i] = 1
        self.resort(keep_state=keep_state, refiltered=True)

    def _filter(self, analysis: Analysis) -> list[int] | None:
        """Indices of the rows the filter and toggles keep; None when they keep every row."""
        below, needle = self.below, self.text.lower()
        problems, uncited, ungrounded = self.only_problems, self.only_uncited, self.only_ungrounded
        if below is None and not (needle or problems or uncited or ungrounded):
            return None
        kept = []
        for i, row in enumerate(analysis.rows):
            if below is not None:
                confidence = row.confidence
                if confidence is None or confidence >= below:
                    continue
            if problems and not row.problems:
                continue
            if uncited and row.has_citation:
                continue
            if ungrounded and row.path not in analysis.ungrounded:
                continue
            if (
                needle
                and needle not in row.path_str.lower()
                and needle not in str(row.value).lower()
            ):
                continue
            kept.append(i)
        return kept

    def resort(self, keep_state: bool = False, refiltered: bool = False) -> None:
        """Show the kept rows in the current sort: at once when the order is known or cheap to
        work out, else from a thread (the kept rows unsorted meanwhile, if they changed)."""
        order, analysis = self.row_order, self.analysis
        if order is None or analysis is None:
            return
        column, descending, kept = self.sort_column, self.descending, self._kept
        count = order.size if kept is None else len(kept)
        if order.is_cached(column, descending) or (kept is None and count <= SYNC_SORT_ROWS):
            self.sorting = False
            self._display(order.view(column, descending, self._mask), keep_state)
        elif kept is not None and count <= SYNC_SORT_ROWS:
            # few rows kept: sort just those (the order of all of them is not needed)
            self.sorting = False
            subset = RowOrder([order.rows[i] for i in kept]).order(column, descending)
            self._display(OrderedRows(order.rows, [kept[j] for j in subset]), keep_state)
        else:
            self.sorting, self._sort_keep_state = True, keep_state
            if refiltered:
                indices = range(order.size) if kept is None else kept
                self._display(OrderedRows(order.rows, indices), keep_state)
            else:
                self._show_state()
            self._sort_in_thread(order, column, descending)

    def _display(self, rows: OrderedRows, keep_state: bool) -> None:
        self.shown_rows = rows
        self.table.set_rows(RowCells(rows), keep_state=keep_state, columns=COLUMNS)
        self._show_state()

    @work(thread=True, exclusive=True, group="fields-sort", exit_on_error=False)
    def _sort_in_thread(self, order: RowOrder, column: str, descending: bool) -> None:
        """Work out an order of many rows; the table updates when it is known."""
        worker = get_current_worker()
        try:
            done = order.prepare(column, descending, cancelled=lambda: worker.is_cancelled)
        except Exception as exc:  # shown, never raised
            self.app.call_from_thread(self._sort_failed, order, describe_error(exc))
            return
        if done:
            self.app.call_from_thread(self._sort_ready, order)

    def _sort_ready(self, order: RowOrder) -> None:
        if order is not self.row_order or not self.sorting:
            return  # another analysis, or shown already
        if order.is_cached(self.sort_column, self.descending):
            self.resort(keep_state=self._sort_keep_state)
        # else: the sort asked for changed meanwhile; its own thread reports when done

    def _sort_failed(self, order: RowOrder, error: str) -> None:
        if order is self.row_order and self.sorting:
            self.sorting = False
            self._show_state()
            self.app.notify(f"Could not sort the fields: {error}", severity="error", timeout=6)

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
        if self.sorting:
            text.append(" sorting…", style="italic")
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
        self.resort()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self.resort()

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

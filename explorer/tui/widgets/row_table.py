"""``RowTable``: per_table_row results as a table, drawn with the line API.

Opening costs a sample (column names from the first rows, widths from fewer); each row is
formatted only when it scrolls into view, so 200,000 rows open as fast as 20. The rows can be
any sequence, one that makes each row when it is read included (the Fields table's).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from explorer.core.confidence import confidence_band
from explorer.core.json_lines import Annotation, AnnotationCache, children
from explorer.core.jsonpath import MISSING
from explorer.core.sanitize import safe_text, scalar_text
from explorer.tui.widgets.rendered_lines import SteadyScrollbars

__all__ = ["RowTable"]

COLUMN_SAMPLE = 1000  # rows scanned for column names
WIDTH_SAMPLE = 200  # rows measured for column widths
MAX_WIDTH = 40  # cells; wider values are cut with …

Column = str | None  # None: the "value" column for rows that are not objects


def compact_json(value: Any, max_len: int) -> str:
    """JSON-like one-line text of any value, safe to draw, at most ``max_len`` chars.

    Iterative with early exit: a 500-deep or 200,000-element value costs ``max_len`` work.
    """
    parts: list[str] = []
    used = 0
    stack: list[tuple[Iterator[tuple[Any, Any]], bool]] = []  # (children, is a dict)
    item, first = value, True
    while True:
        if isinstance(item, dict | list) and item:
            stack.append((children(item), isinstance(item, dict)))
            piece, first = ("{" if isinstance(item, dict) else "["), True
        else:
            piece, first = scalar_text(item, max_len)[0], False
        parts.append(piece)
        used += len(piece)
        while stack and used <= max_len:  # find the next value, closing finished containers
            kids, is_dict = stack[-1]
            nxt = next(kids, None)
            if nxt is None:
                stack.pop()
                parts.append("}" if is_dict else "]")
                used, first = used + 1, False
                continue
            key, item = nxt
            sep = "" if first else ", "
            if is_dict:
                sep += '"' + safe_text(str(key), max_len=max_len) + '": '
            parts.append(sep)
            used += len(sep)
            break
        else:
            break
    text = "".join(parts)
    if len(text) > max_len or stack:
        return text[: max(0, max_len - 1)] + "…"
    return text


def cell_text(value: Any, max_len: int) -> tuple[str, str]:
    """(safe one-line text, component suffix) for a cell; strings unquoted, nesting as JSON."""
    if value is MISSING:
        return "", "missing"
    if isinstance(value, dict | list):
        return compact_json(value, max_len), "nested"
    text, kind = scalar_text(value, max_len, quote=False)
    return text, kind


class RowTable(SteadyScrollbars, ScrollView, can_focus=True):
    """A table of row objects: one column per key, a row-number gutter, a fixed header.

    A cell flagged by the annotations gets a mark after its text: ``!`` a schema problem,
    ``?`` low confidence; a known confidence colours the text high / mid / low.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="rows.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="rows.down"),
        Binding("left,h", "cursor_left", "Left", show=False, id="rows.left"),
        Binding("right,l", "cursor_right", "Right", show=False, id="rows.right"),
        Binding("home,g", "first", "First row", show=False, id="rows.first"),
        Binding("end,G", "last", "Last row", show=False, id="rows.last"),
        Binding("pageup", "page_up", "Page up", show=False, id="rows.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="rows.page_down"),
        Binding("ctrl+home,0", "first_column", "First column", show=False, id="rows.first_column"),
        Binding("ctrl+end,$", "last_column", "Last column", show=False, id="rows.last_column"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-table--header",
        "row-table--gutter",
        "row-table--cursor",
        "row-table--cursor-row",
        "row-table--string",
        "row-table--number",
        "row-table--bool",
        "row-table--null",
        "row-table--nested",
        "row-table--message",
        "row-table--conf-high",
        "row-table--conf-mid",
        "row-table--conf-low",
        "row-table--problem",
    }

    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        & > .row-table--header { color: $text-primary; text-style: bold; }
        & > .row-table--gutter { color: $text-muted; }
        & > .row-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .row-table--cursor { background: $block-cursor-background; text-style: bold; }
        & > .row-table--cursor-row { background: $surface-lighten-2; }
        & > .row-table--string { color: $text; }
        & > .row-table--number { color: $text-accent; }
        & > .row-table--bool { color: $text-warning; }
        & > .row-table--null { color: $text-muted; text-style: italic; }
        & > .row-table--nested { color: $text-muted; }
        & > .row-table--message { color: $text-muted; text-style: italic; }
        & > .row-table--conf-high { color: $text-success; }
        & > .row-table--conf-mid { color: $text-warning; }
        & > .row-table--conf-low { color: $text-error; }
        & > .row-table--problem { color: $text-error; text-style: bold; }
    }
    """

    class CellHighlighted(Message):
        """The cell cursor moved."""

        def __init__(self, table: RowTable, row: int, column: Column, value: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.column = column
            self.value = value  # MISSING when the row has no such key

        @property
        def control(self) -> RowTable:
            """The widget that sent the message."""
            return self.table

    def __init__(
        self,
        rows: Sequence[Any] | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: Sequence[Any] = []
        self._columns: list[Column] = []
        self._column_set: set[Column] = set()
        self._widths: list[int] = []
        self._offsets: list[int] = [0]  # x of each column in the body, then the body width
        self._gutter = 1  # row-number column, fixed while the cells scroll sideways
        self._cursor_row = 0
        self._cursor_col = 0
        self._posted: tuple[int, int, Any] | None = None
        self._annotations = AnnotationCache()
        self._line_cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(512)
        self._styles: dict[str, Style] = {}
        self._resize_pending = False
        self._initial = rows

    def on_mount(self) -> None:
        """Show the rows given to the constructor."""
        if self._initial is not None:
            self.set_rows(self._initial)
            self._initial = None

    # -- public API -------------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[Any]:
        """The rows shown."""
        return self._rows

    @property
    def row_count(self) -> int:
        """Number of rows."""
        return len(self._rows)

    @property
    def columns(self) -> list[Column]:
        """Column keys in display order (None: the value of a row that is not an object)."""
        return list(self._columns)

    @property
    def cursor_row(self) -> int:
        """Row index of the cursor."""
        return self._cursor_row

    @property
    def cursor_column(self) -> Column:
        """Column key of the cursor (None for the "value" column or no columns)."""
        return self._columns[self._cursor_col] if self._columns else None

    @property
    def cursor_value(self) -> Any:
        """Full value of the cell under the cursor (``MISSING`` if the row lacks the key)."""
        if not self._rows:
            return MISSING
        return self._cell(self._rows[self._cursor_row], self.cursor_column)

    def set_rows(
        self,
        rows: Sequence[Any],
        *,
        keep_state: bool = False,
        columns: Sequence[Column] | None = None,
    ) -> None:
        """Show ``rows``; ``keep_state`` keeps the cursor (by column name) and the scroll.

        ``columns``: the column keys, when the caller knows every row has just those (rows
        made on access are then not read to find them; only the width sample is).
        """
        column = self.cursor_column if keep_state and self._columns else MISSING
        scroll = (self.scroll_x, self.scroll_y) if keep_state else (0.0, 0.0)
        self._rows = rows
        self._columns, self._column_set = [], set()
        if columns is not None and rows:
            self._columns, self._column_set = list(columns), set(columns)
        else:
            for row in rows[:COLUMN_SAMPLE]:
                self._add_keys(row)
        # measure ~20,000 cells at most: a hostile row with 5,000 keys must not stall opening
        sample = rows[: max(1, min(WIDTH_SAMPLE, 20_000 // max(1, len(self._columns))))]
        self._widths = [self._measure(c, sample) for c in self._columns]
        self._layout()
        self._annotations.clear()
        if not keep_state:
            self._posted = None
        keep = column is not MISSING and column in self._column_set
        self._cursor_col = self._columns.index(column) if keep else 0
        self._cursor_row = min(self._cursor_row if keep_state else 0, max(0, len(rows) - 1))
        self.scroll_to(*scroll, animate=False, force=True)
        self._post_cell()

    def set_annotations(self, fn: Callable[[tuple], Annotation | None] | None) -> None:
        """Annotate cells: ``fn((row, column))`` is called lazily for visible cells, cached."""
        self._annotations.set(fn)
        self._line_cache.clear()
        self.refresh()

    def select_row(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll to it."""
        self._move(row, self._cursor_col, center=True)

    # -- columns ----------------------------------------------------------------------------

    def _add_keys(self, row: Any) -> bool:
        seen, added = self._column_set, False
        keys = row if isinstance(row, dict) else (None,)
        for key in keys:
            if key not in seen:
                seen.add(key)
                self._columns.append(key)
                added = True
        return added

    def _header(self, column: Column) -> str:
        return "value" if column is None else safe_text(str(column), max_len=MAX_WIDTH)

    def _measure(self, column: Column, sample: Sequence[Any]) -> int:
        width = cell_len(self._header(column))
        for row in sample:
            text, _ = cell_text(self._cell(row, column), MAX_WIDTH)
            width = max(width, cell_len(text))
            if width >= MAX_WIDTH:
                return MAX_WIDTH
        return max(1, width)

    def _layout(self) -> None:
        offsets = [0]
        for width in self._widths:
            offsets.append(offsets[-1] + width + 2)  # a space either side
        self._offsets = offsets
        self._gutter = len(str(max(0, len(self._rows) - 1))) + 1
        self._line_cache.clear()
        self.virtual_size = Size(self._gutter + offsets[-1], len(self._rows) + 1)
        self.refresh()

    def _deferred_layout(self) -> None:
        self._resize_pending = False
        self._layout()

    @staticmethod
    def _cell(row: Any, column: Column) -> Any:
        if isinstance(row, dict):
            return MISSING if column is None else row.get(column, MISSING)
        return row if column is None else MISSING

    # -- rendering --------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Styles changed: drop cached styles and lines."""
        super().notify_style_update()
        self._styles.clear()
        self._line_cache.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(
                f"row-table--{name}", partial=True
            )
        return style

    def render_line(self, y: int) -> Strip:
        """Line 0 is the header (fixed); the others are rows, scrolled."""
        width = max(1, self.scrollable_content_region.width)
        base = self.rich_style
        if not self._rows:
            if y != 1:
                return Strip.blank(width, base)
            text = Text("No rows", style=base + self._style("message"))
            text.align("center", width)
            return Strip(text.render(self.app.console), width)
        row = -1 if y == 0 else int(self.scroll_y) + y - 1
        if row >= len(self._rows):
            return Strip.blank(width, base)
        col = self._cursor_col if row in (-1, self._cursor_row) else -1
        key = (row, col, col >= 0 and self.has_focus)  # the cursor's colour follows focus
        body = self._line_cache.get(key)
        if body is None:
            body = self._line_cache[key] = self._build_body(row, col, base)
        gutter = self._gutter_strip(row, base)
        scroll_x = int(self.scroll_x)
        view = body.crop_extend(scroll_x, scroll_x + max(0, width - self._gutter), base)
        return Strip.join([gutter, view]).crop(0, width).simplify()

    def _gutter_strip(self, row: int, base: Style) -> Strip:
        text = "#" if row < 0 else str(row)
        style = base + self._style("header" if row < 0 else "gutter")
        if row == self._cursor_row:
            style += self._style("cursor-row")
        return Strip([Segment(text.rjust(self._gutter - 1) + " ", style)], self._gutter)

    def _build_body(self, row: int, cursor_col: int, base: Style) -> Strip:
        header = row < 0
        line = Text(no_wrap=True, end="", style=base)
        values = None
        if not header:
            values = self._rows[row]
            if isinstance(values, dict) and not self._column_set.issuperset(values):
                self._grow_columns(values)
        for index, column in enumerate(self._columns):
            width = self._widths[index]
            mark = " "
            if header:
                cell = Text(self._header(column), style=self._style("header"), end="")
            else:
                text, kind = cell_text(self._cell(values, column), width + 1)
                style = self._style(kind) if kind != "missing" else Style()
                ann = self._annotations.get((row, column) if column is not None else (row,))
                if ann is not None:
                    if ann.confidence is not None:
                        style = self._style(f"conf-{confidence_band(ann.confidence)}")
                    mark = "!" if ann.problem else "?" if ann.low else " "
                cell = Text(text, style=style, end="")
            cell.truncate(width, overflow="ellipsis", pad=True)
            start = len(line)
            line.append(" ")
            line.append_text(cell)
            line.append(mark, style=self._style("problem" if mark == "!" else "conf-low"))
            if index == cursor_col:
                line.stylize(self._style("cursor"), start, len(line))
        if not header and row == self._cursor_row:
            line.stylize_before(self._style("cursor-row"))
        return Strip(line.render(self.app.console), line.cell_len)

    def _grow_columns(self, row: dict) -> None:
        """A rendered row has keys the sample missed: append columns, re-layout after paint."""
        before = len(self._columns)
        if not self._add_keys(row):
            return
        for column in self._columns[before:]:
            width = self._measure(column, [row])
            self._widths.append(width)
            self._offsets.append(self._offsets[-1] + width + 2)
        if not self._resize_pending:
            self._resize_pending = True
            self.call_later(self._deferred_layout)

    # -- cursor -----------------------------------------------------------------------------

    def _post_cell(self) -> None:
        if not self._rows:
            return
        value = self.cursor_value
        state = (self._cursor_row, self._cursor_col, value)
        posted = self._posted
        if posted is not None and posted[:2] == state[:2] and posted[2] is value:
            return
        self._posted = state
        self.post_message(self.CellHighlighted(self, self._cursor_row, self.cursor_column, value))

    def _move(self, row: int, col: int, animate: bool = False, center: bool = False) -> None:
        if not self._rows:
            return
        row = max(0, min(row, len(self._rows) - 1))
        col = max(0, min(col, len(self._columns) - 1))
        if row != self._cursor_row or col != self._cursor_col:
            old_row = self._cursor_row
            self._cursor_row, self._cursor_col = row, col
            self.refresh_lines(old_row + 1)
            self.refresh_lines(0)
            self.refresh_lines(row + 1)
            self.refresh()
        self._scroll_to_cursor(animate=animate, center=center)
        self._post_cell()

    def _scroll_to_cursor(self, animate: bool = False, center: bool = False) -> None:
        if not self._columns:
            x, width = 0, 1
        else:
            x = self._gutter + self._offsets[self._cursor_col]
            width = self._offsets[self._cursor_col + 1] - self._offsets[self._cursor_col]
        region = Region(x, self._cursor_row + 1, width, 1)
        spacing = Spacing(1, 0, 0, self._gutter)
        self.scroll_to_region(region, spacing=spacing, animate=animate, center=center, force=True)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        """Cursor one row up."""
        self._move(self._cursor_row - 1, self._cursor_col)

    def action_cursor_down(self) -> None:
        """Cursor one row down."""
        self._move(self._cursor_row + 1, self._cursor_col)

    def action_cursor_left(self) -> None:
        """Cursor one cell left."""
        self._move(self._cursor_row, self._cursor_col - 1)

    def action_cursor_right(self) -> None:
        """Cursor one cell right."""
        self._move(self._cursor_row, self._cursor_col + 1)

    def action_first(self) -> None:
        """Cursor to the first row."""
        self._move(0, self._cursor_col, animate=True)

    def action_last(self) -> None:
        """Cursor to the last row."""
        self._move(len(self._rows) - 1, self._cursor_col, animate=True)

    def action_page_up(self) -> None:
        """Cursor a page up."""
        self._move(self._cursor_row - self._page(), self._cursor_col, animate=True)

    def action_page_down(self) -> None:
        """Cursor a page down."""
        self._move(self._cursor_row + self._page(), self._cursor_col, animate=True)

    def action_first_column(self) -> None:
        """Cursor to the first column."""
        self._move(self._cursor_row, 0)

    def action_last_column(self) -> None:
        """Cursor to the last column."""
        self._move(self._cursor_row, len(self._columns) - 1)

    def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._rows:
            return
        row = self._cursor_row if offset.y == 0 else int(self.scroll_y) + offset.y - 1
        col = self._cursor_col
        if offset.x >= self._gutter:
            body_x = int(self.scroll_x) + offset.x - self._gutter
            col = bisect_right(self._offsets, body_x) - 1
        if row < len(self._rows):
            self._move(row, col)

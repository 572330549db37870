"""Tables on paper: per-table-row results, and lists of flat objects inside a document.

Columns are the rows' leaf fields in first-seen order (nested objects flattened), sized to their
contents and shrunk to the text column (a cell too wide for its column wraps). Rows go down the
page, the header repeated on each page a table continues on. Per-table-row results are spread
over the job's page count, at most about 40 rows to a page. Built with plain loops and shared
strings: the big statement has 50,000 rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .paper import Block, Column, Paper, Path, Row, Table
from .printed import label
from .tweaks import leaf_items
from .typeface import Typeface, wrap

if TYPE_CHECKING:
    from .layout import Flow, Piece, Walker

ROWS_PER_PAGE = 40
MAX_COLUMNS = 12
PAD = 3.0
LEADING = 1.35


@dataclass
class Grid:
    """A table before it is placed: its columns' fields, headers and printed cells."""

    paths: list[Path]
    headers: list[str]
    cells: list[list[str]]
    size: float

    def height(self) -> float:
        """About how much of a page it takes (one line per row)."""
        return (len(self.cells) + 1) * self.size * LEADING + 8.0


def grid_of(rows: list[Any], walker: Walker, size: float, max_columns: int = MAX_COLUMNS) -> Grid:
    """The cells of `rows` (row objects, or scalars) as the document prints them."""
    paths = columns_of(rows, max_columns)
    headers = [walker.tf.printable(_header(p)) for p in paths]
    names = [_name(p) for p in paths]
    return Grid(paths, headers, [_cells(row, paths, names, walker) for row in rows], size)


def columns_of(rows: list[Any], max_columns: int = MAX_COLUMNS) -> list[Path]:
    """The leaf fields of the rows, in first-seen order."""
    seen: dict[Path, None] = {}
    for row in rows:
        if isinstance(row, dict) and len(seen) >= len(row) and all((k,) in seen for k in row):
            continue  # the usual row: the same flat fields as before (50,000 times)
        for path, _ in leaf_items(row):
            if path not in seen:
                seen[path] = None
                if len(seen) >= max_columns:
                    return list(seen)
    return list(seen) or [()]


def place_grid(
    flow: Flow,
    grid: Grid,
    *,
    indent: float = 0.0,
    per_page: int | None = None,
    clip: bool = False,
    on_row: Callable[[int, Table, Row], None] | None = None,
) -> None:
    """Put `grid` on the pages of `flow`, calling `on_row(page, table part, row)` per row."""
    st, tf, size = flow.st, flow.tf, grid.size
    pitch, text_h = size * LEADING, size * (tf.ascent - tf.descent)
    usable = st.usable - indent
    measured: dict[str, float] = {}
    widths = _column_widths(grid.headers, grid.cells, tf, size, usable, measured)
    columns, x = [], st.margin + indent
    for path, head, w in zip(grid.paths, grid.headers, widths, strict=True):
        columns.append(Column(x, w, head, path))
        x += w
    table: Table | None = None
    for index, cells in enumerate(grid.cells):
        lines: list[str | tuple[str, ...]] = []
        for text, c in zip(cells, columns, strict=True):
            room = c.w - 2 * PAD
            if text and measured[text] > room:
                lines.append(tuple(wrap(text, room, room, tf, size)))
            else:
                lines.append(text)
        h = max((len(t) if isinstance(t, tuple) else 1) for t in lines) * pitch
        full = per_page is not None and table is not None and len(table.rows) >= per_page
        if table is None or full or flow.y + h > st.bottom:
            if table is not None or (flow.used() > 0 and flow.y + 2 * pitch + h > st.bottom):
                if clip:
                    break
                flow.new_page()
            table = Table(size, pitch, text_h, PAD, columns, flow.y + 4.0, [])
            flow.page.blocks.append(Block("table", table=table))
            flow.y = table.header_y + pitch + 2.0
        row = Row(index, flow.y, h, lines)
        table.rows.append(row)
        if on_row is not None:
            on_row(flow.page.number, table, row)
        flow.y += h
    flow.y += 4.0


def lay_out_table(
    paper: Paper, result: Any, walker: Walker, flow: Flow, title: Piece, pages: int
) -> None:
    """Fill `paper` with the rows of a per-table-row `result`."""
    rows = result if isinstance(result, list) else [result]
    grid = grid_of(rows, walker, 7.5 if flow.st.width >= 500 else 6.5)
    paper.row_columns = {p: i for i, p in enumerate(grid.paths)}
    flow.place(title)
    per_page = max(1, min(ROWS_PER_PAGE, math.ceil(len(rows) / max(pages, 1))))

    def note(page: int, table: Table, row: Row) -> None:
        paper.rows.append((page, table, row))

    place_grid(flow, grid, per_page=per_page, on_row=note)


def _header(path: Path) -> str:
    names = [str(p) for p in path if isinstance(p, str)]
    numbers = [str(p + 1) for p in path if isinstance(p, int)]
    return " ".join([label(names[-1]) if names else "Value", *numbers])


def _name(path: Path) -> str:
    return next((str(p) for p in reversed(path) if isinstance(p, str)), "value")


def _cells(row: Any, paths: list[Path], names: list[str], walker: Walker) -> list[str]:
    currency = row.get("currency") if isinstance(row, dict) else None
    saved = walker.currency
    if isinstance(currency, str):
        walker.currency = currency
    out = []
    for path, name in zip(paths, names, strict=True):
        value = row
        for key in path:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                value = None
                break
        out.append(walker.text(value, name) or "" if value is not None else "")
    walker.currency = saved
    return out


def _column_widths(
    headers: list[str],
    texts: list[list[str]],
    tf: Typeface,
    size: float,
    usable: float,
    cache: dict[str, float],
) -> list[float]:
    """Each column's width; `cache` is left holding every cell's measured width."""

    def width(text: str) -> float:
        w = cache.get(text)
        if w is None:
            w = cache[text] = tf.width(text, size)
        return w

    natural = [width(h) + 2 * PAD for h in headers]
    for cells in texts:
        for i, text in enumerate(cells):
            if text:
                w = width(text) + 2 * PAD
                if w > natural[i]:
                    natural[i] = w
    natural = [max(n, 24.0) for n in natural]
    total = sum(natural)
    if total <= usable:
        # spare room widens every column alike: the table spans the text column
        return [n * usable / total for n in natural]
    # too wide: cap the widest columns at one width, found by water-filling
    cap, rest, count = usable, usable, len(natural)
    for n in sorted(natural):
        if n * count > rest:
            cap = rest / count
            break
        rest -= n
        count -= 1
    return [min(n, cap) for n in natural]

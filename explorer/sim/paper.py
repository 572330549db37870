"""A document as laid out on paper: pages of text boxes, and where each extracted field sits.

Pure data, built from a file's source job (see `explorer.sim.layout`), read by the PDF printer,
the parse job and the citations alike, so all three agree to the point.

Coordinates are PDF points with the origin at the top left of the page and y growing downwards
(as citations' `bounding_boxes` and parse items' `bbox` are); a box `(x, y, w, h)` covers the
text from its top to its bottom. Text is kept in logical (reading) order; the printer reorders
right-to-left runs for drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Span:
    """One run of text drawn in one place."""

    x: float
    y: float
    w: float
    h: float
    size: float  # font size, points
    text: str

    def box(self) -> dict[str, float]:
        """The box as the API writes it."""
        return {
            "x": round(self.x, 2),
            "y": round(self.y, 2),
            "w": round(self.w, 2),
            "h": round(self.h, 2),
        }


@dataclass(slots=True)
class Column:
    """A table column: where it is and which field of a row it shows."""

    x: float
    w: float
    label: str
    path: Path


@dataclass(slots=True)
class Row:
    """A table row: its top, its height and each cell's printed lines."""

    index: int  # the result row it prints
    y: float
    h: float
    # each cell's printed lines: a plain string for one line ("" for none), else a tuple
    cells: list[str | tuple[str, ...]]


def cell_lines(cell: str | tuple[str, ...]) -> tuple[str, ...]:
    """A cell's printed lines."""
    if isinstance(cell, str):
        return (cell,) if cell else ()
    return cell


@dataclass(slots=True)
class Table:
    """Part of a table on one page (a table spanning pages repeats its header on each)."""

    size: float
    pitch: float  # line height
    text_h: float  # height of a text box
    pad: float
    columns: list[Column]
    header_y: float
    rows: list[Row]

    def header_spans(self) -> list[Span]:
        """The column labels."""
        return [
            Span(c.x + self.pad, self.header_y, self._w(c), self.text_h, self.size, c.label)
            for c in self.columns
        ]

    def cell_spans(self, row: Row, col: int) -> list[Span]:
        """One span per printed line of a cell (none for an empty cell)."""
        c = self.columns[col]
        return [
            Span(c.x + self.pad, row.y + j * self.pitch, self._w(c), self.text_h, self.size, text)
            for j, text in enumerate(cell_lines(row.cells[col]))
        ]

    def lines(self) -> list[tuple[Span, ...]]:
        """Visual lines, top to bottom: the header, then each line of each row."""
        out = [tuple(self.header_spans())]
        for row in self.rows:
            depth = max((len(cell_lines(c)) for c in row.cells), default=0)
            for j in range(depth):
                out.append(tuple(s for i in range(len(self.columns)) for s in self._at(row, i, j)))
        return out

    def _at(self, row: Row, col: int, j: int) -> list[Span]:
        cell = cell_lines(row.cells[col])
        if j >= len(cell):
            return []
        c = self.columns[col]
        y = row.y + j * self.pitch
        return [Span(c.x + self.pad, y, self._w(c), self.text_h, self.size, cell[j])]

    def _w(self, c: Column) -> float:
        # a cell's text is boxed to its column (less padding): it never runs past it
        return max(c.w - 2 * self.pad, 1.0)

    def grid(self) -> list[list[str]]:
        """The table as text: the header row, then one list of cell texts per row."""
        return [[c.label for c in self.columns]] + [
            [" ".join(cell_lines(cell)) for cell in row.cells] for row in self.rows
        ]

    def bottom(self) -> float:
        """Where the table ends on its page."""
        return self.rows[-1].y + self.rows[-1].h if self.rows else self.header_y + self.pitch


@dataclass(slots=True)
class Block:
    """One thing on a page as a parser sees it: a heading, a paragraph, a list or a table."""

    kind: str  # "heading" | "text" | "list" | "table" | "footer"
    lines: list[tuple[Span, ...]] = field(default_factory=list)
    level: int = 0  # heading level
    children: list[Block] = field(default_factory=list)  # a list's items
    table: Table | None = None
    group: int = -1  # list items of one list share a group
    labelled: bool = False  # the first span of the first line is a field's label

    def visual_lines(self) -> list[tuple[Span, ...]]:
        """The printed lines, top to bottom."""
        return self.table.lines() if self.table is not None else self.lines

    def text(self) -> str:
        """The block's text, a line per printed line."""
        return "\n".join(" ".join(s.text for s in line) for line in self.visual_lines())

    def boxes(self) -> list[dict[str, float]]:
        """A box per printed line (covering all of that line's text)."""
        out = []
        for line in self.visual_lines():
            if line:
                x0, y0 = min(s.x for s in line), min(s.y for s in line)
                x1 = max(s.x + s.w for s in line)
                y1 = max(s.y + s.h for s in line)
                out.append(Span(x0, y0, x1 - x0, y1 - y0, 0, "").box())
        return out


@dataclass(slots=True)
class Page:
    """One page: its blocks in reading order and its footer."""

    number: int
    width: float
    height: float
    blocks: list[Block] = field(default_factory=list)
    footer: Block | None = None
    scanned: bool = False  # an image-only page: nothing a parser can read

    def spans(self) -> list[Span]:
        """Everything drawn on the page."""
        blocks = [*self.blocks, *([self.footer] if self.footer else [])]
        return [s for b in blocks for line in b.visual_lines() for s in line]

    def text(self) -> str:
        """The page's plain text, as a parser reads it (the footer last)."""
        parts = [b.text() for b in self.blocks]
        if self.footer is not None:
            parts.append(self.footer.text())
        return "\n".join(p for p in parts if p)


@dataclass(eq=False)
class Paper:
    """A laid-out document and the index from result paths to the printed text."""

    file_id: str
    title: str
    width: float
    height: float
    pages: list[Page]
    # result path -> the spans printing its value, per page (a long value may cross a page)
    fields: dict[Path, list[tuple[int, list[Span]]]] = field(default_factory=dict)
    # per_table_row documents: result row i -> (page number, table part, row)
    rows: list[tuple[int, Table, Row]] = field(default_factory=list)
    row_columns: dict[Path, int] = field(default_factory=dict)

    @property
    def page_count(self) -> int:
        """How many pages the document has."""
        return len(self.pages)

    def page_dimensions(self) -> dict[str, float]:
        """The page size as citations give it."""
        return {"width": _num(self.width), "height": _num(self.height)}

    def placements(self, path: Path) -> list[tuple[int, list[Span]]]:
        """Where the value at `path` of the document's result is printed (empty if nowhere)."""
        found = self.fields.get(path)
        if found is not None:
            return found
        if self.rows and path and isinstance(path[0], int) and 0 <= path[0] < len(self.rows):
            col = self.row_columns.get(path[1:])
            if col is not None:
                page, table, row = self.rows[path[0]]
                spans = table.cell_spans(row, col)
                return [(page, spans)] if spans else []
        return []

    def citations(self, path: Path) -> list[dict[str, Any]]:
        """The `citation` list of a field: one entry per page its printed value is on."""
        dims = self.page_dimensions()
        return [
            {
                "page": page,
                "matching_text": " ".join(s.text for s in spans),
                "bounding_boxes": [s.box() for s in spans],
                "page_dimensions": dict(dims),
            }
            for page, spans in self.placements(path)
        ]


def _num(v: float) -> float:
    return int(v) if float(v).is_integer() else v

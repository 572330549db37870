"""Lays a file's document out on pages: the source job's result, printed as a person would.

A title, then each field of the result as a labelled line ("Invoice number: INV-2041"), nested
objects under headings, list elements bare, lists of flat objects (line items, parties) as
tables, long text wrapped. Per-document results flow over
the pages (spread over the job's page count when they are short, onto more pages when they are
long); per-page results put one result item on each page; per-table-row results become a table
(`explorer.sim.table_layout`). Every page gets a "Page n of N" footer.

What a field's citation quotes is the value's printed text without its label, and its boxes are
those of the value's lines only, so a citation's text is always exactly what is in its boxes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .paper import Block, Page, Paper, Path, Row, Span, Table
from .printed import label, misprint, shown, singular
from .table_layout import Grid, grid_of, lay_out_table, place_grid
from .typeface import Typeface, wrap

_TITLES = {
    "invoice": "Invoice",
    "receipt": "Receipt",
    "bank_statement": "Bank statement",
    "report": "Report",
    "resume": "Curriculum vitae",
    "contract": "Agreement",
    "onboarding": "New hire onboarding form",
}
BLANK = "This page is intentionally left blank."
MAX_TABLE_COLUMNS = 6
MAX_CELL = 100  # characters: a longer value is printed as a paragraph, not squeezed in a cell


@dataclass(frozen=True)
class Style:
    """Margins and type sizes of one page size."""

    width: float
    height: float
    margin: float
    top: float
    bottom: float
    body: float
    headings: tuple[float, float, float, float]  # sizes of heading levels 1-4
    leading: float = 1.3  # line pitch per point of type size

    @property
    def usable(self) -> float:
        """The text column's width."""
        return self.width - 2 * self.margin


def style_for(width: float, height: float) -> Style:
    """Generous margins on letter and A4, tight ones on a till receipt."""
    if width < 500:
        return Style(width, height, 22, 34, height - 40, 8.5, (14, 11, 9.5, 9))
    return Style(width, height, 56, 54, height - 58, 10, (18, 13, 11, 10.5))


def title_for(kind: str | None, schema: Any, file_name: str) -> str:
    """The heading printed at the top of page 1."""
    if kind in _TITLES:
        return _TITLES[kind]
    if isinstance(schema, dict) and isinstance(schema.get("title"), str) and schema["title"]:
        return schema["title"]
    return file_name.rsplit(".", 1)[0] or "Document"


@dataclass
class Piece:
    """A block before it is placed: its kind, its wrapped lines and what it prints."""

    kind: str  # "heading" | "field" | "item" | "note" | "table"
    size: float
    lines: list[str]
    label: str | None = None  # printed before the first line (fields only)
    path: Path | None = None
    level: int = 0
    indent: float = 0.0
    section: int = -1
    group: int = -1
    before: float = 0.0  # space above
    grid: Grid | None = None  # a table's cells (a list of flat objects)

    def height(self, st: Style) -> float:
        """How much of the page it takes."""
        if self.grid is not None:
            return self.before + self.grid.height()
        return self.before + len(self.lines) * self.size * st.leading


@dataclass
class Walker:
    """Turns a result into pieces (the printed text decided by the typeface and the misprints)."""

    tf: Typeface
    st: Style
    rng: random.Random
    currency: str | None
    lists: int = 0  # lists begun so far: consecutive items of one list share its number
    misprints: bool = True  # now and then print a string as a worn scan shows it

    def heading(self, text: str, level: int, section: int) -> Piece:
        size = self.st.headings[min(level, 4) - 1]
        lines = wrap(self.tf.printable(text), self.st.usable, self.st.usable, self.tf, size)
        before = {1: 0.0, 2: 10.0, 3: 5.0}.get(level, 3.0)
        return Piece("heading", size, lines, level=level, section=section, before=before)

    def pieces(self, value: Any, path: Path, name: str, depth: int, section: int) -> list[Piece]:
        """The pieces printing `value` (found at `path` of the result, under field `name`)."""
        top = depth == 0
        if isinstance(value, dict):
            out: list[Piece] = []
            for i, (k, v) in enumerate(value.items()):
                out += self.pieces(v, (*path, k), str(k), depth + 1, i if top else section)
            if out and not top:
                out.insert(0, self.heading(label(name), min(depth + 1, 4), section))
            return out
        if isinstance(value, list):
            self.lists += 1
            group = self.lists
            grid = self.table(value)
            if grid is not None:  # line items, parties, key figures: a table, as printed
                table = Piece("table", grid.size, [], path=path, indent=0.0, section=section)
                table.grid, table.before = grid, 4.0
                heading = self.heading(label(name), min(depth + 1, 4), section)
                return [table] if top else [heading, table]
            out = []
            for i, v in enumerate(value):
                if isinstance(v, dict):
                    sub = self.pieces(v, (*path, i), name, depth + 1, section)
                    if sub:
                        title = f"{singular(label(name))} {i + 1}"
                        sub[0] = self.heading(title, min(depth + 2, 4), section)
                    out += sub
                elif isinstance(v, list):
                    out += self.pieces(v, (*path, i), name, depth + 1, section)
                elif (text := self.text(v, name)) is not None:
                    out.append(self.item(text, (*path, i), depth, section, group))
            if out and not top:
                out.insert(0, self.heading(label(name), min(depth + 1, 4), section))
            return out
        text = self.text(value, name)
        if text is None:
            return []
        return [self.field(label(name), text, path, depth, section)]

    def table(self, items: list[Any]) -> Grid | None:
        """The list as a table, if it is one: flat objects with a few short fields."""
        if not items or not all(isinstance(v, dict) and v for v in items):
            return None
        if any(isinstance(x, dict | list) for v in items for x in v.values()):
            return None
        keys = {k for v in items for k in v}
        if len(keys) > MAX_TABLE_COLUMNS:
            return None
        state = self.rng.getstate()
        grid = grid_of(items, self, self.st.body)
        if any(len(c) > MAX_CELL for cells in grid.cells for c in cells):
            self.rng.setstate(state)  # printed as fields after all: the same misprints
            return None
        return grid

    def text(self, value: Any, name: str) -> str | None:
        """The printable text of a leaf, None when the document shows nothing for it."""
        raw = shown(value, name, self.currency)
        if raw is None:
            return None
        text = self.tf.printable(raw)
        if isinstance(value, str) and self.misprints:
            text = misprint(text, self.rng)
        return text or None

    def field(self, name: str, text: str, path: Path, depth: int, section: int) -> Piece:
        size, indent = self.st.body, 12.0 * max(depth - 1, 0)
        caption = self.tf.printable(f"{name}:")
        room = self.st.usable - indent
        first = room - self.tf.width(caption + " ", size)
        if first < 0.4 * room:
            first = 0.0  # a long label: the value starts on the line below
        lines = wrap(text, first, room, self.tf, size)
        return Piece("field", size, lines, caption, path, 0, indent, section, before=2.0)

    def note(self, text: str) -> Piece:
        """A paragraph of the document's own (not a field of the result)."""
        size = self.st.body
        lines = wrap(self.tf.printable(text), self.st.usable, self.st.usable, self.tf, size)
        return Piece("note", size, lines)

    def item(self, text: str, path: Path, depth: int, section: int, group: int) -> Piece:
        size, indent = self.st.body, 12.0 * max(depth, 1)
        room = self.st.usable - indent
        lines = wrap(text, room, room, self.tf, size)
        return Piece("item", size, lines, None, path, 0, indent, section, group)


class Flow:
    """Places pieces down the pages of a paper."""

    def __init__(self, paper: Paper, tf: Typeface, st: Style) -> None:
        self.paper, self.tf, self.st = paper, tf, st
        self.page: Page = self.new_page()

    def new_page(self) -> Page:
        """Start the next page."""
        self.page = Page(len(self.paper.pages) + 1, self.st.width, self.st.height)
        self.paper.pages.append(self.page)
        self.y = self.st.top
        return self.page

    def used(self) -> float:
        """How far down the current page the text has come."""
        return self.y - self.st.top

    def place(self, piece: Piece, keep: float = 0.0, clip: bool = False) -> None:
        """Put `piece` on the page; on overflow move it to a new page (if it fits on one) or
        continue it there (drop what doesn't fit when `clip`, as a page holds one item)."""
        st, tf = self.st, self.tf
        if piece.grid is not None:
            self._table(piece, clip)
            return
        pitch = piece.size * st.leading
        need = piece.height(st) + keep
        capacity = st.bottom - st.top
        if not clip and self.used() > 0 and self.y + need > st.bottom and need <= capacity:
            self.new_page()
        if self.used() > 0:
            self.y += piece.before
        text_h = piece.size * (tf.ascent - tf.descent)
        x0 = st.margin + piece.indent
        block = self._block(piece)
        spans: list[Span] = []
        lines = list(piece.lines)
        caption = piece.label
        while lines:
            if self.y + text_h > st.bottom:
                if clip:
                    break
                self._note(piece, spans)
                spans = []
                self.new_page()
                block = self._block(piece)
            line: list[Span] = []
            x = x0
            if caption is not None:
                w = tf.width(caption, piece.size)
                line.append(Span(x, self.y, w, text_h, piece.size, caption))
                x += tf.width(caption + " ", piece.size)
                block.labelled, caption = True, None
            text = lines.pop(0)
            if text:
                value = Span(x, self.y, tf.width(text, piece.size), text_h, piece.size, text)
                line.append(value)
                spans.append(value)
            block.lines.append(tuple(line))
            if block.kind == "list":
                block.children[-1].lines.append(tuple(line))
            self.y += pitch
        if block.kind == "list" and not block.children[-1].lines:
            block.children.pop()  # clipped before its first line
        if not block.lines and not block.children:
            self.page.blocks.remove(block)
        self._note(piece, spans)

    def _table(self, piece: Piece, clip: bool) -> None:
        assert piece.grid is not None and piece.path is not None
        if self.used() > 0:
            self.y += piece.before
        base, paths = piece.path, piece.grid.paths

        def note(page: int, table: Table, row: Row) -> None:
            for col, sub in enumerate(paths):
                spans = table.cell_spans(row, col)
                if spans:
                    self.paper.fields[(*base, row.index, *sub)] = [(page, spans)]

        place_grid(self, piece.grid, indent=piece.indent, clip=clip, on_row=note)

    def _block(self, piece: Piece) -> Block:
        blocks = self.page.blocks
        if piece.kind == "item":
            if not (blocks and blocks[-1].kind == "list" and blocks[-1].group == piece.group):
                blocks.append(Block("list", group=piece.group))
            blocks[-1].children.append(Block("text"))
            return blocks[-1]
        blocks.append(Block("heading" if piece.kind == "heading" else "text", level=piece.level))
        return blocks[-1]

    def _note(self, piece: Piece, spans: list[Span]) -> None:
        if piece.path is not None and spans:
            self.paper.fields.setdefault(piece.path, []).append((self.page.number, spans))


def lay_out(
    paper: Paper,
    result: Any,
    tf: Typeface,
    rng: random.Random,
    *,
    target: str,
    pages: int,
    page_error: bool = False,
    misprints: bool = True,
) -> Paper:
    """Fill `paper` (empty, with its size and title) with `result` printed per `target` (with
    the odd worn-scan misprint of a string unless `misprints` is False)."""
    st = style_for(paper.width, paper.height)
    currency = result.get("currency") if isinstance(result, dict) else None
    code = currency if isinstance(currency, str) else None
    walker = Walker(tf, st, rng, code, misprints=misprints)
    title = walker.heading(paper.title, 1, -1)
    if target == "per_table_row":
        lay_out_table(paper, result, walker, Flow(paper, tf, st), title, pages)
    elif target == "per_page":
        _per_page(paper, result, tf, st, walker, title, page_error)
    else:
        _per_doc(paper, result, tf, st, walker, title, pages)
    while paper.page_count < pages:  # a document is at least as long as its job says
        Flow(paper, tf, st).place(walker.note(BLANK))
    add_footers(paper, tf, st)
    return paper


def _per_doc(
    paper: Paper, result: Any, tf: Typeface, st: Style, walker: Walker, title: Piece, pages: int
) -> None:
    pieces = [title, *walker.pieces(result, (), "value", 0, 0)]
    total = sum(p.height(st) for p in pieces)
    # short content spreads over the pages the job counted, breaking between top-level fields
    target = total / pages if pages > 1 and total <= (st.bottom - st.top) * pages else None
    flow = Flow(paper, tf, st)
    section = -1
    for i, piece in enumerate(pieces):
        if (
            target is not None
            and piece.section != section
            and flow.used() >= target
            and paper.page_count < pages
        ):
            flow.new_page()
        section = piece.section
        nxt = pieces[i + 1] if piece.kind == "heading" and i + 1 < len(pieces) else None
        flow.place(piece, _keep(nxt, st))


def _keep(nxt: Piece | None, st: Style) -> float:
    # the room a heading wants below it: no heading alone at the foot of a page
    if nxt is None:
        return 0.0
    rows = 3 if nxt.grid is not None else 1  # a table's header and a row or two
    return nxt.before + rows * nxt.size * st.leading + (4.0 if nxt.grid is not None else 0.0)


def _per_page(
    paper: Paper,
    result: Any,
    tf: Typeface,
    st: Style,
    walker: Walker,
    title: Piece,
    page_error: bool,
) -> None:
    items = result if isinstance(result, list) else [result]
    flow: Flow | None = None
    for i, item in enumerate(items):
        if flow is None:
            flow = Flow(paper, tf, st)
            flow.place(title, clip=True)
        else:
            flow.new_page()
        if page_error and i == 2 and len(items) > 2:
            flow.page.scanned = True  # a rotated scan: no text layer (the job reports it)
            continue
        for piece in walker.pieces(item, (i,), "value", 0, 0):
            flow.place(piece, clip=True)


def add_footers(paper: Paper, tf: Typeface, st: Style) -> None:
    """Print "Page n of N" at the foot of every page, right aligned (not on a scan)."""
    size = max(st.body - 2, 6.5)
    text_h = size * (tf.ascent - tf.descent)
    for page in paper.pages:
        if page.scanned:
            continue
        text = f"Page {page.number} of {paper.page_count}"
        w = tf.width(text, size)
        span = Span(
            st.width - st.margin - w, st.height - st.top / 2 - text_h, w, text_h, size, text
        )
        page.footer = Block("footer", [(span,)])

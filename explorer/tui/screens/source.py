"""The Source view: where a field's value came from — the cited page, its boxes, its text.

For the field under the cursor: the cited page drawn with every box of that field on it (the
current citation's brightest) and a zoomed crop of the cited region, beside the page's parsed
text with the matching text highlighted and scrolled into view, and what the grounding check
says. Pages are drawn in a worker thread (a key never waits for pdfium): in the terminal's
graphics when it has them, else in character cells (over SSH, in tmux, in snapshots, in the
browser) that still show where on the page the box is.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from explorer.core.field_row import Citation, FieldRow
from explorer.core.page_image import Box, clean_box
from explorer.core.sanitize import safe_text, safe_value
from explorer.tui.inert import inert
from explorer.tui.widgets.footer import QuietFooter
from explorer.tui.workers import work

if TYPE_CHECKING:
    from PIL.Image import Image

    from explorer.core.analysis import Analysis
    from explorer.core.doc_fetch import FetchedDocument
    from explorer.core.document import Document

__all__ = ["SourceScreen", "cited_rows"]

#: Page pictures kept per screen (rendered once, drawn at every size).
_KEEP_PAGES = 6
#: Pixels across a page is rendered at: enough for the crop's zoom.
_RENDER_WIDTH = 1100
_SHADES = "·░▒▓"
#: Rendered pages, shared by every Source view of the session (a page is drawn once).
_PAGES: OrderedDict[tuple[str, int, int], Image | None] = OrderedDict()
_PAGES_LOCK = threading.Lock()


def cited_rows(analysis: Analysis | None, current: FieldRow | None) -> list[FieldRow]:
    """The fields the view steps through: every field with a citation or a grounding problem."""
    if analysis is None:
        return [current] if current is not None else []
    rows = [r for r in analysis.rows if r.citations or r.path in analysis.ungrounded]
    if current is not None and all(r.path != current.path for r in rows):
        rows.append(current)
    return rows


def _boxes(citation: Citation) -> list[Box]:
    return [b for b in (clean_box(raw) for raw in citation.bounding_boxes) if b is not None]


def _page_size(citation: Citation, document: Document | None) -> tuple[float, float] | None:
    dims = citation.page_dimensions or {}
    w, h = dims.get("width"), dims.get("height")
    numbers = isinstance(w, int | float) and isinstance(h, int | float)
    if numbers and not isinstance(w, bool) and 0 < w < 1e6 and 0 < h < 1e6:  # type: ignore[operator]
        return (float(w), float(h))  # type: ignore[arg-type]
    if document is not None and citation.page is not None:
        page = document.page(citation.page)
        if page is not None:
            return page.size
    return None


def _flexible(text: str) -> re.Pattern[str] | None:
    """A pattern finding ``text`` whatever the spacing and case (at most 40 words)."""
    words = text.split()[:40]
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def highlighted_page_text(text: str, needles: list[str]) -> tuple[Text, int | None]:
    """The page text, inert, with the first needle found highlighted; and the line it is on."""
    shown = safe_text(text, max_len=200_000, single_line=False)
    out = Text(shown)
    for needle in needles:
        pattern = _flexible(safe_text(needle, max_len=2_000, single_line=False))
        match = pattern.search(shown) if pattern is not None else None
        if match is not None:
            out.stylize("bold reverse", match.start(), match.end())
            return out, shown.count("\n", 0, match.start())
    return out, None


class CellPicture(Static):
    """A page (or a crop) drawn in character cells, boxes outlined; redrawn when resized."""

    DEFAULT_CSS = """
    CellPicture { width: 1fr; height: 1fr; }
    """


class SourceScreen(Screen[None]):
    """Where the field's value came from."""

    BINDINGS = [
        Binding("escape,w", "app.pop_screen", "Back", id="source.back"),
        Binding("c", "citation(1)", "Next citation", id="source.next_citation"),
        Binding("C", "citation(-1)", "Prev citation", show=False, id="source.prev_citation"),
        Binding("u", "ungrounded(1)", "Next ungrounded", id="source.next_ungrounded"),
        Binding("U", "ungrounded(-1)", "Prev ungrounded", show=False, id="source.prev_ungrounded"),
        Binding("j,down", "field(1)", "Next field", id="source.next_field"),
        Binding("k,up", "field(-1)", "Prev field", show=False, id="source.prev_field"),
        Binding("pagedown", "scroll_text(1)", "Text down", show=False, id="source.text_down"),
        Binding("pageup", "scroll_text(-1)", "Text up", show=False, id="source.text_up"),
    ]

    DEFAULT_CSS = """
    SourceScreen { layout: vertical; }
    #source-head { height: auto; max-height: 7; padding: 0 1; background: $boost; }
    #source-body { height: 1fr; }
    #source-pictures { width: 45%; min-width: 24; }
    #source-page { height: 3fr; border: round $primary-darken-1; border-title-color: $text; }
    #source-crop { height: 2fr; border: round $primary-darken-1; }
    #source-page-img { height: 3fr; width: auto; }
    #source-crop-img { height: 2fr; width: auto; }
    #source-right { width: 1fr; }
    #source-problems { height: auto; max-height: 8; padding: 0 1; }
    #source-text { height: 1fr; border: round $primary-darken-1; padding: 0 1; }
    """

    def __init__(
        self,
        job_id: str,
        rows: list[FieldRow],
        index: int,
        analysis: Analysis | None,
        fetched: FetchedDocument | None,
    ) -> None:
        super().__init__()
        self.job_id = job_id
        self.rows = rows
        self.index = max(0, min(index, len(rows) - 1))
        self.citation = 0
        self.analysis = analysis
        self.fetched = fetched
        self._pages = _PAGES
        self._pages_lock = _PAGES_LOCK
        self._generation = 0
        #: The text highlighted on the page (the matching text as found), for tests and copy.
        self.highlighted: str | None = None

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="source-head")
        with Horizontal(id="source-body"):
            with Vertical(id="source-pictures"):
                yield CellPicture(id="source-page")
                yield CellPicture(id="source-crop")
            with Vertical(id="source-right"):
                yield Static(id="source-problems")
                with VerticalScroll(id="source-text"):
                    yield Static(id="source-text-body")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one("#source-crop").border_title = "cited region"
        self.query_one("#source-text").border_title = "parsed text"
        self.show_current()

    def on_resize(self) -> None:
        self._draw_page()

    # -- what is shown ------------------------------------------------------------------------

    @property
    def document(self) -> Document | None:
        return self.fetched.document if self.fetched is not None else None

    @property
    def row(self) -> FieldRow | None:
        return self.rows[self.index] if self.rows else None

    def current_citation(self) -> Citation | None:
        row = self.row
        if row is None or not row.citations:
            return None
        return row.citations[self.citation % len(row.citations)]

    def document_arrived(self, job_id: str, fetched: FetchedDocument) -> None:
        """The job's document came in (or could not be had): draw with it."""
        if job_id != self.job_id:
            return
        self.fetched = fetched
        if self._drawable:  # else on_mount draws with it (or the screen is gone)
            self.show_current()

    def analysis_changed(self, analysis: Analysis) -> None:
        """The analysis was checked again (against the document): show its verdicts."""
        if analysis.job_id != self.job_id:
            return
        self.analysis = analysis
        if self._drawable:
            self._show_head()

    @property
    def _drawable(self) -> bool:
        """Mounted and not closing: a document or analysis arriving for a screen pushed but not
        mounted yet, or being closed, must not query its widgets (they are not there)."""
        return self.is_mounted and not (self._closing or self._closed)

    def show_current(self) -> None:
        self._show_head()
        self._show_text()
        self._draw_page()

    def _show_head(self) -> None:
        row = self.row
        head = Text()
        problems = Text()
        if row is None:
            head.append("No field with citations in this job.", style="bold")
            self.query_one("#source-head", Static).update(head)
            self.query_one("#source-problems", Static).update("")
            return
        head.append("Source  ", style="bold")
        head.append(inert(row.path_str, 200, style="bold cyan"))
        head.append(" = ")
        head.append(inert(safe_value(row.value, 120)))
        if row.confidence is not None:
            head.append(f"  confidence {row.confidence:.2f}", style="dim")
        head.append(f"\nfield {self.index + 1} of {len(self.rows)}", style="dim")
        citations = row.citations
        cit = self.current_citation()
        if cit is not None:
            head.append(
                f" · citation {self.citation % len(citations) + 1} of {len(citations)}", style="dim"
            )
            head.append(f" · page {cit.page if cit.page is not None else '?'}", style="bold")
            doc = self.document
            if doc is not None and doc.last_page:
                head.append(f" of {doc.last_page}", style="bold")
        else:
            head.append(" · no citation", style="dim")
        doc = self.document
        if doc is not None:
            head.append("\n")
            head.append(inert(doc.origin, 160, style="dim"))
        elif self.fetched is None:
            head.append("\nfetching the document…", style="italic")
        self.query_one("#source-head", Static).update(head)
        ungrounded = self.analysis.ungrounded.get(row.path, []) if self.analysis else []
        others = [m for m in row.problems if m not in {p.message for p in ungrounded}]
        if ungrounded:
            for p in ungrounded[:5]:
                problems.append("✗ ", style="bold red")
                problems.append(inert(p.message, 300))
                problems.append("\n")
        elif not row.citations:
            problems.append("○ ", style="bold yellow")
            problems.append("this field cites nothing: its metadata has no citation\n")
        elif self.analysis is not None and self.analysis.grounding is not None:
            report = self.analysis.grounding
            if report.with_document:
                problems.append("✓ grounded: ", style="bold green")
                problems.append("value, text and box agree with the document\n")
            else:
                problems.append("○ ", style="bold yellow")
                problems.append("not checked against the document yet\n")
        for message in others[:3]:
            problems.append("! ", style="bold red")
            problems.append(inert(message, 300))
            problems.append("\n")
        problems.rstrip()
        self.query_one("#source-problems", Static).update(problems)

    def _show_text(self) -> None:
        body = self.query_one("#source-text-body", Static)
        self.highlighted = None
        cit = self.current_citation()
        doc = self.document
        if doc is None:
            why = self.fetched.unavailable if self.fetched is not None else None
            shown = inert(why or "Fetching the document…", 2_000, single_line=False, style="italic")
            if cit is not None and cit.matching_text:
                shown.append("\n\nThe citation's matching text:\n")
                shown.append(inert(cit.matching_text, 2_000, single_line=False, style="bold"))
            body.update(shown)
            return
        if cit is None or cit.page is None:
            body.update(Text("This field cites no page.", style="italic"))
            return
        page = doc.page(cit.page)
        if page is None:
            body.update(
                Text(f"The document has no page {cit.page} (it has {doc.last_page}).", style="bold")
            )
            return
        if not page.text or not page.text.strip():
            body.update(
                inert(
                    page.error or f"Page {cit.page} has no text (a scan without a text layer?).",
                    500,
                    style="italic",
                )
            )
            return
        needles = [n for n in (cit.matching_text, safe_value(self.row.value)) if n]  # type: ignore[union-attr]
        text, line = highlighted_page_text(page.text, needles)
        self.highlighted = (
            text.plain[text.spans[0].start : text.spans[0].end] if text.spans else None
        )
        body.update(text)
        scroll = self.query_one("#source-text", VerticalScroll)
        title = f"parsed text · page {cit.page}"
        if line is None and cit.matching_text:
            title += " · matching text not found on this page"
        scroll.border_title = title
        target = max(0, (line or 0) - 3)
        self.call_after_refresh(scroll.scroll_to, y=target, animate=False)

    # -- pictures -----------------------------------------------------------------------------

    def _draw_page(self) -> None:
        page_widget = self.query_one("#source-page", CellPicture)
        crop_widget = self.query_one("#source-crop", CellPicture)
        cit = self.current_citation()
        self._generation += 1
        if cit is None:
            page_widget.update(Text("No citation to draw.", style="italic"))
            crop_widget.update("")
            return
        page_widget.border_title = f"page {cit.page if cit.page is not None else '?'}"
        size = (
            page_widget.content_size.width,
            page_widget.content_size.height,
            crop_widget.content_size.width,
            crop_widget.content_size.height,
        )
        if min(size) <= 0:
            return
        self._paint(self._generation, cit, size)

    def _boxes_on_page(self, cit: Citation) -> tuple[list[Box], list[int]]:
        """Every box of the field on the cited page, and which are the current citation's."""
        row = self.row
        boxes: list[Box] = []
        current: list[int] = []
        for other in row.citations if row is not None else []:
            if other.page != cit.page:
                continue
            for box in _boxes(other):
                if other is cit:
                    current.append(len(boxes))
                boxes.append(box)
        return boxes, current

    def _page_picture(self, cit: Citation) -> Image | None:
        """The cited page as a picture (rendered once per page); None when there is none."""
        doc = self.document
        if doc is None or cit.page is None:
            return None
        key = (doc.origin, len(doc.pdf or b""), cit.page)
        with self._pages_lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        from explorer.core.page_image import PageImageError, page_from_png, render_pdf_page

        image = None
        try:
            if doc.pdf is not None and doc.has_page(cit.page):
                image = render_pdf_page(doc.pdf, cit.page, width_px=_RENDER_WIDTH)
            else:
                data = self.app.page_picture_now(doc, cit.page)  # type: ignore[attr-defined]
                if data is not None:
                    image = page_from_png(data)
        except PageImageError:
            image = None
        with self._pages_lock:
            self._pages[key] = image
            while len(self._pages) > _KEEP_PAGES:
                self._pages.popitem(last=False)
        return image

    @work(thread=True, exclusive=True, group="source-render", exit_on_error=False)
    def _paint(self, generation: int, cit: Citation, size: tuple[int, int, int, int]) -> None:
        from explorer.core.page_image import crop_box

        doc = self.document
        page_size = _page_size(cit, doc)
        boxes, current = self._boxes_on_page(cit)
        if page_size is None:
            note = Text("The page's size is not known: its boxes can't be placed.", style="italic")
            self.app.call_from_thread(self._painted, generation, note, Text(""))
            return
        image = self._page_picture(cit)
        text_boxes = None
        if image is None and doc is not None and cit.page is not None:
            page = doc.page(cit.page)
            if page is not None and page.runs:
                text_boxes = [r.box for r in page.runs]
        pw, ph, cw, chh = size
        mine = [boxes[i] for i in current] or boxes
        if image is not None and self.app.graphics:  # type: ignore[attr-defined]
            from explorer.core.page_image import crop_region, draw_boxes

            drawn = draw_boxes(image, boxes, page_size, current=current[0] if current else None)
            zoomed = crop_region(drawn, mine, page_size)
            self.app.call_from_thread(self._painted_images, generation, drawn, zoomed)
            return
        picture = _fit(image, page_size, boxes, current, pw, ph, text_boxes)
        region = crop_box(mine, page_size)
        crop_image = None
        if image is not None:
            sx, sy = image.width / page_size[0], image.height / page_size[1]
            crop_image = image.crop(
                (
                    int(region.x * sx),
                    int(region.y * sy),
                    int((region.x + region.w) * sx),
                    int((region.y + region.h) * sy),
                )
            )
        moved = [Box(b.x - region.x, b.y - region.y, b.w, b.h) for b in boxes]
        moved_text = (
            [Box(b.x - region.x, b.y - region.y, b.w, b.h) for b in text_boxes]
            if text_boxes
            else None
        )
        crop = _fit(crop_image, (region.w, region.h), moved, current, cw, chh, moved_text)
        if image is None and doc is None:
            picture.append("\n(the page itself is not available: boxes on a blank page)")
        self.app.call_from_thread(self._painted, generation, picture, crop)

    def _painted(self, generation: int, picture: Text, crop: Text) -> None:
        if generation != self._generation:
            return  # a newer field or citation is being drawn
        self._show_images(False)
        self.query_one("#source-page", CellPicture).update(picture)
        self.query_one("#source-crop", CellPicture).update(crop)

    def _painted_images(self, generation: int, page: Image, crop: Image) -> None:
        """The terminal draws images (Kitty, Sixel): the page and the crop as pictures."""
        if generation != self._generation:
            return
        from textual_image.widget import Image as ImageWidget

        found = self.query("#source-page-img")
        if not found:
            holder = self.query_one("#source-pictures")
            holder.mount(
                ImageWidget(page, id="source-page-img", classes="source-image"),
                before=self.query_one("#source-page"),
            )
            holder.mount(
                ImageWidget(crop, id="source-crop-img", classes="source-image"),
                before=self.query_one("#source-crop"),
            )
        else:
            found.first().image = page  # type: ignore[attr-defined]
            self.query_one("#source-crop-img").image = crop  # type: ignore[attr-defined]
        self._show_images(True)

    def _show_images(self, images: bool) -> None:
        for widget in self.query(".source-image"):
            widget.display = images
        self.query_one("#source-page").display = not images
        self.query_one("#source-crop").display = not images

    # -- keys ---------------------------------------------------------------------------------

    def action_citation(self, step: int) -> None:
        row = self.row
        if row is None or len(row.citations) < 2:
            self.notify(
                "This field has only one citation."
                if row and row.citations
                else "This field has no citation.",
                timeout=2,
            )
            return
        self.citation = (self.citation + step) % len(row.citations)
        self.show_current()

    def action_field(self, step: int) -> None:
        if not self.rows:
            return
        self.index = (self.index + step) % len(self.rows)
        self.citation = 0
        self.show_current()

    def action_ungrounded(self, step: int) -> None:
        ungrounded = self.analysis.ungrounded if self.analysis is not None else {}
        if not ungrounded:
            self.notify("No ungrounded field in this job.", timeout=2)
            return
        n = len(self.rows)
        for k in range(1, n + 1):
            i = (self.index + step * k) % n
            if self.rows[i].path in ungrounded:
                self.index = i
                problem = ungrounded[self.rows[i].path][0]
                self.citation = problem.citation or 0
                self.show_current()
                return
        self.notify("No other ungrounded field.", timeout=2)

    def action_scroll_text(self, step: int) -> None:
        scroll = self.query_one("#source-text", VerticalScroll)
        if step > 0:
            scroll.scroll_page_down()
        else:
            scroll.scroll_page_up()


def _fit(
    image: Image | None,
    page_size: tuple[float, float],
    boxes: list[Box],
    current: list[int],
    width: int,
    height: int,
    text_boxes: list[Box] | None,
) -> Text:
    """The picture in at most ``width`` x ``height`` cells, keeping its shape, boxes coloured."""
    from explorer.core.page_image import cell_page

    pw, ph = page_size
    cols = max(8, width)
    rows = max(2, round(cols * (ph / pw) / 2))
    if rows > height:
        rows = max(2, height)
        cols = max(8, min(width, round(rows * 2 * pw / ph)))
    cells = cell_page(
        image,
        page_size,
        boxes,
        cols,
        rows,
        text_boxes=text_boxes,
        current=current[0] if current else None,
    )
    pad = max(0, (width - cells.cols) // 2)  # centred in the space it has
    margin = " " * pad
    out = Text("\n".join(margin + line for line in cells.lines), no_wrap=True, overflow="crop")
    stride = cells.cols + pad + 1
    mine = set(current)
    for index, rect in enumerate(cells.box_cells):
        if rect is None:
            continue
        style = "bold yellow" if index in mine else "bold red"
        c0, r0, c1, r1 = rect
        for r in range(r0, r1 + 1):
            start = r * stride + pad
            edge = r in (r0, r1)
            if edge:
                out.stylize(style, start + c0, start + c1 + 1)
            else:
                out.stylize(style, start + c0, start + c0 + 1)
                out.stylize(style, start + c1, start + c1 + 1)
    for r, line in enumerate(cells.lines):
        start = r * stride + pad
        for c, ch in enumerate(line):
            if ch in _SHADES:
                out.stylize("grey50", start + c, start + c + 1)
    return out

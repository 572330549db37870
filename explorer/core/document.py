"""The document a job's citations point into: its pages, their size, text and positioned text.

A :class:`Document` is built from what is at hand and says where it came from:

- a parse job (``GET /api/v2/parse/{id}``): each page's parsed text, its size and its items with
  their boxes (the text inside a box is read from the items' lines);
- a PDF (downloaded from the files API, or a local file given with ``--document``): the text
  layer, read with pypdfium2; the text inside a box is read from the text layer in that
  rectangle, which is exact;
- both, merged: the parse job's text is what the model read, the PDF is the page itself.

Coordinates are the API's: top-left origin, y downwards, in the units of the page size (PDF
points). pdfium's origin is bottom-left; :meth:`Document.text_in_box` converts.
"""

from __future__ import annotations

import atexit
import math
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from explorer.core.page_image import PDF_LOCK, Box, clean_box

__all__ = [
    "DocPage",
    "Document",
    "DocumentError",
    "TextRun",
    "document_from_parse",
    "document_from_pdf",
    "merge_documents",
]

#: Pages of a PDF read at most (a hostile file may claim millions).
MAX_PAGES = 5_000


class DocumentError(Exception):
    """A document could not be read (the message says why, in one line)."""


@dataclass(slots=True, frozen=True)
class TextRun:
    """A piece of text and the box it is printed in (top-left origin, page units)."""

    text: str
    box: Box


@dataclass(slots=True)
class DocPage:
    """One page as far as it is known; ``None`` means "not known", not "empty"."""

    number: int
    width: float | None = None
    height: float | None = None
    #: The page's text: the parse job's (what the model read), else the PDF's text layer.
    text: str | None = None
    #: Positioned text from the parse job's items (used when there is no PDF).
    runs: list[TextRun] | None = None
    #: A presigned URL of the parse job's screenshot of this page.
    screenshot_url: str | None = None
    #: Why the page could not be parsed (a scan with no text layer, ...).
    error: str | None = None

    @property
    def size(self) -> tuple[float, float] | None:
        """(width, height) when both are known and usable."""
        w, h = self.width, self.height
        if w is None or h is None or not (w > 0 and h > 0) or math.isinf(w) or math.isinf(h):
            return None
        return (w, h)


@dataclass
class Document:
    """The pages of one document and where they came from."""

    #: Where it came from, for people: "parse job pjb-… + invoice.pdf (PDF, 2 pages)".
    origin: str
    pages: dict[int, DocPage] = field(default_factory=dict)
    #: How many pages the document has, when known for sure (a PDF's count).
    page_count: int | None = None
    #: The PDF's bytes, for the text layer and for rendering pages.
    pdf: bytes | None = None
    #: The file id the document was fetched for (``dfl-…``), when fetched.
    file_id: str | None = None
    #: The open PDF and its pages' text layers (pdfium handles, opened on first use).
    _handle: Any = field(default=None, repr=False, compare=False)
    _textpages: dict[int, tuple[Any, float]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def page(self, number: int) -> DocPage | None:
        """The page with this 1-based number, if the document has it."""
        return self.pages.get(number)

    @property
    def last_page(self) -> int:
        """The highest page number known."""
        if self.page_count is not None:
            return self.page_count
        return max(self.pages, default=0)

    def has_page(self, number: int) -> bool | None:
        """Whether the page exists (None when the document's length is not known)."""
        if self.page_count is not None:
            return 1 <= number <= self.page_count
        if number in self.pages:
            return True
        return False if self.pages else None

    @property
    def can_read_boxes(self) -> bool:
        """Whether the text inside a box can be read (a PDF, or a parse job's items)."""
        return self.pdf is not None or any(p.runs for p in self.pages.values())

    def text_in_box(self, number: int, box: Box) -> str | None:
        """The text printed inside ``box`` on page ``number``; None when that can't be told."""
        page = self.pages.get(number)
        if self.pdf is not None:
            size = page.size if page is not None else None
            return self._pdf_text_in_box(number, box, size)
        if page is None or not page.runs:
            return None
        return "\n".join(r.text for r in page.runs if _mostly_inside(r.box, box))

    def _pdf_text_in_box(
        self, number: int, box: Box, size: tuple[float, float] | None
    ) -> str | None:
        with PDF_LOCK:
            got = self._textpages.get(number)
            if got is None:
                if self._handle is None:
                    try:
                        self._handle = _open_pdf(self.pdf or b"")
                    except DocumentError:
                        return None
                    _OPEN[id(self)] = weakref.ref(self)
                if not 1 <= number <= len(self._handle):
                    return None
                page = self._handle[number - 1]
                height = size[1] if size is not None else page.get_height()
                got = self._textpages[number] = (page.get_textpage(), height)
            textpage, height = got
            text = textpage.get_text_bounded(
                left=box.x,
                bottom=height - (box.y + box.h),
                right=box.x + box.w,
                top=height - box.y,
            )
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def close(self) -> None:
        """Let go of the open PDF (it is opened again if needed)."""
        _OPEN.pop(id(self), None)
        with PDF_LOCK:
            for textpage, _ in self._textpages.values():
                textpage.close()
            self._textpages.clear()
            if self._handle is not None:
                self._handle.close()
                self._handle = None


#: Documents holding pdfium handles, closed at exit (pdfium complains of any left open).
_OPEN: dict[int, weakref.ref[Document]] = {}
_EXIT_HOOKED = False


def _close_all() -> None:
    for ref in list(_OPEN.values()):
        doc = ref()
        if doc is not None:
            doc.close()


# -- from a parse job -------------------------------------------------------------------------


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _item_text(item: Mapping[str, Any]) -> str | None:
    value = item.get("value")
    if isinstance(value, str):
        return value
    md = item.get("md")
    return md if isinstance(md, str) else None


def _item_runs(item: Mapping[str, Any], out: list[TextRun], depth: int = 0) -> None:
    """The item's lines and their boxes: one box per printed line when the counts agree."""
    if depth > 8:
        return
    children = item.get("items")
    if isinstance(children, list) and item.get("type") in ("list", "footer"):
        for child in children[:2_000]:
            if isinstance(child, Mapping):
                _item_runs(child, out, depth + 1)
        return
    raw_boxes = item.get("bbox")
    if isinstance(raw_boxes, Mapping):
        raw_boxes = [raw_boxes]
    if not isinstance(raw_boxes, list):
        return
    boxes = [b for b in (clean_box(r) for r in raw_boxes[:2_000]) if b is not None]
    if not boxes:
        return
    rows = item.get("rows")
    if item.get("type") == "table" and isinstance(rows, list):
        text = "\n".join(
            " ".join(str(c) for c in row) if isinstance(row, list) else str(row) for row in rows
        )
        out.append(TextRun(text, _union(boxes)))
        return
    text = _item_text(item)
    if text is None:
        return
    lines = text.split("\n")
    if len(lines) == len(boxes):
        out.extend(TextRun(line, box) for line, box in zip(lines, boxes, strict=True))
    else:
        out.append(TextRun(text, _union(boxes)))


def _union(boxes: list[Box]) -> Box:
    x0 = min(b.x for b in boxes)
    y0 = min(b.y for b in boxes)
    x1 = max(b.x + b.w for b in boxes)
    y1 = max(b.y + b.h for b in boxes)
    return Box(x0, y0, x1 - x0, y1 - y0)


def document_from_parse(pages: Iterable[Any], origin: str) -> Document:
    """A document from a parse result's pages (``ParseResult.pages()``, or dicts alike)."""
    doc = Document(origin=origin)
    for raw in pages:
        get = raw.get if isinstance(raw, Mapping) else lambda k, r=raw: getattr(r, k, None)
        number = get("page_number")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            continue
        items = get("items")
        runs: list[TextRun] | None = None
        if isinstance(items, list):
            runs = []
            for item in items[:20_000]:
                if isinstance(item, Mapping):
                    _item_runs(item, runs)
        text = get("text")
        if not isinstance(text, str):
            md = get("markdown")
            text = md if isinstance(md, str) else None
        url = get("screenshot_url")
        error = get("error")
        doc.pages[number] = DocPage(
            number=number,
            width=_number(get("width")),
            height=_number(get("height")),
            text=text,
            runs=runs,
            screenshot_url=url if isinstance(url, str) else None,
            error=error if isinstance(error, str) else None,
        )
    return doc


# -- from a PDF -------------------------------------------------------------------------------


def _open_pdf(data: bytes) -> Any:
    import pypdfium2 as pdfium

    global _EXIT_HOOKED
    if not _EXIT_HOOKED:  # after pypdfium2's own exit hook, so this one runs first
        atexit.register(_close_all)
        _EXIT_HOOKED = True

    try:
        return pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium raises PdfiumError, or ValueError on odd input
        raise DocumentError(f"not a readable PDF ({type(exc).__name__}: {exc})") from None


def document_from_pdf(data: bytes, origin: str) -> Document:
    """A document from a PDF's bytes: page sizes and text layers (pypdfium2)."""
    with PDF_LOCK:
        pdf = _open_pdf(data)
        try:
            count = len(pdf)
            doc = Document(origin=origin, page_count=count, pdf=data)
            for index in range(min(count, MAX_PAGES)):
                page = pdf[index]
                try:
                    width, height = page.get_size()
                    textpage = page.get_textpage()
                    try:
                        text = textpage.get_text_range()
                    finally:
                        textpage.close()
                finally:
                    page.close()
                doc.pages[index + 1] = DocPage(
                    number=index + 1,
                    width=float(width),
                    height=float(height),
                    text=text.replace("\r\n", "\n").replace("\r", "\n"),
                )
            return doc
        finally:
            pdf.close()


def _mostly_inside(run: Box, box: Box) -> bool:
    """Whether ``run`` and ``box`` overlap enough for the run's text to count as in the box."""
    w = min(run.x + run.w, box.x + box.w) - max(run.x, box.x)
    h = min(run.y + run.h, box.y + box.h) - max(run.y, box.y)
    if w <= 0 or h <= 0:
        return False
    # half of the run inside the box, or half of the box over the run (a one-word citation
    # of a line-long item)
    overlap = w * h
    return overlap >= 0.5 * max(run.w * run.h, 1e-9) or overlap >= 0.5 * max(box.w * box.h, 1e-9)


# -- both -------------------------------------------------------------------------------------


def merge_documents(parsed: Document | None, pdf: Document | None) -> Document | None:
    """The parse job's text with the PDF's pages: what the model read, and the page itself."""
    if parsed is None or pdf is None:
        return parsed or pdf
    merged = Document(
        origin=f"{parsed.origin} + {pdf.origin}",
        page_count=pdf.page_count,
        pdf=pdf.pdf,
        file_id=pdf.file_id or parsed.file_id,
    )
    for number in sorted(set(parsed.pages) | set(pdf.pages)):
        p, q = parsed.pages.get(number), pdf.pages.get(number)
        if p is None or q is None:
            merged.pages[number] = p or q  # type: ignore[assignment]
            continue
        merged.pages[number] = DocPage(
            number=number,
            width=q.width or p.width,
            height=q.height or p.height,
            text=p.text if p.text else q.text,
            runs=p.runs,
            screenshot_url=p.screenshot_url,
            error=p.error,
        )
    return merged

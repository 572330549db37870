"""Pictures of a document page with its citation boxes: a rendered page, a zoomed crop of the
cited region, and a character-cell drawing for terminals without graphics.

Boxes are the API's: ``{"x", "y", "w", "h"}`` in the units of the page size (PDF points), origin
at the page's top-left, y downwards. Rendering to a bitmap is top-down too, so a point maps to a
pixel by scaling alone: x by ``image.width / page_w``, y by ``image.height / page_h`` (the image
may be a parse job's page screenshot of any resolution). Boxes off the page are clipped.

pdfium is not thread-safe: every pypdfium2 call here, and anywhere else in the app, holds
:data:`PDF_LOCK`. It is imported on first use.

Measured on the 2-core dev machine, a US-letter page of 55 text lines, median of 20 runs:
render_pdf_page at 900 px wide 8 ms (worst 45 ms), draw_boxes 0.7 ms, cell_page of 60 columns
3 ms (5 ms from a 1224 px render): render + cells 12 ms. crop_region 13 ms (Lanczos upscale),
png_bytes 35-40 ms (PNG filtering dominates, even at compress_level 0).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

__all__ = [
    "PDF_LOCK",
    "Box",
    "CellPage",
    "PageImageError",
    "cell_page",
    "clean_box",
    "crop_box",
    "crop_region",
    "draw_boxes",
    "page_from_png",
    "pdf_page_count",
    "pdf_page_size",
    "png_bytes",
    "render_pdf_page",
]

PDF_LOCK = threading.Lock()
DEFAULT_SCALE = 2.0
MAX_PIXELS = 40_000_000  # a page image larger than this is refused (decoded) or avoided (rendered)
MAX_COORD = 1e6  # page units; anything beyond is garbage, not a page
SHADES = " ·░▒▓"  # by the share of a cell's pixels that are ink: <2%, <10%, <25%, <50%, more
_INK = [255 if v < 160 else 0 for v in range(256)]  # luminance below 160 is ink
_SHADE = [SHADES[sum(v >= round(s * 255) for s in (0.02, 0.1, 0.25, 0.5))] for v in range(256)]
Cell = tuple[int, int, int, int]  # (col0, row0, col1, row1), inclusive


class PageImageError(Exception):
    """A page can't be pictured: an unreadable PDF or image, a page out of range."""


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in page units, top-left origin."""

    x: float
    y: float
    w: float
    h: float


def _num(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) and abs(f) <= MAX_COORD else None


def clean_box(raw: object) -> Box | None:
    """A :class:`Box` from a bounding-box dict, or None when it is malformed."""
    if isinstance(raw, Box):
        return raw
    if not isinstance(raw, Mapping):
        return None
    x, y, w, h = (_num(raw.get(k)) for k in ("x", "y", "w", "h"))
    if x is None or y is None or w is None or h is None or w < 0 or h < 0:
        return None
    return Box(x, y, w, h)


def _boxes(items: list[Any]) -> list[Box | None]:
    return [clean_box(b) for b in items]


def _order(n: int, current: int | None) -> list[int]:
    """Indexes 0..n-1, ``current`` last (drawn on top)."""
    last = [current] if current is not None and 0 <= current < n else []
    return [i for i in range(n) if i != current] + last


def _page_size(page_size: tuple[float, float]) -> tuple[float, float]:
    try:
        pw, ph = (float(v) for v in page_size)
    except (TypeError, ValueError):
        raise PageImageError(f"bad page size {page_size!r}") from None
    if not (math.isfinite(pw) and math.isfinite(ph) and pw > 0 and ph > 0):
        raise PageImageError(f"bad page size {pw:g} x {ph:g}")
    return pw, ph


# -- PDF --------------------------------------------------------------------------------------


@contextmanager
def _opened(pdf: bytes, page: int | None = None) -> Iterator[Any]:
    """With PDF_LOCK held: the PdfDocument of ``pdf``, or its page ``page`` (1-based)."""
    import pypdfium2 as pdfium

    if not isinstance(pdf, bytes | bytearray | memoryview) or not pdf:
        raise PageImageError("not a readable PDF (no data)")
    with PDF_LOCK:
        try:
            doc = pdfium.PdfDocument(bytes(pdf))
        except Exception as exc:  # PdfiumError, or ValueError on odd input
            raise PageImageError(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
        try:
            if page is None:
                yield doc
                return
            count = len(doc)
            if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= count:
                raise PageImageError(f"page {page} is out of range: the PDF has {count} pages")
            p = doc[page - 1]
            try:
                yield p
            finally:
                p.close()
        finally:
            doc.close()


def pdf_page_count(pdf: bytes) -> int:
    """How many pages ``pdf`` has."""
    with _opened(pdf) as doc:
        return len(doc)


def pdf_page_size(pdf: bytes, page: int) -> tuple[float, float]:
    """Page ``page`` (1-based) of ``pdf``: its width and height in points."""
    with _opened(pdf, page) as p:
        w, h = p.get_size()
    return float(w), float(h)


def render_pdf_page(
    pdf: bytes, page: int, *, width_px: int | None = None, scale: float | None = None
) -> Image.Image:
    """Page ``page`` (1-based) of ``pdf`` as an RGB image: ``width_px`` wide if given, else at
    ``scale`` pixels per point (2.0 by default). Scaled down if it would exceed MAX_PIXELS."""
    with _opened(pdf, page) as p:
        pw, ph = _page_size(p.get_size())
        if width_px is not None:  # a hair under, so pdfium's ceil() lands exactly on width_px
            s = (max(1, min(int(width_px), 20_000)) - 1e-6) / pw
        elif scale is not None and math.isfinite(scale) and scale > 0:
            s = float(scale)
        else:
            s = DEFAULT_SCALE
        try:
            bitmap = p.render(scale=min(s, math.sqrt(MAX_PIXELS / (pw * ph))))
            try:
                return bitmap.to_pil().convert("RGB")  # a copy: the bitmap's memory is freed
            finally:
                bitmap.close()
        except Exception as exc:
            raise PageImageError(f"page {page} can't be rendered ({exc})") from None


# -- screenshots and output -------------------------------------------------------------------


def page_from_png(data: bytes) -> Image.Image:
    """A parse job's page screenshot (PNG or JPEG bytes) as an RGB image."""
    try:
        image = Image.open(io.BytesIO(data))
        w, h = image.size
        if w * h > MAX_PIXELS:
            raise PageImageError(f"page image too large ({w} x {h} pixels), not decoded")
        image.load()
        return image.convert("RGB")
    except PageImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PageImageError("page image too large (decompression bomb), not decoded") from None
    except Exception as exc:  # UnidentifiedImageError, truncated data, OSError ...
        raise PageImageError(f"not a readable image ({type(exc).__name__})") from None


def png_bytes(image: Image.Image) -> bytes:
    """``image`` encoded as PNG (fast compression: these are shown, not archived)."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


# -- boxes on the image -----------------------------------------------------------------------


def _pixels(box: Box, sx: float, sy: float, iw: int, ih: int, pad: int) -> tuple[int, ...] | None:
    """The box's pixel rectangle (inclusive), clamped just outside the image, or None if off."""
    x0, y0 = box.x * sx, box.y * sy
    x1, y1 = (box.x + box.w) * sx, (box.y + box.h) * sy
    if x1 < 0 or y1 < 0 or x0 >= iw or y0 >= ih:
        return None
    px0, py0 = round(x0), round(y0)
    px1, py1 = max(px0, round(x1) - 1), max(py0, round(y1) - 1)
    return max(px0, -pad), max(py0, -pad), min(px1, iw + pad), min(py1, ih + pad)


def draw_boxes(
    image: Image.Image,
    boxes: list[Box],
    page_size: tuple[float, float],
    *,
    current: int | None = None,
    color: tuple[int, int, int] = (220, 30, 30),
    width: int | None = None,
    current_color: tuple[int, int, int] = (20, 90, 230),
) -> Image.Image:
    """A copy of ``image`` with each box outlined over a translucent fill; box ``current``
    (an index into ``boxes``) thicker, in ``current_color``, and drawn last."""
    pw, ph = _page_size(page_size)
    out = image.convert("RGB") if image.mode != "RGB" else image.copy()
    iw, ih = out.size
    sx, sy = iw / pw, ih / ph
    line = width if width and width > 0 else max(2, round(min(iw, ih) / 450))
    draw = ImageDraw.Draw(out, "RGBA")  # RGBA drawing blends onto the RGB image
    cleaned = _boxes(boxes)
    for i in _order(len(cleaned), current):
        box = cleaned[i]
        lw, rgb = (line * 2, current_color) if i == current else (line, color)
        rect = None if box is None else _pixels(box, sx, sy, iw, ih, lw + 1)
        if rect is None:
            continue
        draw.rectangle(rect, fill=(*rgb, 48 if i == current else 36))
        draw.rectangle(rect, outline=(*rgb, 255), width=lw)
    return out


def crop_box(
    boxes: list[Box],
    page_size: tuple[float, float],
    *,
    margin: float = 24.0,
    min_size: float = 120.0,
) -> Box:
    """The region around the boxes: their union plus ``margin``, at least ``min_size`` page
    units each way, clamped to the page (the whole page when no box is usable)."""
    pw, ph = _page_size(page_size)
    x0, y0, x1, y1 = 0.0, 0.0, pw, ph  # the whole page when no box is on it
    if usable := [b for b in _boxes(boxes) if b is not None]:
        u0 = max(0.0, min(b.x for b in usable) - margin)
        v0 = max(0.0, min(b.y for b in usable) - margin)
        u1 = min(pw, max(b.x + b.w for b in usable) + margin)
        v1 = min(ph, max(b.y + b.h for b in usable) + margin)
        if u1 > u0 and v1 > v0:
            x0, y0, x1, y1 = u0, v0, u1, v1

    def grow(a: float, b: float, limit: float) -> tuple[float, float]:
        need = min(max(min_size, 1.0), limit) - (b - a)
        if need > 0:
            a, b = a - need / 2, b + need / 2
            a, b = (0.0, b - a) if a < 0 else (a, b)
            a, b = (a - (b - limit), limit) if b > limit else (a, b)
        return max(0.0, a), min(limit, b)

    x0, x1 = grow(x0, x1, pw)
    y0, y1 = grow(y0, y1, ph)
    return Box(x0, y0, x1 - x0, y1 - y0)


def crop_region(
    image: Image.Image,
    boxes: list[Box],
    page_size: tuple[float, float],
    *,
    margin: float = 24.0,
    min_size: float = 120.0,
) -> Image.Image:
    """The part of ``image`` around the boxes (:func:`crop_box`), scaled up to at least 600
    pixels wide."""
    pw, ph = _page_size(page_size)
    region = crop_box(boxes, page_size, margin=margin, min_size=min_size)
    x0, y0, x1, y1 = region.x, region.y, region.x + region.w, region.y + region.h
    sx, sy = image.width / pw, image.height / ph
    rect = (math.floor(x0 * sx), math.floor(y0 * sy), math.ceil(x1 * sx), math.ceil(y1 * sy))
    crop = image.crop(rect)
    cw, ch = crop.size
    if cw < 600:
        f = min(600 / max(cw, 1), math.sqrt(16_000_000 / max(cw * ch, 1)))
        if f > 1:
            crop = crop.resize((round(cw * f), max(1, round(ch * f))), Image.Resampling.LANCZOS)
    return crop


# -- character cells --------------------------------------------------------------------------


@dataclass
class CellPage:
    """A page drawn in character cells: ``rows`` lines of exactly ``cols`` characters, and each
    input box's inclusive cell rectangle ``(col0, row0, col1, row1)`` (None when malformed or off
    the page), in the order given, for the UI to colour."""

    lines: list[str]
    box_cells: list[Cell | None]
    cols: int
    rows: int


def _cells(box: Box, cx: float, cy: float) -> Cell:
    """The box's unclipped inclusive cell rectangle."""
    c0, r0 = math.floor(box.x * cx), math.floor(box.y * cy)
    c1 = max(c0, math.ceil((box.x + box.w) * cx) - 1)
    r1 = max(r0, math.ceil((box.y + box.h) * cy) - 1)
    return c0, r0, c1, r1


def _clip(cell: Cell, cols: int, rows: int) -> Cell | None:
    """The part of ``cell`` on the grid; None when it is all off."""
    c0, r0, c1, r1 = cell
    if c1 < 0 or r1 < 0 or c0 >= cols or r0 >= rows:
        return None
    return max(c0, 0), max(r0, 0), min(c1, cols - 1), min(r1, rows - 1)


def _shade(image: Image.Image, cols: int, rows: int) -> list[list[str]]:
    """Each cell's ink density: the fraction of dark pixels, from one threshold and one resize."""
    ink = image.convert("L").point(_INK).resize((cols, rows), Image.Resampling.BOX).tobytes()
    return [[_SHADE[v] for v in ink[r * cols : (r + 1) * cols]] for r in range(rows)]


def _outline(grid: list[list[str]], cell: Cell, cols: int, rows: int) -> None:
    """Draws the (unclipped) ``cell`` rectangle's outline; edges off the grid are left out."""
    c0, r0, c1, r1 = cell
    left, right, top, bottom = c0 >= 0, c1 < cols, r0 >= 0, r1 < rows
    c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, cols - 1), min(r1, rows - 1)
    if (c0, r0) == (c1, r1) and left and right and top and bottom:
        grid[r0][c0] = "█"
        return
    if r0 == r1 and top and bottom:  # one row tall: brackets around what's inside
        if left:
            grid[r0][c0] = "["
        if right:
            grid[r0][c1] = "]"
        return
    if c0 == c1 and left and right:  # one column wide
        for r in range(r0, r1 + 1):
            grid[r][c0] = "┬" if r == r0 and top else "┴" if r == r1 and bottom else "│"
        return
    for r in range(r0, r1 + 1):
        if left:
            grid[r][c0] = "│"
        if right:
            grid[r][c1] = "│"
    for r, corners, on in ((r0, "┌┐", top), (r1, "└┘", bottom)):
        if on:
            for c in range(c0, c1 + 1):
                grid[r][c] = "─"
            if left:
                grid[r][c0] = corners[0]
            if right:
                grid[r][c1] = corners[1]


def cell_page(
    image: Image.Image | None,
    page_size: tuple[float, float],
    boxes: list[Box],
    cols: int,
    rows: int | None = None,
    *,
    text_boxes: list[Box] | None = None,
    current: int | None = None,
) -> CellPage:
    """The page in ``cols`` x ``rows`` character cells: its ink as shades (or, with no image,
    ``text_boxes`` as "░"), each box outlined in box-drawing characters (``current`` on top).

    With ``rows`` None the page keeps its aspect ratio (a cell is about twice as tall as wide).
    """
    pw, ph = _page_size(page_size)
    cols = min(max(8, int(cols)), 1_000)
    if rows is None:
        rows = max(4, round(cols * (ph / pw) / 2))
    rows = min(max(2, int(rows)), 2_000)
    cx, cy = cols / pw, rows / ph
    if image is not None:
        grid = _shade(image, cols, rows)
    else:
        grid = [[" "] * cols for _ in range(rows)]
        text = [_clip(_cells(b, cx, cy), cols, rows) for b in _boxes(text_boxes or []) if b]
        for c0, r0, c1, r1 in filter(None, text):
            for r in range(r0, r1 + 1):
                grid[r][c0 : c1 + 1] = "░" * (c1 - c0 + 1)
    cells = [None if b is None else _cells(b, cx, cy) for b in _boxes(boxes)]
    box_cells = [None if c is None else _clip(c, cols, rows) for c in cells]
    for i in _order(len(cells), current):
        if (cell := cells[i]) is not None and box_cells[i] is not None:
            _outline(grid, cell, cols, rows)
    return CellPage(lines=["".join(row) for row in grid], box_cells=box_cells, cols=cols, rows=rows)

"""Prints a laid-out document to PDF (fpdf2) and photographs its pages (pypdfium2).

Every span is drawn at its box with `FPDF.text` at the baseline the typeface implies, so the
PDF's text layer sits inside the boxes citations and parse items report. Right-to-left runs are
drawn in visual order (the Unicode bidi algorithm), as real PDF producers do; a text extractor
reading the page turns them back into reading order. Arabic is drawn unshaped (isolated letter
forms): fpdf2 shapes text only with HarfBuzz, which the simulator doesn't need.

Both libraries are imported on first use (fpdf2 alone takes ~0.4 s), and both run under one
lock: pdfium is not thread-safe, and fpdf2 shares the parsed font between documents.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from datetime import datetime
from typing import Any

from .paper import Paper
from .typeface import Typeface

PRODUCER = "extract-explorer simulator"
_LOCK = threading.Lock()
_RTL = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI"})


def render_pdf(paper: Paper, tf: Typeface, *, created: datetime, name: str) -> bytes:
    """The PDF of `paper`, byte-identical for the same paper, typeface and `created`."""
    from fpdf import FPDF

    with _LOCK:
        pdf = FPDF(unit="pt", format=(paper.width, paper.height))
        pdf.set_auto_page_break(False)
        pdf.alias_nb_pages(None)  # no "{nb}" substitution inside printed values
        pdf.set_creation_date(created)
        pdf.set_title(paper.title)
        pdf.set_subject(name)
        pdf.set_creator(PRODUCER)
        pdf.set_producer(PRODUCER)
        font_file = tf.font_file()
        if font_file is not None:
            pdf.add_font(tf.family, fname=str(font_file))
        for page in paper.pages:
            pdf.add_page()
            if page.scanned:
                _scan(pdf, paper)
            for block in page.blocks:
                if block.table is not None:
                    _rules(pdf, block.table)
            size = 0.0
            for span in page.spans():
                if span.size != size:
                    size = span.size
                    pdf.set_font(tf.family, size=size)
                pdf.text(span.x, span.y + tf.ascent * span.size, visual(span.text))
        return bytes(pdf.output())


def render_page(pdf: bytes, page: int, *, image_format: str = "PNG", width: int = 1000) -> bytes:
    """Page `page` (1-based) of `pdf` as an image about `width` pixels wide."""
    import pypdfium2 as pdfium

    with _LOCK:
        doc = pdfium.PdfDocument(pdf)
        try:
            p = doc[page - 1]
            scale = min(3.0, max(1.0, width / p.get_width()))
            image = p.render(scale=scale).to_pil()
            p.close()
        finally:
            doc.close()
    out = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, "PNG", optimize=False)
    return out.getvalue()


def text_in_boxes(pdf: bytes, page: int, boxes: list[dict[str, Any]], margin: float = 1.5) -> str:
    """The text layer of `page` inside each box (top-left point coordinates), joined by spaces.

    For tests and for anyone checking that a citation points where its text is.
    """
    import pypdfium2 as pdfium

    with _LOCK:
        doc = pdfium.PdfDocument(pdf)
        try:
            p = doc[page - 1]
            height = p.get_height()
            tp = p.get_textpage()
            parts = [
                tp.get_text_bounded(
                    left=b["x"] - margin,
                    bottom=height - (b["y"] + b["h"]) - margin,
                    right=b["x"] + b["w"] + margin,
                    top=height - b["y"] + margin,
                )
                for b in boxes
            ]
            tp.close()
            p.close()
        finally:
            doc.close()
    return " ".join(parts)


def visual(text: str) -> str:
    """`text` in drawing order: right-to-left runs reversed per the Unicode bidi algorithm."""
    if not any(unicodedata.bidirectional(c) in _RTL for c in text):
        return text
    try:
        from fpdf.bidi import BidiParagraph, auto_detect_base_direction
    except ImportError:  # fpdf2 before 2.7.7: right-to-left text only, drawn mirrored
        return text[::-1]
    paragraph = BidiParagraph(text=text, base_direction=auto_detect_base_direction(text))
    return paragraph.get_reordered_string()


def _rules(pdf: Any, table: Any) -> None:
    # a rule under the header and a hairline under each row, as statements print them
    left = table.columns[0].x
    right = table.columns[-1].x + table.columns[-1].w
    pdf.set_draw_color(90)
    pdf.set_line_width(0.6)
    y = table.header_y + table.pitch + 0.5
    pdf.line(left, y, right, y)
    pdf.set_draw_color(200)
    pdf.set_line_width(0.3)
    for row in table.rows:
        pdf.line(left, row.y + row.h, right, row.y + row.h)


def _scan(pdf: Any, paper: Paper) -> None:
    # an image-only page: a grey, slightly crooked photo of text lines, and no text layer
    pdf.set_fill_color(228)
    pdf.rect(30, 30, paper.width - 60, paper.height - 60, style="F")
    pdf.set_fill_color(150)
    y = 70.0
    while y < paper.height - 90:
        pdf.rect(60 + (y % 7), y, paper.width - 140 - (y * 3 % 90), 5.5, style="F")
        y += 15.0

"""A laid-out page in the parse API's formats: plain text, markdown and structured items.

Items follow the SDK's item union (`heading`, `text`, `list`, `table`, `footer`), each with a
`bbox` list in the same top-left point coordinates as citations. A scanned page has no text
layer: its markdown and items are failed pages, its text empty.
"""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from .paper import Block, Page, Span

SCAN_ERROR = "No text layer: the page is an image (rotated scan); OCR found no text."


def page_text(page: Page) -> dict[str, Any]:
    """`text.pages[]` entry."""
    return {"page_number": page.number, "text": "" if page.scanned else page.text()}


def page_markdown(page: Page) -> dict[str, Any]:
    """`markdown.pages[]` entry (the footer apart, as the API reports it)."""
    if page.scanned:
        return _failed(page)
    out: dict[str, Any] = {
        "page_number": page.number,
        "markdown": "\n\n".join(block_markdown(b) for b in page.blocks),
        "success": True,
    }
    if page.footer is not None:
        out["footer"] = block_markdown(page.footer)
    return out


def page_items(page: Page) -> dict[str, Any]:
    """`items.pages[]` entry."""
    if page.scanned:
        return _failed(page)
    items = [block_item(b) for b in page.blocks]
    if page.footer is not None:
        items.append(block_item(page.footer))
    return {
        "page_number": page.number,
        "page_width": float(page.width),
        "page_height": float(page.height),
        "success": True,
        "items": items,
    }


def _failed(page: Page) -> dict[str, Any]:
    return {"page_number": page.number, "error": SCAN_ERROR, "success": False}


def block_markdown(block: Block) -> str:
    """A block as markdown."""
    if block.kind == "heading":
        return f"{'#' * max(1, min(block.level, 6))} {block.text()}"
    if block.kind == "list":
        return "\n".join(_list_entry(child) for child in block.children)
    if block.kind == "table" and block.table is not None:
        return _md_table(block.table.grid())
    if block.labelled and block.lines:
        # a field: its label in bold, then the value as printed
        (label, *value), *rest = block.lines
        head = " ".join([f"**{label.text}**", *(s.text for s in value)])
        return "\n".join([head, *(" ".join(s.text for s in line) for line in rest)])
    return block.text()


def block_item(block: Block) -> dict[str, Any]:
    """A block as one item of the SDK's union."""
    md = block_markdown(block)
    if block.kind == "heading":
        text = block.text()
        return {
            "type": "heading",
            "level": block.level,
            "value": text,
            "md": md,
            "bbox": block.boxes(),
        }
    if block.kind == "list":
        return {
            "type": "list",
            "ordered": False,
            "items": [_text_item(child) for child in block.children],
            "md": md,
            "bbox": [_union(block.boxes())],
        }
    if block.kind == "table" and block.table is not None:
        t = block.table
        grid = t.grid()
        left = t.columns[0].x
        right = t.columns[-1].x + t.columns[-1].w
        box = Span(left, t.header_y, right - left, t.bottom() - t.header_y, 0, "").box()
        return {
            "type": "table",
            "rows": grid,
            "csv": _csv(grid),
            "html": _html(grid),
            "md": md,
            "bbox": [box],
        }
    if block.kind == "footer":
        return {"type": "footer", "items": [_text_item(block)], "md": md, "bbox": block.boxes()}
    return _text_item(block)


def _text_item(block: Block) -> dict[str, Any]:
    return {
        "type": "text",
        "value": block.text(),
        "md": block_markdown(block),
        "bbox": block.boxes(),
    }


def _list_entry(child: Block) -> str:
    lines = child.text().split("\n")
    return "\n".join([f"- {lines[0]}", *(f"  {line}" for line in lines[1:])])


def _union(boxes: list[dict[str, float]]) -> dict[str, float]:
    x0 = min(b["x"] for b in boxes)
    y0 = min(b["y"] for b in boxes)
    x1 = max(b["x"] + b["w"] for b in boxes)
    y1 = max(b["y"] + b["h"] for b in boxes)
    return {"x": x0, "y": y0, "w": round(x1 - x0, 2), "h": round(y1 - y0, 2)}


def _md_table(grid: list[list[str]]) -> str:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    head, *body = grid
    return "\n".join([row(head), "|" + "---|" * len(head), *(row(r) for r in body)])


def _csv(grid: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(grid)
    return out.getvalue()


def _html(grid: list[list[str]]) -> str:
    head, *body = grid
    th = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    trs = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"

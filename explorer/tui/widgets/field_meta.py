"""``FieldMetadataPane``: confidence, reasoning and citations of the field under the cursor."""

from __future__ import annotations

from typing import Any

from rich.console import Group as RichGroup
from rich.table import Table
from rich.text import Text

from explorer.core.confidence import confidence_band
from explorer.core.export import to_json
from explorer.core.fields import Citation, FieldRow, fields_on_page, metadata_for
from explorer.core.jsonpath import format_path
from explorer.core.sanitize import safe_text, safe_value
from explorer.tui.inert import inert
from explorer.tui.widgets.rendered_lines import RenderedLines

#: On-screen cap for one value or cited text; copy/export give the whole thing.
SHOW_CHARS = 2000


#: The colour of each confidence band (the number is always shown beside it).
BAND_STYLES = {"high": "green", "mid": "yellow", "low": "bold red"}


def confidence_style(value: float | None) -> str:
    """Colour of a confidence, by its band; "dim" when there is none."""
    return "dim" if value is None else BAND_STYLES[confidence_band(value)]


def confidence_text(value: float | None) -> Text:
    if value is None:
        return Text("—", style="dim")
    if not 0.0 <= value <= 1.0:
        # Not a confidence (NaN, 1e100, -3): say so briefly instead of printing digits.
        return Text(safe_value(value, 10), style="bold red")
    return Text(f"{value:.2f}", style=confidence_style(value))


def _value_as_text(value: Any) -> str:
    """The value as it would appear in a document: strings bare, numbers plain."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return to_json(value, indent=None)
    if isinstance(value, int | float):
        return safe_value(value)
    return ""


def highlight_value(matching: str, value: Any) -> Text:
    """The cited text with the extracted value highlighted wherever it occurs in it."""
    shown = safe_text(matching, max_len=SHOW_CHARS, single_line=False)
    text = Text(shown)
    needle = safe_text(_value_as_text(value), max_len=200)
    if needle.strip():
        lowered, target = shown.lower(), needle.lower()
        start = lowered.find(target)
        while start != -1:
            text.stylize("bold black on yellow", start, start + len(target))
            start = lowered.find(target, start + len(target))
    return text


def citation_block(index: int, citation: Citation, value: Any) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    page = "?" if citation.page is None else str(citation.page)
    table.add_row(f"[{index}]", Text(f"page {page}", style="bold cyan"))
    if citation.matching_text is not None:
        table.add_row("", highlight_value(citation.matching_text, value))
    for box in citation.bounding_boxes[:8]:
        coords = "  ".join(
            f"{k}={safe_value(box.get(k))}" for k in ("x", "y", "w", "h") if k in box
        )
        table.add_row("", Text(f"box {coords}", style="dim"))
    if len(citation.bounding_boxes) > 8:
        table.add_row("", Text(f"… {len(citation.bounding_boxes) - 8} more boxes", style="dim"))
    dims = citation.page_dimensions
    if dims:
        table.add_row(
            "",
            Text(
                f"page {safe_value(dims.get('width'))} x {safe_value(dims.get('height'))}",
                style="dim",
            ),
        )
    return table


class FieldMetadataPane(RenderedLines):
    """What the extraction said about one field: confidences, reasoning, citations."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(Text("Move to a field in the result.", style="dim"), **kw)
        self.job: dict | None = None
        self.rows_for_pages: list[FieldRow] | None = None

    def clear(self, message: str = "Move to a field in the result.") -> None:
        self.update(inert(message, 400, single_line=False, style="dim"))

    def show_field(
        self, job: dict, path: tuple, value: Any, is_leaf: bool, problems: list[str] | None = None
    ) -> None:
        """Show the metadata matched to ``path`` of the job's result."""
        self.job = job
        parts: list[Any] = []
        head = Text(safe_text(format_path(path), max_len=200), style="bold")
        parts.append(head)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(overflow="fold")
        if is_leaf:
            table.add_row("value", Text(safe_text(_display(value), SHOW_CHARS, single_line=False)))
        else:
            size = len(value) if isinstance(value, dict | list) else 0
            kind = "object" if isinstance(value, dict) else "array"
            unit = "keys" if isinstance(value, dict) else "items"
            table.add_row(
                kind, Text(f"{size:,} {unit} — move to a leaf for its metadata", style="dim")
            )
        meta = metadata_for(job, path)
        if problems:
            for problem in problems:
                table.add_row("problem", Text(safe_text(problem, 400), style="bold red"))
        if meta is None:
            table.add_row("metadata", Text("none for this field", style="dim"))
            parts.append(table)
            self.update(RichGroup(*parts))
            return
        row = FieldRow(tuple(path), value, meta=meta)
        table.add_row("confidence", confidence_text(row.confidence))
        table.add_row("extraction", confidence_text(row.extraction_confidence))
        table.add_row("parsing", confidence_text(row.parsing_confidence))
        if row.reasoning:
            table.add_row(
                "reasoning", Text(safe_text(row.reasoning, SHOW_CHARS, single_line=False))
            )
        error = meta.get("error")
        if error is not None:
            table.add_row("error", Text(safe_text(str(error), 400), style="red"))
        parts.append(table)
        citations = row.citations
        if citations:
            parts.append(Text(f"\nCitations ({len(citations)})", style="bold"))
            parts.extend(citation_block(i, c, value) for i, c in enumerate(citations[:20], 1))
            if len(citations) > 20:
                parts.append(Text(f"… {len(citations) - 20} more citations", style="dim"))
            parts.append(
                Text("w: the Source view — the cited page, its boxes, its text", style="dim italic")
            )
            pages = sorted({c.page for c in citations if c.page is not None})
            if self.rows_for_pages is not None and pages:
                parts.append(self._fields_on_pages(pages, tuple(path)))
        elif "citation" in meta or "citations" in meta:
            parts.append(Text("\nNo usable citation in the metadata.", style="dim"))
        unknown = {k: v for k, v in meta.items() if k not in _KNOWN_KEYS}
        if unknown:
            raw = to_json(unknown, indent=None)
            parts.append(Text("\nOther metadata", style="bold"))
            parts.append(Text(safe_text(raw, SHOW_CHARS, single_line=False), style="dim"))
        self.update(RichGroup(*parts))

    def _fields_on_pages(self, pages: list[int], current: tuple) -> Any:
        assert self.rows_for_pages is not None
        lines = Text()
        for page in pages[:3]:
            others = [r for r in fields_on_page(self.rows_for_pages, page) if r.path != current]
            lines.append(f"\nFields on page {page} ({len(others)})\n", style="bold")
            for other in others[:15]:
                lines.append(f"  {safe_text(other.path_str, 60)}", style="cyan")
                lines.append(f" = {safe_text(_display(other.value), 50)}")
                if other.confidence is not None:
                    lines.append(
                        f"  {other.confidence:.2f}", style=confidence_style(other.confidence)
                    )
                lines.append("\n")
            if len(others) > 15:
                lines.append(f"  … {len(others) - 15} more\n", style="dim")
        return lines


_KNOWN_KEYS = {
    "confidence",
    "extraction_confidence",
    "parsing_confidence",
    "reasoning",
    "citation",
    "citations",
    "error",
}


def _display(value: Any) -> str:
    if isinstance(value, str):
        return value
    return safe_value(value)

"""Field metadata (confidence, reasoning, citations) that mirrors an extraction result.

The shape follows api-notes: a mapping keyed by field name mirroring the result; a leaf maps to
an entry, an array to a list of per-element entries (or per-element mappings), nested objects
nest. Citations are laid out down the page like text on paper so bounding boxes look sane.
"""

from __future__ import annotations

import random
from typing import Any

from .documents import TIER_QUALITY

_MONEY_WORDS = (
    "amount",
    "price",
    "total",
    "subtotal",
    "tax",
    "balance",
    "debit",
    "credit",
    "salary",
    "fee",
    "value",
)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
_GENERAL_REASONS = (
    "Two candidates found; chose the one next to the heading.",
    "Value partly obscured by a stamp; best reading.",
    "Text split across two lines; joined.",
)
_DATE_REASONS = ("Normalised the date from DD/MM/YYYY to ISO 8601.",)
_MONEY_REASONS = (
    "Read from the totals block at the bottom of the page.",
    "Printed value was cut off; computed from the neighbouring figures.",
)


class Layout:
    """Where the next cited text goes: flows down the pages, or across one table row."""

    def __init__(
        self, size: tuple[int, int], first_page: int, last_page: int, row_y: float | None = None
    ) -> None:
        self.width, self.height = size
        self.page = first_page
        self.last_page = last_page
        self.row = row_y is not None
        self.x = 48.0
        self.y = row_y if row_y is not None else 72.0

    def place(self, text: str, rng: random.Random) -> tuple[int, dict[str, float]]:
        """The page and bounding box of the next piece of text."""
        w = min(self.width - 96.0, 6.2 * max(len(text), 2) + rng.uniform(0, 8))
        box = {"x": round(self.x, 1), "y": round(self.y, 1), "w": round(w, 1), "h": 12.0}
        if self.row:
            self.x = min(self.width - 60.0, self.x + w + 10.0)
        else:
            self.y += rng.uniform(16.0, 34.0)
            if self.y > self.height - 72.0 and self.page < self.last_page:
                self.page += 1
                self.y = 72.0
            self.y = min(self.y, self.height - 40.0)
        return self.page, box


class FieldMetadataBuilder:
    """Builds metadata mappings for one job (its tier, options and random stream)."""

    def __init__(
        self, rng: random.Random, *, cite: bool, confidence: bool, tier: str, currency: str = "USD"
    ) -> None:
        self.rng = rng
        self.cite = cite
        self.confidence = confidence
        self.quality = TIER_QUALITY.get(tier, 0.88)
        self.currency = currency

    def mapping(self, obj: dict[str, Any], layout: Layout) -> dict[str, Any]:
        """Metadata for one result object (a document, a page or a row)."""
        return {k: self._walk(v, k, layout) for k, v in obj.items()}

    def _walk(self, value: Any, name: str, layout: Layout, labelled: bool = True) -> Any:
        if isinstance(value, dict):
            out = {k: self._walk(v, k, layout) for k, v in value.items()}
            if "reasoning" not in out and self.rng.random() < 0.15:
                # the API sometimes explains a whole object beside its sub-fields
                out["reasoning"] = f"Found in the {name.replace('_', ' ')} block."
            return out
        if isinstance(value, list):
            # list elements are printed bare, without the field's label
            return [self._walk(v, name, layout, labelled=False) for v in value]
        return self.leaf(value, name, layout, labelled=labelled)

    def leaf(self, value: Any, name: str, layout: Layout, labelled: bool = True) -> dict[str, Any]:
        """The entry for one extracted value."""
        rng = self.rng
        entry: dict[str, Any] = {}
        missing = value is None or value == ""
        if self.confidence:
            if missing:
                extraction = rng.uniform(0.2, 0.5)
            elif rng.random() < 0.06:
                extraction = rng.uniform(0.3, 0.65)  # the odd field the model was unsure of
            else:
                extraction = min(0.999, max(0.5, rng.gauss(self.quality, 0.05)))
            parsing = min(1.0, max(0.6, rng.gauss(0.97, 0.03)))
            entry["confidence"] = round(extraction * parsing, 3)
            entry["extraction_confidence"] = round(extraction, 3)
            entry["parsing_confidence"] = round(parsing, 3)
        if missing:
            entry["reasoning"] = "NOT FOUND IN DOCUMENT"
        else:
            entry["reasoning"] = (
                "VERBATIM EXTRACTION" if rng.random() < 0.75 else rng.choice(_reasons(name))
            )
        if self.cite:
            entry["citation"] = [] if missing else [self._citation(value, name, layout, labelled)]
        return entry

    def _citation(self, value: Any, name: str, layout: Layout, labelled: bool) -> dict[str, Any]:
        text = self.document_text(value, name, labelled)
        page, box = layout.place(text[:120], self.rng)
        boxes = [box]
        if len(text) > 90:
            # long text wraps onto a second line
            boxes.append({**box, "y": round(box["y"] + 14.0, 1)})
        return {
            "page": page,
            "matching_text": text,
            "bounding_boxes": boxes,
            "page_dimensions": {"width": layout.width, "height": layout.height},
        }

    def document_text(self, value: Any, name: str, labelled: bool = True) -> str:
        """The value as it would be printed on the page, usually with its label."""
        rng = self.rng
        if isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif isinstance(value, int | float) and any(w in name for w in _MONEY_WORDS):
            shown = f"{_SYMBOLS.get(self.currency, '')}{value:,.2f}"
        elif isinstance(value, float):
            shown = f"{value:,.2f}"
        else:
            shown = str(value)
        if rng.random() < 0.07 and isinstance(value, str) and len(shown) > 3:
            # OCR noise: the citation doesn't quite contain the value
            shown = shown.replace("0", "O").replace("1", "l").replace("e", "c", 1)
        if labelled and rng.random() < 0.6 and len(shown) < 200:
            return f"{name.replace('_', ' ').capitalize()}: {shown}"
        return shown


def _reasons(name: str) -> tuple[str, ...]:
    if "date" in name:
        return _DATE_REASONS
    if any(w in name for w in _MONEY_WORDS):
        return _MONEY_REASONS
    return _GENERAL_REASONS

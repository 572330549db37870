"""One field of a job as a row: its value, the metadata entry that applies, and its order.

:mod:`explorer.core.fields` walks a result beside its field metadata and makes these rows; this
module is what a row *is* (confidences, citations and reasoning read from the entry on access),
and how it is written as JSON. How a table of rows sorts is :mod:`explorer.core.field_sort`.
"""

from __future__ import annotations

import math
from typing import Any

from explorer.core.jsonpath import Path, format_path
from explorer.core.sanitize import safe_value

__all__ = [
    "PROBLEM_NOT_IN_RESULT",
    "PROBLEM_UNREADABLE",
    "Citation",
    "FieldRow",
    "json_type",
    "raw_citations",
    "row_to_json",
]

PROBLEM_NOT_IN_RESULT = "metadata for a field not in the result"
PROBLEM_UNREADABLE = "metadata could not be interpreted"

_NO = object()


def _number(v: Any) -> float | None:
    t = type(v)
    if t is float:
        return v if math.isfinite(v) else None
    if t is int:
        try:
            return float(v)
        except OverflowError:
            return None
    return None


def _page(v: Any) -> int | None:
    t = type(v)
    if t is int:
        return v
    if t is float and math.isfinite(v) and v.is_integer():
        return int(v)
    if t is str and v.strip().isdigit() and v.isascii() and len(v) < 10:
        return int(v)
    return None


class Citation:
    """One citation of a field: the page, the matched text and where it sits on the page."""

    __slots__ = ("bounding_boxes", "matching_text", "page", "page_dimensions")

    def __init__(self, raw: dict[str, Any]) -> None:
        self.page: int | None = _page(raw.get("page"))
        text = raw.get("matching_text")
        self.matching_text: str | None = text if isinstance(text, str) else None
        boxes = raw.get("bounding_boxes")
        if isinstance(boxes, dict):
            boxes = [boxes]
        self.bounding_boxes: list[dict[str, Any]] = (
            [b for b in boxes if isinstance(b, dict)] if isinstance(boxes, list) else []
        )
        dims = raw.get("page_dimensions")
        self.page_dimensions: dict[str, Any] | None = dims if isinstance(dims, dict) else None

    def to_json(self) -> dict[str, Any]:
        """Return the citation as a plain JSON dict."""
        return {
            "page": self.page,
            "matching_text": self.matching_text,
            "bounding_boxes": self.bounding_boxes,
            "page_dimensions": self.page_dimensions,
        }

    def __repr__(self) -> str:
        return f"Citation(page={self.page!r}, matching_text={self.matching_text!r})"


class FieldRow:
    """One leaf of the result (or one metadata entry the result lacks), with its metadata.

    ``meta`` is the metadata entry used (``None`` when there is none); ``raw`` is the metadata
    found at this path as-is, for showing what could not be interpreted. Confidence, citations
    and reasoning are read from ``meta`` on access.
    """

    __slots__ = ("_citations", "_path_str", "_problems", "_reasoning", "in_result", "inherited",
                 "item_index", "meta", "path", "raw", "value")  # fmt: skip

    def __init__(
        self,
        path: Path,
        value: Any,
        meta: dict[str, Any] | None = None,
        raw: Any = None,
        item_index: int | None = None,
        in_result: bool = True,
        inherited: bool = False,
        reasoning: str | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self.path = path
        self.value = value
        self.meta = meta
        self.raw = raw
        self.item_index = item_index
        self.in_result = in_result
        self.inherited = inherited
        self._reasoning = reasoning
        self._problems = problems
        self._path_str: str | None = None
        self._citations: list[Citation] | None = None

    @property
    def path_str(self) -> str:
        """The path in jq syntax, e.g. ``.line_items[2].amount``."""
        s = self._path_str
        if s is None:
            s = self._path_str = format_path(self.path)
        return s

    @property
    def type(self) -> str:
        """JSON type name of the value; ``"missing"`` for a field not in the result."""
        if not self.in_result:
            return "missing"
        return json_type(self.value)

    @property
    def confidence(self) -> float | None:
        """Overall confidence, when the metadata gives a finite number."""
        m = self.meta
        return None if m is None else _number(m.get("confidence"))

    @property
    def extraction_confidence(self) -> float | None:
        """Confidence of the extraction step."""
        m = self.meta
        return None if m is None else _number(m.get("extraction_confidence"))

    @property
    def parsing_confidence(self) -> float | None:
        """Confidence of the parsing (OCR/layout) step."""
        m = self.meta
        return None if m is None else _number(m.get("parsing_confidence"))

    @property
    def reasoning(self) -> str | None:
        """The entry's reasoning, else reasoning inherited from an enclosing object."""
        m = self.meta
        if m is not None:
            r = m.get("reasoning")
            if isinstance(r, str):
                return r
        return self._reasoning

    @property
    def citations(self) -> list[Citation]:
        """Citations of the field; citations that are not objects are skipped."""
        c = self._citations
        if c is None:
            c = self._citations = _citations(self.meta)
        return c

    @property
    def has_citation(self) -> bool:
        """Whether the metadata cites at least one source (cheaper than ``citations``)."""
        m = self.meta
        if m is None:
            return False
        c = m.get("citation", _NO)
        if c is _NO:
            c = m.get("citations")
        return bool(c) and isinstance(c, list | dict)

    @property
    def problems(self) -> list[str]:
        """Problems found with this field (metadata oddities, schema problems when checked)."""
        p = self._problems
        if p is None:
            p = self._problems = []
        return p

    def __repr__(self) -> str:
        return f"FieldRow({self.path_str}, {safe_value(self.value, 60)}, {self.confidence})"


def raw_citations(meta: dict[str, Any] | None) -> list[Any]:
    """The citation entries of a metadata entry as given (``citation`` or ``citations``, one
    object or a list); not yet checked to be objects."""
    if meta is None:
        return []
    c = meta.get("citation", _NO)
    if c is _NO:
        c = meta.get("citations")
    if isinstance(c, dict):
        return [c]
    return c if isinstance(c, list) else []


def _citations(meta: dict[str, Any] | None) -> list[Citation]:
    return [Citation(x) for x in raw_citations(meta) if isinstance(x, dict)]


def json_type(v: Any) -> str:
    """Return the JSON type name of a plain value (``integer`` vs ``number`` as JSON Schema)."""
    t = type(v)
    if t is str:
        return "string"
    if v is None:
        return "null"
    if t is bool:
        return "boolean"
    if t is int:
        return "integer"
    if t is float:
        return "number"
    if t is dict:
        return "object"
    if t is list:
        return "array"
    return t.__name__


def row_to_json(row: FieldRow) -> dict[str, Any]:
    """Return a row as a plain JSON dict (complete values, nothing truncated)."""
    return {
        "path": row.path_str,
        "value": row.value,
        "type": row.type,
        "in_result": row.in_result,
        "item_index": row.item_index,
        "confidence": row.confidence,
        "extraction_confidence": row.extraction_confidence,
        "parsing_confidence": row.parsing_confidence,
        "citations": [c.to_json() for c in row.citations],
        "reasoning": row.reasoning,
        "problems": list(row.problems),
    }

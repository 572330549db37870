"""Field metadata (confidence, reasoning, citations) that mirrors an extraction result.

The shape follows api-notes: a mapping keyed by field name mirroring the result; a leaf maps to
an entry, an array to a list of per-element entries (or per-element mappings), nested objects
nest. Citations come from the document the job ran on (`explorer.sim.paper`): the page, text and
boxes where that field's value is printed, or `[]` when the document doesn't print it. Confidence
and reasoning are the job's own (its random stream).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .documents import TIER_QUALITY
from .printed import MONEY_WORDS

if TYPE_CHECKING:
    from .paper import Paper, Path

# the words that make a field a sum of money (for reasons), as the documents print them
_MONEY_WORDS = (*MONEY_WORDS, "value")
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


class FieldMetadataBuilder:
    """Builds metadata mappings for one job (its tier, options and random stream)."""

    def __init__(
        self,
        rng: random.Random,
        *,
        cite: bool,
        confidence: bool,
        tier: str,
        paper: Paper | None = None,
    ) -> None:
        self.rng = rng
        self.cite = cite
        self.confidence = confidence
        self.quality = TIER_QUALITY.get(tier, 0.88)
        self.paper = paper

    def mapping(self, obj: dict[str, Any], path: Path = ()) -> dict[str, Any]:
        """Metadata for one result object (a document, a page or a row) found at `path`."""
        return {k: self._walk(v, k, (*path, k)) for k, v in obj.items()}

    def _walk(self, value: Any, name: str, path: Path) -> Any:
        if isinstance(value, dict):
            out = {k: self._walk(v, k, (*path, k)) for k, v in value.items()}
            if "reasoning" not in out and self.rng.random() < 0.15:
                # the API sometimes explains a whole object beside its sub-fields
                out["reasoning"] = f"Found in the {name.replace('_', ' ')} block."
            return out
        if isinstance(value, list):
            return [self._walk(v, name, (*path, i)) for i, v in enumerate(value)]
        return self.leaf(value, name, path)

    def leaf(self, value: Any, name: str, path: Path) -> dict[str, Any]:
        """The entry for one extracted value (at `path` of the result)."""
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
            # where the document prints this field (it may not: another schema, a re-run's
            # extra row); the value read may differ from the print (drift, a worn scan)
            found = self.paper.citations(path) if self.paper and not missing else []
            entry["citation"] = found
        return entry


def _reasons(name: str) -> tuple[str, ...]:
    if "date" in name:
        return _DATE_REASONS
    if any(w in name for w in _MONEY_WORDS):
        return _MONEY_REASONS
    return _GENERAL_REASONS

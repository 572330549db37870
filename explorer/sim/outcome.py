"""What a finished job produced: its extraction result and field metadata.

Built on first read and cached on the record (except for bulk jobs, which are too many to keep).
Values are seeded by the document, so re-runs of one document agree except for tier drift;
metadata is seeded by the job, so each run has its own confidences.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from .coherence import harmonise_document, harmonise_pages, harmonise_rows
from .documents import KINDS
from .field_metadata import FieldMetadataBuilder, Layout
from .ids import rng_for
from .records import JobRecord
from .tweaks import TWEAKS, drift
from .values import ValueGenerator


@dataclass
class Outcome:
    """The extraction result, its `field_metadata` mapping, and token counts for usage."""

    result: Any
    field_metadata: Any
    output_tokens: int


def build_outcome(rec: JobRecord, today: date) -> Outcome:
    """Generate the result of `rec` from its configuration's data_schema."""
    cfg = rec.configuration
    schema = cfg.get("data_schema") if isinstance(cfg.get("data_schema"), dict) else {}
    target = cfg.get("extraction_target") or "per_doc"
    kind = KINDS.get(rec.kind or "")
    context = kind.context if kind else ""
    size = kind.page_size if kind else (612, 792)
    gen = ValueGenerator(rng_for("values", rec.value_seed), schema, today)
    tweak_rng = rng_for("tweak", rec.id)

    result: Any
    if target == "per_page":
        result = [
            harmonise_document(gen.value(schema, "page", context), gen.rng)
            for _ in range(rec.pages)
        ]
        harmonise_pages(result)
    elif target == "per_table_row":
        result = [gen.value(schema, context or "row", "statement") for _ in range(rec.rows)]
        harmonise_rows(result, gen.rng)
    else:
        result = harmonise_document(gen.value(schema, context, ""), gen.rng)
    _number_from_file_name(result, rec.file_name)
    if rec.variant:
        drift(result, rng_for("drift", rec.id), changes=1 + rec.variant)
    for name in rec.tweaks:
        if name in TWEAKS:
            result = TWEAKS[name](result, tweak_rng)

    currency = result.get("currency") if isinstance(result, dict) else None
    builder = FieldMetadataBuilder(
        rng_for("meta", rec.id),
        cite=bool(cfg.get("cite_sources")),
        confidence=bool(cfg.get("confidence_scores")),
        tier=str(cfg.get("tier") or "cost_effective"),
        currency=currency if isinstance(currency, str) else "USD",
    )
    metadata: dict[str, Any]
    if target == "per_page":
        pages = [_mapping(builder, p, Layout(size, i, i)) for i, p in enumerate(result, start=1)]
        if "page_error" in rec.tweaks and len(pages) > 2:
            # one unreadable page: the API reports it inside that page's mapping
            result[2] = {"page_number": 3}
            pages[2] = {"error": "Page 3 could not be parsed: rotated scan with no text layer."}
        metadata = {"page_metadata": pages}
    elif target == "per_table_row":
        per_page = max(1, math.ceil(len(result) / max(rec.pages, 1)))
        metadata = {
            "row_metadata": [
                _mapping(
                    builder,
                    row,
                    Layout(size, 1 + i // per_page, rec.pages, row_y=96.0 + 18.0 * (i % per_page)),
                )
                for i, row in enumerate(result)
            ]
        }
    else:
        metadata = {"document_metadata": _mapping(builder, result, Layout(size, 1, rec.pages))}
    tokens = len(orjson.dumps(result)) // 4
    return Outcome(result=result, field_metadata=metadata, output_tokens=tokens)


def _number_from_file_name(result: Any, file_name: str) -> None:
    # invoice-2041.pdf is invoice INV-2041: viewers show both side by side
    match = re.search(r"(\d{4,6})", file_name)
    if match and isinstance(result, dict) and isinstance(result.get("invoice_number"), str):
        result["invoice_number"] = f"INV-{match.group(1)}"


def _mapping(builder: FieldMetadataBuilder, obj: Any, layout: Layout) -> Any:
    if isinstance(obj, dict):
        return builder.mapping(obj, layout)
    return builder.leaf(obj, "value", layout)

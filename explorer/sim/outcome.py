"""What a finished job produced: its extraction result and field metadata.

Built on first read and cached on the record (except for bulk jobs, which are too many to keep).
Values are seeded by the document, so re-runs of one document agree except for tier drift;
metadata is seeded by the job, so each run has its own confidences, while its citations point at
the document's printed text (`explorer.sim.paper`), built from the file's source job undrifted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson

from .coherence import harmonise_document, harmonise_pages, harmonise_rows
from .documents import KINDS
from .field_metadata import FieldMetadataBuilder
from .grounding_faults import apply_faults, is_grounding_fault
from .ids import rng_for
from .records import JobRecord
from .tweaks import TWEAKS, drift
from .values import ValueGenerator

if TYPE_CHECKING:
    from .paper import Paper, Path


@dataclass
class Outcome:
    """The extraction result, its `field_metadata` mapping, and token counts for usage."""

    result: Any
    field_metadata: Any
    output_tokens: int


def build_result(rec: JobRecord, today: date, *, drifted: bool = True) -> Any:
    """What `rec` extracts from its configuration's data_schema: the document's values, then
    the job's re-run drift (unless `drifted` is False: the document itself) and tweaks."""
    cfg = rec.configuration
    schema = cfg.get("data_schema") if isinstance(cfg.get("data_schema"), dict) else {}
    target = cfg.get("extraction_target") or "per_doc"
    kind = KINDS.get(rec.kind or "")
    context = kind.context if kind else ""
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
    if rec.variant and drifted:
        drift(result, rng_for("drift", rec.id), changes=1 + rec.variant)
    for name in rec.tweaks:
        if name in TWEAKS:
            result = TWEAKS[name](result, tweak_rng)
    return result


def build_outcome(
    rec: JobRecord, today: date, paper: Callable[[], Paper | None] | None = None
) -> Outcome:
    """Generate the result of `rec` and its field metadata; `paper` gives the document it ran
    on (asked only when the job cites its sources)."""
    cfg = rec.configuration
    target = cfg.get("extraction_target") or "per_doc"
    result = build_result(rec, today)
    cite = bool(cfg.get("cite_sources"))
    builder = FieldMetadataBuilder(
        rng_for("meta", rec.id),
        cite=cite,
        confidence=bool(cfg.get("confidence_scores")),
        tier=str(cfg.get("tier") or "cost_effective"),
        paper=paper() if cite and paper is not None else None,
    )
    metadata: dict[str, Any]
    if target == "per_page":
        pages = [_mapping(builder, p, (i,)) for i, p in enumerate(result)]
        if "page_error" in rec.tweaks and len(pages) > 2:
            # one unreadable page: the API reports it inside that page's mapping
            result[2] = {"page_number": 3}
            pages[2] = {"error": "Page 3 could not be parsed: rotated scan with no text layer."}
        metadata = {"page_metadata": pages}
    elif target == "per_table_row":
        metadata = {"row_metadata": [_mapping(builder, row, (i,)) for i, row in enumerate(result)]}
    else:
        metadata = {"document_metadata": _mapping(builder, result, ())}
    if is_grounding_fault(rec.tweaks):
        # wrong on purpose, once the metadata cites the document: see explorer.sim.grounding_faults
        result = apply_faults(rec.tweaks, rec.id, result, metadata, builder.paper)
    tokens = len(orjson.dumps(result)) // 4
    return Outcome(result=result, field_metadata=metadata, output_tokens=tokens)


def _number_from_file_name(result: Any, file_name: str) -> None:
    # invoice-2041.pdf is invoice INV-2041: viewers show both side by side
    match = re.search(r"(\d{4,6})", file_name)
    if match and isinstance(result, dict) and isinstance(result.get("invoice_number"), str):
        result["invoice_number"] = f"INV-{match.group(1)}"


def _mapping(builder: FieldMetadataBuilder, obj: Any, path: Path) -> Any:
    if isinstance(obj, dict):
        return builder.mapping(obj, path)
    return builder.leaf(obj, "value", path)

"""A stored job as the API's JSON, in either generation of field names.

Shape "seed" is the job as the published API reference shows it (`document_input_value`,
`configuration.extract_version`, token counts in `metadata.usage`). Shape "current" is what the
newer SDK reads (`file_input`, `configuration.version`, page counts, a top-level `usage`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .documents import PARSE_RATES, TIER_RATES
from .files import parse_job_id
from .outcome import Outcome
from .records import CANCELLED, FAILED, PENDING, THROTTLED, WITH_RESULT, JobRecord
from .timebase import WorldClock

EXPANDABLE = ("configuration", "extract_metadata", "usage")

# configuration keys in the order the reference prints them; None where the job didn't set one
_SEED_CONFIG_KEYS = (
    "data_schema",
    "cite_sources",
    "confidence_scores",
    "extract_version",
    "extraction_target",
    "lang",
    "max_pages",
    "parse_config_id",
    "parse_tier",
    "system_prompt",
    "target_pages",
    "tier",
)
# the current API's ExtractConfiguration (no `lang`: the SDK dropped it)
_CURRENT_CONFIG_KEYS = (
    "data_schema",
    "cite_sources",
    "confidence_scores",
    "version",
    "extraction_target",
    "max_pages",
    "parse_config_id",
    "parse_tier",
    "system_prompt",
    "target_pages",
    "tier",
    "advanced_citations",
    "disable_cache",
    "spreadsheet_mode",
    "sheet_names",
)


def shape_configuration(cfg: dict[str, Any], shape: str) -> dict[str, Any]:
    """The stored (current-named) configuration in the given shape's names."""
    if shape == "seed":
        src = {**cfg, "extract_version": cfg.get("version", "latest")}
        return {k: src.get(k) for k in _SEED_CONFIG_KEYS}
    return {k: cfg.get(k) for k in _CURRENT_CONFIG_KEYS}


def render_job(
    rec: JobRecord,
    *,
    shape: str,
    clock: WorldClock,
    now: float,
    expand: frozenset[str],
    outcome_of: Callable[[JobRecord], Outcome],
) -> dict[str, Any]:
    """The job as `GET /api/v2/extract/{id}` returns it at relative time `now`."""
    status, since = rec.status_at(now)
    cfg = rec.configuration
    done = status in WITH_RESULT
    outcome = outcome_of(rec) if done else None
    billed = _pages_billed(rec, status)
    doc_key = "document_input_value" if shape == "seed" else "file_input"
    job: dict[str, Any] = {
        "id": rec.id,
        "created_at": clock.iso(rec.created),
        doc_key: rec.document,
        "project_id": rec.project_id,
        "status": status,
        "updated_at": clock.iso(since),
        "configuration": shape_configuration(cfg, shape) if "configuration" in expand else None,
        "configuration_id": rec.configuration_id,
        "error_message": rec.error_message if status == FAILED else None,
        "extract_metadata": None,
        "extract_result": outcome.result if outcome else None,
        "metadata": {"usage": _metadata_usage(rec, shape, outcome, billed)},
    }
    if "extract_metadata" in expand and status not in (PENDING, THROTTLED):
        job["extract_metadata"] = {
            "field_metadata": outcome.field_metadata if outcome else None,
            "parse_job_id": parse_job_id(rec),
            "parse_tier": cfg.get("parse_tier") or "fast",
        }
    if shape == "current":
        job["usage"] = _credits(rec, billed) if "usage" in expand and billed else None
    return job


def _pages_billed(rec: JobRecord, status: str) -> tuple[int, int] | None:
    """(pages parsed, pages extracted) the job has been billed for at `status`; None while
    nothing is (running, queued, or a stopped job that records no usage)."""
    if status in WITH_RESULT:
        return rec.pages, rec.pages
    if rec.billed is None or status not in (FAILED, CANCELLED):
        return None
    parsed, extracted = rec.billed
    return (rec.pages if parsed else 0), min(extracted, rec.pages)


def _metadata_usage(
    rec: JobRecord, shape: str, outcome: Outcome | None, billed: tuple[int, int] | None
) -> dict[str, Any] | None:
    if billed is None:
        return None
    parsed, extracted = billed
    if shape == "seed":
        return {
            "num_document_tokens": parsed * 587 + len(rec.file_name) * 3 if parsed else 0,
            # a job stopped part-way wrote some output for the pages it extracted
            "num_output_tokens": outcome.output_tokens if outcome else extracted * 150,
            "num_pages_extracted": extracted,
        }
    return {"num_pages_billed": extracted, "num_pages_extracted": extracted}


def _credits(rec: JobRecord, billed: tuple[int, int]) -> dict[str, float]:
    # a page's credits are its parse's share plus the extraction's; a job stopped early pays
    # for the parse if it finished and for the pages extracted before the stop
    parsed, extracted = billed
    cfg = rec.configuration
    rate = TIER_RATES.get(str(cfg.get("tier")), 5)
    parse_rate = min(PARSE_RATES.get(str(cfg.get("parse_tier") or "fast"), 1), rate - 1)
    parse = parsed * parse_rate
    extract = extracted * (rate - parse_rate)
    return {
        "credits": float(parse + extract),
        "extract_credits": float(extract),
        "parse_credits": float(parse),
    }

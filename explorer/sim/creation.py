"""Checking a `POST /api/v2/extract` body and turning it into a stored configuration."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .documents import PARSE_TIERS, TIERS_CURRENT, TIERS_SEED
from .errors import ApiError, invalid, not_found
from .schema_check import data_schema_problem

TARGETS = ("per_doc", "per_page", "per_table_row")
#: ``target_pages``: page numbers and ranges, 1-based ("1,3,5-7").
_PAGES = re.compile(r"^\s*\d{1,6}(\s*-\s*\d{1,6})?(\s*,\s*\d{1,6}(\s*-\s*\d{1,6})?)*\s*$")


def target_page_count(spec: str, pages: int) -> int:
    """How many of a document's ``pages`` a valid ``target_pages`` spec selects (at least 1)."""
    chosen: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        lo, hi = int(first), int(last or first)
        chosen.update(range(max(lo, 1), min(hi, pages) + 1))
    return max(1, len(chosen))


@dataclass
class CreateRequest:
    """A validated create request."""

    document: str
    configuration: dict[str, Any]
    configuration_id: str | None


def parse_create(body: Any, shape: str, saved: dict[str, dict[str, Any]]) -> CreateRequest:
    """Validate `body` against the API's rules; raise ApiError (422/404) when it breaks one."""
    if not isinstance(body, dict):
        raise invalid("body", "body", "Request body must be a JSON object", "model_attributes_type")
    document = body.get("file_input", body.get("document_input_value"))
    if document is None:
        raise invalid("body", "file_input", "Field required", "missing")
    if not isinstance(document, str) or not document.startswith(("dfl-", "pjb-")):
        raise invalid(
            "body", "file_input", "file_input must be a file id (dfl-…) or a parse job id (pjb-…)"
        )
    has_cfg = body.get("configuration") is not None
    has_id = body.get("configuration_id") is not None
    if has_cfg == has_id:
        raise ApiError(422, "Provide exactly one of configuration or configuration_id")
    if has_id:
        cfg_id = body["configuration_id"]
        if not isinstance(cfg_id, str) or cfg_id not in saved:
            raise not_found("Configuration", str(cfg_id))
        return CreateRequest(document, saved[cfg_id]["configuration"], cfg_id)
    return CreateRequest(document, normalise_configuration(body["configuration"], shape), None)


def normalise_configuration(cfg: Any, shape: str) -> dict[str, Any]:
    """The posted configuration with defaults filled in, stored under current field names."""
    if not isinstance(cfg, dict):
        raise invalid("body", "configuration", "configuration must be an object", "dict_type")
    if "data_schema" not in cfg:
        raise invalid("body", "configuration.data_schema", "Field required", "missing")
    problem = data_schema_problem(cfg["data_schema"])
    if problem:
        raise ApiError(422, problem)
    tiers = TIERS_SEED if shape == "seed" else TIERS_CURRENT
    tier = cfg.get("tier", "cost_effective")
    if tier not in tiers:
        raise invalid("body", "configuration.tier", f"Input should be {_one_of(tiers)}", "enum")
    target = cfg.get("extraction_target", "per_doc")
    if target not in TARGETS:
        raise invalid(
            "body", "configuration.extraction_target", f"Input should be {_one_of(TARGETS)}", "enum"
        )
    parse_tier = cfg.get("parse_tier")
    if parse_tier is not None and parse_tier not in PARSE_TIERS:
        raise invalid(
            "body", "configuration.parse_tier", f"Input should be {_one_of(PARSE_TIERS)}", "enum"
        )
    max_pages = cfg.get("max_pages")
    if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
        raise invalid(
            "body", "configuration.max_pages", "Input should be greater than or equal to 1"
        )
    target_pages = cfg.get("target_pages")
    if target_pages is not None and (
        not isinstance(target_pages, str) or not _PAGES.match(target_pages)
    ):
        raise invalid(
            "body",
            "configuration.target_pages",
            "target_pages must be page numbers and ranges like '1,3,5-7'",
        )
    out = {k: v for k, v in cfg.items() if k not in ("extract_version",)}
    out.update(
        {
            "data_schema": cfg["data_schema"],
            "cite_sources": bool(cfg.get("cite_sources", False)),
            "confidence_scores": bool(cfg.get("confidence_scores", False)),
            "version": cfg.get("version", cfg.get("extract_version", "latest")),
            "extraction_target": target,
            "lang": cfg.get("lang", "en"),
            "parse_tier": parse_tier,
            "tier": tier,
        }
    )
    if shape == "current":
        out.setdefault("advanced_citations", False)
        out.setdefault("disable_cache", False)
    return out


def _one_of(options: tuple[str, ...]) -> str:
    quoted = [f"'{o}'" for o in options]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}"

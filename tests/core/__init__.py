"""Tests of the pure-Python core; small hand-built jobs shared by the test modules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures"
SHARED_SEED = Path(__file__).parents[2].parent / "shared/fixtures/seed-example-job.json"


def seed_example_job() -> dict[str, Any]:
    """The API reference's example job (the copy kept with the tests)."""
    return json.loads((FIXTURES / "seed-example-job.json").read_text())


def entry(conf: float, page: int | None = None, text: str | None = None, **extra: Any) -> dict:
    """A leaf metadata entry as the API sends it."""
    e: dict[str, Any] = {"confidence": conf, "extraction_confidence": conf, **extra}
    if page is not None:
        e["citation"] = [
            {
                "page": page,
                "matching_text": text,
                "bounding_boxes": [{"x": 72.0, "y": 540.5, "w": 180.2, "h": 14.0}],
                "page_dimensions": {"width": 612, "height": 792},
            }
        ]
    return e


INVOICE_SCHEMA = {
    "type": "object",
    "required": ["vendor", "invoice_number", "total", "currency"],
    "properties": {
        "vendor": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "address": {"type": ["string", "null"]}},
        },
        "invoice_number": {"type": "string", "pattern": "^INV-[0-9]+$"},
        "total": {"type": "number"},
        "currency": {"enum": ["USD", "EUR", "GBP"]},
        "line_items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["description", "amount"],
                "properties": {"description": {"type": "string"}, "amount": {"type": "number"}},
            },
        },
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


def invoice_job() -> dict[str, Any]:
    """A tiny per_doc invoice with citations, confidence and a few metadata quirks."""
    return {
        "id": "ext-invoice",
        "status": "COMPLETED",
        "project_id": "prj-1",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:10Z",
        "file_input": "dfl-1",
        # a copy: tests change the schema, and must not change it for the tests after them
        "configuration": {
            "extraction_target": "per_doc",
            "data_schema": copy.deepcopy(INVOICE_SCHEMA),
        },
        "extract_result": {
            "vendor": {"name": "ACME GmbH", "address": None},
            "invoice_number": "INV-001",
            "total": 1234.0,
            "currency": "EUR",
            "line_items": [
                {"description": "Widget", "amount": 1000.0},
                {"description": "Gadget", "amount": 234.0},
            ],
            "tags": ["urgent", "paid"],
        },
        "extract_metadata": {
            "parse_job_id": "pjb-1",
            "field_metadata": {
                "document_metadata": {
                    "vendor": {
                        "name": entry(0.93, 1, "ACME GmbH"),
                        "address": entry(0.2, reasoning="no address printed"),
                        "reasoning": "vendor block, top left",
                    },
                    "invoice_number": entry(0.99, 1, "Invoice INV-001"),
                    "total": {
                        "confidence": 0.9,
                        "extraction_confidence": 0.95,
                        "parsing_confidence": 0.98,
                        "reasoning": "VERBATIM EXTRACTION",
                        "citation": [
                            {
                                "page": 2,
                                "matching_text": "Total due: $1,234.00",
                                "bounding_boxes": [{"x": 72.0, "y": 540.5, "w": 180.2, "h": 14.0}],
                                "page_dimensions": {"width": 612, "height": 792},
                            }
                        ],
                    },
                    # currency: no metadata at all
                    "line_items": [
                        {"description": entry(0.8, 1, "Widget"), "amount": entry(0.85, 1)},
                        {"description": entry(0.7, 2, "Gadget"), "amount": entry(0.6, 2)},
                    ],
                    # one entry for a whole array of scalars
                    "tags": {"confidence": 0.5, "reasoning": "inferred from stamps"},
                },
            },
        },
    }


def report_job() -> dict[str, Any]:
    """A per_page report: one result object per page."""
    return {
        "id": "ext-report",
        "status": "COMPLETED",
        "configuration": {
            "extraction_target": "per_page",
            "data_schema": {
                "type": "object",
                "required": ["title"],
                "properties": {"title": {"type": "string"}, "figures": {"type": "integer"}},
            },
        },
        "extract_result": [
            {"title": "Introduction", "figures": 1},
            {"title": "Results", "figures": 3},
        ],
        "extract_metadata": {
            "field_metadata": {
                "page_metadata": [
                    {"title": entry(0.9, 1, "Introduction"), "figures": entry(0.7, 1)},
                    {"title": entry(0.8, 2, "Results"), "figures": entry(0.4, 2)},
                ],
            }
        },
    }


def statement_job(rows: int = 3) -> dict[str, Any]:
    """A per_table_row bank statement."""
    result = [
        {"date": f"2025-01-{i + 1:02d}", "description": f"Payment {i}", "amount": -12.5 * (i + 1)}
        for i in range(rows)
    ]
    meta = [
        {
            "date": entry(0.95, 1, r["date"]),
            "description": entry(0.9, 1),
            "amount": entry(0.8 - i / 100, 1),
        }
        for i, r in enumerate(result)
    ]
    return {
        "id": "ext-statement",
        "status": "COMPLETED",
        "configuration": {"extraction_target": "per_table_row", "data_schema": {"type": "object"}},
        "extract_result": result,
        "extract_metadata": {"field_metadata": {"row_metadata": meta}},
    }

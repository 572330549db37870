"""Fleet rows for the tests of the fleet's failures and usage."""

from __future__ import annotations

from typing import Any

from explorer.core.fleet import FleetJob


def fleet_row(job_id: str, created: float, **kw: Any) -> FleetJob:
    """A COMPLETED job of configuration ``cfg-1`` ("Invoices", agentic) in ``prj-1``, created
    at ``created`` and 60 s long, one page for 15 credits; ``kw`` changes any field."""
    fields: dict[str, Any] = {
        "id": job_id,
        "project_id": "prj-1",
        "status": "COMPLETED",
        "created": created,
        "updated": created + 60.0,
        "configuration_id": "cfg-1",
        "configuration": "Invoices",
        "tier": "agentic",
        "parse_tier": None,
        "document": "dfl-1",
        "file_name": None,
        "error_message": None,
        "credits": 15.0,
        "credits_estimated": False,
        "pages": 1,
    }
    fields.update(kw)
    return FleetJob(**fields)

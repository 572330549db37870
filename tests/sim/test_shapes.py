"""The two generations of field names: "seed" (the published reference) and "current"."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from explorer.sim import SimServer
from explorer.sim.schemas import INVOICE

from .conftest import ALL_EXPAND, client_for, make_config


@pytest.fixture(scope="module")
def seed_server() -> Iterator[SimServer]:
    with SimServer(make_config(shape="seed")) as s:
        yield s


def jobs(client: httpx.Client, project: str) -> list[dict]:
    params = [*ALL_EXPAND, ("page_size", "100"), ("project_id", project)]
    return client.get("/api/v2/extract", params=params).json()["items"]


def all_jobs(server: SimServer) -> list[dict]:
    with client_for(server) as c:
        return [j for p in server.state.projects for j in jobs(c, p)]


def test_seed_shape_uses_the_reference_names(seed_server: SimServer) -> None:
    items = all_jobs(seed_server)
    tiers = set()
    for job in items:
        assert "document_input_value" in job and "file_input" not in job
        assert "usage" not in job
        cfg = job["configuration"]
        assert "extract_version" in cfg and "version" not in cfg
        assert "advanced_citations" not in cfg
        tiers.add(cfg["tier"])
        if job["status"] == "COMPLETED":
            assert set(job["metadata"]["usage"]) == {
                "num_document_tokens",
                "num_output_tokens",
                "num_pages_extracted",
            }
    assert tiers == {"cost_effective", "agentic"}


def test_current_shape_uses_the_newer_names(server: SimServer) -> None:
    items = all_jobs(server)
    tiers = set()
    for job in items:
        assert "file_input" in job and "document_input_value" not in job
        assert "usage" in job
        cfg = job["configuration"]
        assert "version" in cfg and "extract_version" not in cfg
        assert "advanced_citations" in cfg and "disable_cache" in cfg
        tiers.add(cfg["tier"])
        if job["status"] == "COMPLETED":
            assert set(job["metadata"]["usage"]) == {"num_pages_billed", "num_pages_extracted"}
            assert set(job["usage"]) == {"credits", "extract_credits", "parse_credits"}
    assert tiers == {"cost_effective", "agentic", "agentic_plus", "turbo"}


def test_same_world_in_both_shapes(server: SimServer, seed_server: SimServer) -> None:
    current = {j["id"]: j for j in all_jobs(server)}
    seed = {j["id"]: j for j in all_jobs(seed_server)}
    assert current.keys() == seed.keys()
    some = server.state.notable["invoice_cited"]
    assert current[some]["file_input"] == seed[some]["document_input_value"]
    assert current[some]["extract_result"] == seed[some]["extract_result"]


def test_seed_shape_rejects_newer_tiers_on_create(seed_server: SimServer) -> None:
    with client_for(seed_server) as c:
        body = {"document_input_value": "dfl-s", "configuration": {"data_schema": INVOICE}}
        ok = c.post("/api/v2/extract", json=body)
        assert ok.status_code == 200
        assert ok.json()["document_input_value"] == "dfl-s"
        assert ok.json()["configuration"]["extract_version"] == "latest"
        body["configuration"]["tier"] = "agentic_plus"
        assert c.post("/api/v2/extract", json=body).status_code == 422

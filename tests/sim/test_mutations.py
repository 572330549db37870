"""Create validation, cancel and delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from explorer.sim import SimServer
from explorer.sim.schemas import RECEIPT

from .conftest import ManualClock, client_for, make_config

CLOCK = ManualClock()
CFG = {"data_schema": RECEIPT}


@pytest.fixture(scope="module")
def mutable() -> Iterator[SimServer]:
    with SimServer(make_config(clock=CLOCK, job_seconds=10)) as s:
        yield s


@pytest.fixture
def api(mutable: SimServer) -> Iterator[httpx.Client]:
    with client_for(mutable) as c:
        yield c


def post(api: httpx.Client, body: Any, **params: str) -> httpx.Response:
    return api.post("/api/v2/extract", json=body, params=params)


@pytest.mark.parametrize(
    "body",
    [
        {"configuration": CFG},
        {"file_input": "dfl-x"},
        {"file_input": "dfl-x", "configuration": CFG, "configuration_id": "cfg-x"},
        {"file_input": "doc-123", "configuration": CFG},
        {"file_input": "dfl-x", "configuration": {"tier": "agentic"}},
        {"file_input": "dfl-x", "configuration": {"data_schema": {"type": "strin"}}},
        {"file_input": "dfl-x", "configuration": {**CFG, "tier": "platinum"}},
        {"file_input": "dfl-x", "configuration": {**CFG, "extraction_target": "per_word"}},
        {"file_input": "dfl-x", "configuration": {**CFG, "target_pages": "1;3"}},
        {"file_input": "dfl-x", "configuration": {**CFG, "target_pages": 3}},
        [1, 2],
    ],
)
def test_bad_create_bodies_are_422(api: httpx.Client, body: Any) -> None:
    r = post(api, body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_invalid_json_is_422(api: httpx.Client) -> None:
    r = api.post(
        "/api/v2/extract", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422


def test_create_with_a_saved_configuration(api: httpx.Client, mutable: SimServer) -> None:
    cfg_id, saved = next(iter(mutable.state.configurations.items()))
    r = post(api, {"document_input_value": "pjb-1234", "configuration_id": cfg_id})
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["configuration_id"] == cfg_id
    assert job["file_input"] == "pjb-1234"
    assert job["configuration"]["data_schema"] == saved["configuration"]["data_schema"]
    missing = post(api, {"file_input": "dfl-x", "configuration_id": "cfg-nope"})
    assert missing.status_code == 404


def test_create_in_another_project(api: httpx.Client, mutable: SimServer) -> None:
    finance = next(p for p in mutable.state.projects.values() if p.name == "Finance ops")
    job = post(api, {"file_input": "dfl-x", "configuration": CFG}, project_id=finance.id).json()
    assert job["project_id"] == finance.id
    listed = api.get("/api/v2/extract", params={"project_id": finance.id}).json()["items"]
    assert listed[0]["id"] == job["id"]  # the newest job comes first
    r = post(api, {"file_input": "dfl-x", "configuration": CFG}, project_id="prj-nope")
    assert r.status_code == 404


def test_cancel(api: httpx.Client) -> None:
    job = post(api, {"file_input": "dfl-c", "configuration": CFG}).json()
    CLOCK.advance(3)
    r = api.post(f"/api/v2/extract/{job['id']}/cancel")
    assert r.status_code == 200
    cancelled = r.json()
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["updated_at"] > job["updated_at"]
    CLOCK.advance(30)
    assert api.get(f"/api/v2/extract/{job['id']}").json()["status"] == "CANCELLED"
    again = api.post(f"/api/v2/extract/{job['id']}/cancel")
    assert again.status_code == 409
    assert again.json() == {"detail": f"Job {job['id']} is CANCELLED and cannot be cancelled"}


def test_cancel_finished_or_unknown(api: httpx.Client, mutable: SimServer) -> None:
    done = mutable.state.notable["invoice_cited"]
    r = api.post(f"/api/v2/extract/{done}/cancel")
    assert r.status_code == 409
    assert r.json() == {"detail": f"Job {done} is COMPLETED and cannot be cancelled"}
    assert api.post("/api/v2/extract/ext-nope/cancel").status_code == 404


def test_delete(api: httpx.Client) -> None:
    job = post(api, {"file_input": "dfl-d", "configuration": CFG}).json()
    running = api.delete(f"/api/v2/extract/{job['id']}")
    assert running.status_code == 409
    CLOCK.advance(11)
    r = api.delete(f"/api/v2/extract/{job['id']}")
    assert r.status_code == 200
    assert r.json() == {"id": job["id"], "deleted": True}
    assert api.get(f"/api/v2/extract/{job['id']}").status_code == 404
    assert api.delete(f"/api/v2/extract/{job['id']}").status_code == 404


def test_force_delete_of_a_running_job(api: httpx.Client) -> None:
    job = post(api, {"file_input": "dfl-f", "configuration": CFG}).json()
    r = api.delete(f"/api/v2/extract/{job['id']}", params={"force": "true"})
    assert r.status_code == 200
    assert api.get(f"/api/v2/extract/{job['id']}").status_code == 404
    bad = api.delete(f"/api/v2/extract/{job['id']}", params={"force": "maybe"})
    assert bad.status_code == 422

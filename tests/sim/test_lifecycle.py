"""Created jobs move PENDING -> RUNNING -> COMPLETED (or elsewhere, by magic document id)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from explorer.sim import SimServer
from explorer.sim.schemas import INVOICE, TRANSACTION_ROW

from .conftest import ALL_EXPAND, ManualClock, client_for, make_config

JOB_SECONDS = 10.0
CLOCK = ManualClock()


@pytest.fixture(scope="module")
def timed() -> Iterator[SimServer]:
    """A server whose time moves only when a test advances CLOCK."""
    with SimServer(make_config(clock=CLOCK, job_seconds=JOB_SECONDS)) as s:
        yield s


@pytest.fixture
def api(timed: SimServer) -> Iterator[httpx.Client]:
    with client_for(timed) as c:
        yield c


def create(api: httpx.Client, document: str, **cfg: Any) -> dict[str, Any]:
    configuration = {"data_schema": INVOICE, "cite_sources": True, "confidence_scores": True}
    configuration.update(cfg)
    r = api.post("/api/v2/extract", json={"file_input": document, "configuration": configuration})
    assert r.status_code == 200, r.text
    return r.json()


def status_after(api: httpx.Client, job_id: str, seconds: float) -> dict[str, Any]:
    CLOCK.advance(seconds)
    r = api.get(f"/api/v2/extract/{job_id}", params=ALL_EXPAND)
    assert r.status_code == 200
    return r.json()


def test_created_job_runs_to_completion(api: httpx.Client) -> None:
    job = create(api, "dfl-11111111-2222-4333-8444-555555555555")
    assert job["status"] == "PENDING"
    assert job["extract_result"] is None
    assert job["configuration"]["data_schema"] == INVOICE
    seen = [job["updated_at"]]
    running = status_after(api, job["id"], 0.5 * JOB_SECONDS)
    assert running["status"] == "RUNNING"
    assert running["extract_result"] is None
    seen.append(running["updated_at"])
    done = status_after(api, job["id"], 0.6 * JOB_SECONDS)
    assert done["status"] == "COMPLETED"
    seen.append(done["updated_at"])
    assert seen == sorted(seen) and len(set(seen)) == 3
    result = done["extract_result"]
    assert set(INVOICE["required"]) <= set(result) <= set(INVOICE["properties"])
    doc_meta = done["extract_metadata"]["field_metadata"]["document_metadata"]
    assert set(doc_meta) == set(result)
    assert done["usage"]["credits"] == done["metadata"]["usage"]["num_pages_billed"] * 5


def test_result_is_deterministic_per_document(api: httpx.Client) -> None:
    a = create(api, "dfl-aaaaaaaa-2222-4333-8444-555555555555")
    b = create(api, "dfl-aaaaaaaa-2222-4333-8444-555555555555")
    a_done = status_after(api, a["id"], JOB_SECONDS * 1.1)
    b_done = status_after(api, b["id"], 0)
    assert a["id"] != b["id"]
    assert a_done["extract_result"] == b_done["extract_result"]


def test_per_row_and_per_page_targets(api: httpx.Client) -> None:
    rows = create(
        api,
        "dfl-rows-0000",
        data_schema=TRANSACTION_ROW,
        extraction_target="per_table_row",
        tier="agentic",
    )
    pages = create(api, "pjb-pages-0000", extraction_target="per_page", tier="turbo")
    done_rows = status_after(api, rows["id"], JOB_SECONDS * 1.1)
    done_pages = status_after(api, pages["id"], 0)
    assert isinstance(done_rows["extract_result"], list) and done_rows["extract_result"]
    fm = done_rows["extract_metadata"]["field_metadata"]
    assert len(fm["row_metadata"]) == len(done_rows["extract_result"])
    assert len(done_pages["extract_metadata"]["field_metadata"]["page_metadata"]) == len(
        done_pages["extract_result"]
    )
    assert done_pages["extract_metadata"]["parse_job_id"] == "pjb-pages-0000"
    assert done_pages["usage"]["credits"] == 35 * len(done_pages["extract_result"])


def test_fail_document_ends_failed(api: httpx.Client) -> None:
    job = create(api, "dfl-will-fail-0001")
    assert status_after(api, job["id"], 0.5 * JOB_SECONDS)["status"] == "RUNNING"
    done = status_after(api, job["id"], 0.6 * JOB_SECONDS)
    assert done["status"] == "FAILED"
    assert done["error_message"]
    assert done["extract_result"] is None


def test_slow_document_takes_ten_times_longer(api: httpx.Client) -> None:
    job = create(api, "dfl-slow-0001")
    assert status_after(api, job["id"], 1.5 * JOB_SECONDS)["status"] == "PENDING"
    assert status_after(api, job["id"], 5 * JOB_SECONDS)["status"] == "RUNNING"
    assert status_after(api, job["id"], 4 * JOB_SECONDS)["status"] == "COMPLETED"


def test_throttle_document_waits_in_throttled(api: httpx.Client) -> None:
    job = create(api, "dfl-throttle-0001")
    assert job["status"] == "THROTTLED"
    assert status_after(api, job["id"], 0.9 * JOB_SECONDS)["status"] == "THROTTLED"
    assert status_after(api, job["id"], 0.2 * JOB_SECONDS)["status"] == "PENDING"
    assert status_after(api, job["id"], JOB_SECONDS)["status"] == "COMPLETED"


def test_unknown_document_ends_in_an_undocumented_status(api: httpx.Client) -> None:
    job = create(api, "dfl-unknown-0001")
    done = status_after(api, job["id"], 1.1 * JOB_SECONDS)
    assert done["status"] == "NEEDS_REVIEW"
    assert done["extract_result"] is not None


def test_hold_document_stays_running_until_cancelled(api: httpx.Client) -> None:
    job = create(api, "dfl-hold-0001")
    assert job["status"] == "PENDING"
    assert status_after(api, job["id"], 0.5 * JOB_SECONDS)["status"] == "RUNNING"
    for hours in (1, 6, 12):  # far past job_seconds: still going
        running = status_after(api, job["id"], hours * 3600)
        assert running["status"] == "RUNNING"
        assert running["extract_result"] is None
    # RUNNING, and listed as RUNNING
    listed = api.get("/api/v2/extract", params={"status": "RUNNING", "page_size": 100}).json()
    assert job["id"] in {j["id"] for j in listed["items"]}
    # a running job can't be deleted without force, but it can be cancelled
    assert api.delete(f"/api/v2/extract/{job['id']}").status_code == 409
    r = api.post(f"/api/v2/extract/{job['id']}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CANCELLED"
    later = status_after(api, job["id"], 48 * 3600)  # past the hold's end: cancelled stays
    assert later["status"] == "CANCELLED"
    assert later["extract_result"] is None and later["error_message"] is None
    assert api.post(f"/api/v2/extract/{job['id']}/cancel").status_code == 409
    assert api.delete(f"/api/v2/extract/{job['id']}").status_code == 200


def test_hold_combines_with_throttle_and_fail(api: httpx.Client) -> None:
    throttled = create(api, "dfl-throttle-hold-0001")
    failing = create(api, "dfl-hold-fail-0001")
    assert throttled["status"] == "THROTTLED" and failing["status"] == "PENDING"
    assert status_after(api, throttled["id"], 1.5 * JOB_SECONDS)["status"] == "RUNNING"
    CLOCK.advance(3 * 3600)
    for job in (throttled, failing):
        held = status_after(api, job["id"], 0)
        assert held["status"] == "RUNNING" and held["error_message"] is None
        assert api.post(f"/api/v2/extract/{job['id']}/cancel").json()["status"] == "CANCELLED"


def test_hold_is_running_in_real_time_too(held_job: Callable[..., str]) -> None:
    with SimServer(make_config(job_seconds=0.3)) as s, client_for(s) as api:
        job_id = held_job(s)  # waits until it is RUNNING
        assert api.get(f"/api/v2/extract/{job_id}").json()["status"] == "RUNNING"
        time.sleep(1.0)  # over three times job_seconds: an ordinary job would be done
        assert api.get(f"/api/v2/extract/{job_id}").json()["status"] == "RUNNING"
        cancelled = api.post(f"/api/v2/extract/{job_id}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"


def test_real_time_polling_with_a_fast_job() -> None:
    with SimServer(make_config(job_seconds=0.3)) as s, client_for(s) as api:
        job = create(api, "dfl-poll-0001")
        seen = [job["status"]]
        # generous: a busy machine may take seconds over a 0.3 s job
        deadline = time.monotonic() + 30
        while seen[-1] != "COMPLETED" and time.monotonic() < deadline:
            time.sleep(0.03)
            status = api.get(f"/api/v2/extract/{job['id']}").json()["status"]
            if status != seen[-1]:
                seen.append(status)
        # RUNNING lasts 0.24 s: a slow poll may step over it, never go back or elsewhere
        assert seen in (["PENDING", "RUNNING", "COMPLETED"], ["PENDING", "COMPLETED"]), seen

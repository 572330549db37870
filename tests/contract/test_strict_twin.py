"""The strict twin: undeclared fields disappear through it, everything else passes untouched."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from llama_cloud.types import ExtractV2Job
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from explorer.sim import SimConfig, SimServer
from explorer.sim.server import LoopbackServer
from tests.contract.oracle import problems
from tests.contract.test_oracle import good_job
from tests.strict_twin import StrictTwin

AUTH = {"Authorization": "Bearer test-key"}
PDF = b"%PDF-1.4\n\x00\x01\x02binary\xff\n%%EOF"


def dirty_job() -> dict[str, Any]:
    """A valid job plus fields the SDK doesn't declare (some the simulator used to send)."""
    job = good_job()
    job["metadata"]["file_name"] = "invoice-2024.pdf"
    job["configuration"]["lang"] = "en"
    job["surprise"] = {"nested": True}
    job["extract_result"]["lang"] = "user data, kept"
    return job


def _upstream_app() -> Starlette:
    """A fake upstream that answers with exactly what a test wants to see forwarded."""

    async def job(request: Request) -> Response:
        return JSONResponse(dirty_job(), headers={"x-upstream": "yes"})

    async def jobs(request: Request) -> Response:
        # echo the query, so a test can see repeated parameters arrive intact
        items = [dirty_job(), dirty_job()]
        page = {"items": items, "next_page_token": request.url.query, "total_size": 2}
        return JSONResponse(page)

    async def create(request: Request) -> Response:
        body = await request.json()
        got = dirty_job() | {"file_input": body["file_input"]}
        return JSONResponse(got | {"auth_seen": request.headers.get("authorization")})

    async def missing(request: Request) -> Response:
        return JSONResponse({"detail": "Extract job ext-x not found", "extra": 1}, 404)

    async def unknown(request: Request) -> Response:
        return JSONResponse({"whatever": {"a": 1}})

    async def content(request: Request) -> Response:
        return Response(PDF, media_type="application/pdf")

    return Starlette(
        routes=[
            Route("/api/v2/extract", jobs, methods=["GET"]),
            Route("/api/v2/extract", create, methods=["POST"]),
            Route("/api/v2/extract/ext-missing", missing, methods=["GET"]),
            Route("/api/v2/extract/{job_id}", job, methods=["GET"]),
            Route("/api/v9/unknown", unknown, methods=["GET"]),
            Route("/downloads/file.pdf", content, methods=["GET"]),
        ]
    )


class _FakeUpstream(LoopbackServer):
    name = "fake-upstream"

    def make_app(self) -> Any:
        return _upstream_app()


@pytest.fixture(scope="module")
def fake_twin() -> Iterator[StrictTwin]:
    """The twin in front of the fake upstream."""
    with (
        _FakeUpstream() as upstream,
        StrictTwin(upstream.url) as twin,
    ):
        yield twin


@pytest.fixture
def http(fake_twin: StrictTwin) -> Iterator[httpx.Client]:
    """A client talking to the fake upstream through the twin."""
    with httpx.Client(base_url=fake_twin.url, headers=AUTH, timeout=30, trust_env=False) as c:
        yield c


def test_undeclared_fields_disappear_and_declared_ones_survive(
    http: httpx.Client, fake_twin: StrictTwin
) -> None:
    got = http.get("/api/v2/extract/ext-1").json()
    assert "file_name" not in got["metadata"]
    assert "lang" not in got["configuration"]
    assert "surprise" not in got
    expected = good_job()
    expected["extract_result"]["lang"] = "user data, kept"
    assert got == expected
    assert problems(got, ExtractV2Job) == []
    removed = [r for m, p, rs in fake_twin.stripped if p == "/api/v2/extract/ext-1" for r in rs]
    assert ".metadata.file_name: not declared by Metadata" in " ".join(removed)
    assert ".configuration.lang: not declared by ExtractConfiguration" in removed


def test_list_pages_are_stripped_item_by_item(http: httpx.Client) -> None:
    r = http.get("/api/v2/extract", params=[("expand", "configuration"), ("expand", "usage")])
    page = r.json()
    assert page["total_size"] == 2  # declared by the documented list response
    assert page["next_page_token"] == "expand=configuration&expand=usage"
    for item in page["items"]:
        assert "lang" not in item["configuration"] and "surprise" not in item


def test_request_bodies_and_headers_reach_the_upstream(http: httpx.Client) -> None:
    got = http.post("/api/v2/extract", json={"file_input": "dfl-xyz"}).json()
    assert got["file_input"] == "dfl-xyz"
    assert "auth_seen" not in got  # stripped: ExtractV2Job doesn't declare it


def test_response_headers_pass_through(http: httpx.Client) -> None:
    assert http.get("/api/v2/extract/ext-1").headers["x-upstream"] == "yes"


def test_error_bodies_pass_through_unchanged(http: httpx.Client) -> None:
    r = http.get("/api/v2/extract/ext-missing")
    assert r.status_code == 404
    assert r.json() == {"detail": "Extract job ext-x not found", "extra": 1}


def test_unknown_routes_pass_through_unchanged(http: httpx.Client) -> None:
    assert http.get("/api/v9/unknown").json() == {"whatever": {"a": 1}}
    assert http.get("/api/v9/nothing-here").status_code == 404


def test_binary_content_passes_through_byte_for_byte(http: httpx.Client) -> None:
    r = http.get("/downloads/file.pdf")
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"] == "application/pdf"


def test_through_the_real_simulator_jobs_keep_what_the_sdk_declares(strict_sim: Any) -> None:
    with (
        httpx.Client(base_url=strict_sim.url, headers=AUTH, timeout=30, trust_env=False) as twin,
        httpx.Client(base_url=strict_sim.sim.url, headers=AUTH, timeout=30, trust_env=False) as raw,
    ):
        job_id = strict_sim.sim.state.notable["invoice_cited"]
        params = [("expand", e) for e in ("configuration", "extract_metadata", "usage")]
        params.append(("project_id", strict_sim.sim.state.record(job_id).project_id))
        direct = raw.get(f"/api/v2/extract/{job_id}", params=params).json()
        proxied = twin.get(f"/api/v2/extract/{job_id}", params=params).json()
    assert proxied["id"] == job_id
    assert proxied["status"] == direct["status"]
    assert proxied["extract_result"] == direct["extract_result"]
    assert proxied["configuration"]["data_schema"] == direct["configuration"]["data_schema"]
    assert proxied["extract_metadata"] == direct["extract_metadata"]
    # the proxy only ever removes keys
    assert set(proxied) <= set(direct)
    assert set(proxied["configuration"]) <= set(direct["configuration"])
    # both requests reached the simulator (it logs each just after answering: allow a moment)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        hits = [r for r in strict_sim.sim.state.request_log if r[2] == f"/api/v2/extract/{job_id}"]
        if len(hits) >= 2:
            break
        time.sleep(0.01)
    assert len(hits) == 2


def test_the_seed_shape_loses_exactly_the_names_the_sdk_does_not_know() -> None:
    with (
        SimServer(SimConfig(seed=7, shape="seed", job_seconds=0.6, big_rows=500)) as sim,
        StrictTwin(sim) as twin,
        httpx.Client(base_url=twin.url, headers=AUTH, timeout=30, trust_env=False) as http,
        httpx.Client(base_url=sim.url, headers=AUTH, timeout=30, trust_env=False) as raw,
    ):
        job_id = sim.state.notable["invoice_cited"]
        params = {"expand": "configuration", "project_id": sim.state.record(job_id).project_id}
        direct = raw.get(f"/api/v2/extract/{job_id}", params=params).json()
        got = http.get(f"/api/v2/extract/{job_id}", params=params).json()
    assert "document_input_value" in direct and "document_input_value" not in got
    assert "extract_version" in direct["configuration"]
    assert "extract_version" not in got["configuration"]
    assert "lang" not in got["configuration"]
    assert got["configuration"]["data_schema"] == direct["configuration"]["data_schema"]
    usage = direct["metadata"]["usage"]
    assert "num_document_tokens" in usage
    assert got["metadata"]["usage"] == {"num_pages_extracted": usage["num_pages_extracted"]}
    untouched = copy.deepcopy(direct)
    for key in ("document_input_value",):
        untouched.pop(key)
    for key in ("extract_version", "lang"):
        untouched["configuration"].pop(key)
    # Metadata declares only `usage` (a `file_name` beside it, if the sim sends one, goes too)
    untouched["metadata"] = {"usage": got["metadata"]["usage"]}
    assert got == untouched


def test_presigned_downloads_pass_through_byte_for_byte(strict_sim: Any) -> None:
    sim = strict_sim.sim
    rec = sim.state.record(sim.state.notable["invoice_cited"])
    with httpx.Client(base_url=strict_sim.url, headers=AUTH, timeout=30, trust_env=False) as twin:
        got = twin.get(
            f"/api/v1/beta/files/{rec.document}/content", params={"project_id": rec.project_id}
        )
        assert got.status_code == 200, got.text
        url = got.json()["url"]
    assert url.startswith(("http://127.0.0.1:", "http://localhost:")), url  # nothing leaves
    path = url.split("/", 3)[3]
    with httpx.Client(timeout=30, trust_env=False) as anonymous:
        direct = anonymous.get(f"{sim.url}/{path}")
        proxied = anonymous.get(f"{strict_sim.url}/{path}")
    assert direct.status_code == proxied.status_code == 200
    assert proxied.content == direct.content and len(direct.content) > 100
    assert proxied.headers["content-type"] == direct.headers["content-type"]

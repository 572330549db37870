"""GET /api/v2/extract/{id}: shape, expand, field metadata, 404."""

from __future__ import annotations

import re
from typing import Any

import httpx

from explorer.sim import SimServer

from .conftest import ALL_EXPAND

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def get(client: httpx.Client, job_id: str, params: Any = None) -> dict[str, Any]:
    """The job, in whichever project holds it (a GET without project_id addresses only the
    default project)."""
    pairs = list(httpx.QueryParams(params).multi_items()) if params else []
    r = client.get(f"/api/v2/extract/{job_id}", params=pairs)
    projects = client.get("/api/v2/projects").json()["items"]
    for project in projects:
        if r.status_code != 404:
            break
        r = client.get(f"/api/v2/extract/{job_id}", params=[*pairs, ("project_id", project["id"])])
    assert r.status_code == 200, r.text
    return r.json()


def test_without_expand_only_the_result_comes_along(
    client: httpx.Client, server: SimServer
) -> None:
    job = get(client, server.state.notable["invoice_cited"])
    assert job["status"] == "COMPLETED"
    assert job["configuration"] is None
    assert job["extract_metadata"] is None
    assert job["usage"] is None
    assert isinstance(job["extract_result"], dict)
    assert "file_name" not in job["metadata"]  # the files API names files, not the job
    assert set(job["metadata"]["usage"]) == {"num_pages_billed", "num_pages_extracted"}
    for key in ("created_at", "updated_at"):
        assert ISO.match(job[key])
    assert job["id"].startswith("ext-") and job["project_id"].startswith("prj-")
    assert job["configuration_id"].startswith("cfg-")


def test_expand_each_part(client: httpx.Client, server: SimServer) -> None:
    job_id = server.state.notable["invoice_cited"]
    cfg = get(client, job_id, {"expand": "configuration"})
    assert cfg["configuration"]["tier"] == "cost_effective"
    assert cfg["extract_metadata"] is None
    meta = get(client, job_id, {"expand": "extract_metadata"})
    assert meta["configuration"] is None
    assert meta["extract_metadata"]["parse_job_id"].startswith("pjb-")
    usage = get(client, job_id, {"expand": "usage"})
    pages = usage["metadata"]["usage"]["num_pages_billed"]
    assert usage["usage"]["credits"] == pages * 5
    assert usage["usage"]["extract_credits"] + usage["usage"]["parse_credits"] == pages * 5
    assert client.get(f"/api/v2/extract/{job_id}", params={"expand": "x"}).status_code == 422


def _leaves(meta: Any) -> list[dict[str, Any]]:
    if isinstance(meta, dict):
        if "citation" in meta or "confidence" in meta or ("reasoning" in meta and len(meta) == 1):
            return [meta]
        return [leaf for k, v in meta.items() if k != "reasoning" for leaf in _leaves(v)]
    if isinstance(meta, list):
        return [leaf for v in meta for leaf in _leaves(v)]
    return []


def test_field_metadata_mirrors_the_result(client: httpx.Client, server: SimServer) -> None:
    job = get(client, server.state.notable["invoice_cited"], ALL_EXPAND)
    result = job["extract_result"]
    doc_meta = job["extract_metadata"]["field_metadata"]["document_metadata"]
    assert set(doc_meta) == set(result)
    assert len(doc_meta["line_items"]) == len(result["line_items"])
    assert set(doc_meta["line_items"][0]) - {"reasoning"} == set(result["line_items"][0])
    assert set(doc_meta["vendor"]) - {"reasoning"} == set(result["vendor"])
    leaf = doc_meta["total"]
    assert {
        "confidence",
        "extraction_confidence",
        "parsing_confidence",
        "reasoning",
        "citation",
    } <= set(leaf)
    cite = leaf["citation"][0]
    assert set(cite) == {"page", "matching_text", "bounding_boxes", "page_dimensions"}
    assert set(cite["bounding_boxes"][0]) == {"x", "y", "w", "h"}
    assert set(cite["page_dimensions"]) == {"width", "height"}
    assert 0 < leaf["confidence"] <= 1


def test_matching_text_usually_holds_the_value(client: httpx.Client, server: SimServer) -> None:
    job = get(client, server.state.notable["resume"], ALL_EXPAND)
    meta = job["extract_metadata"]["field_metadata"]["document_metadata"]
    pairs = []

    def walk(value: Any, m: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, m[k])
        elif isinstance(value, list):
            for v, mm in zip(value, m, strict=True):
                walk(v, mm)
        elif isinstance(value, str):
            pairs.append((value, m["citation"][0]["matching_text"]))

    walk(job["extract_result"], meta)
    hits = sum(1 for value, text in pairs if value in text)
    assert len(pairs) > 8
    assert hits / len(pairs) > 0.75


def test_options_decide_which_metadata_keys_appear(client: httpx.Client, server: SimServer) -> None:
    # resume: cite_sources only; statement rows: confidence only; receipt: neither
    cases = {
        "resume": ({"citation"}, {"confidence"}),
        "statement_rows": ({"confidence"}, {"citation"}),
        "receipt": (set(), {"citation", "confidence"}),
    }
    for role, (present, absent) in cases.items():
        job = get(client, server.state.notable[role], ALL_EXPAND)
        leaves = _leaves(job["extract_metadata"]["field_metadata"])
        assert leaves, role
        assert all(present <= set(leaf) for leaf in leaves), role
        assert all(not (absent & set(leaf)) for leaf in leaves), role


def test_per_page_and_per_row_metadata(client: httpx.Client, server: SimServer) -> None:
    pages = get(client, server.state.notable["report_pages"], ALL_EXPAND)
    page_meta = pages["extract_metadata"]["field_metadata"]["page_metadata"]
    assert isinstance(pages["extract_result"], list)
    assert len(page_meta) == len(pages["extract_result"])
    assert any("error" in m for m in page_meta)
    rows = get(client, server.state.notable["statement_rows"], ALL_EXPAND)
    row_meta = rows["extract_metadata"]["field_metadata"]["row_metadata"]
    assert len(row_meta) == len(rows["extract_result"]) == 24


def test_failed_and_pending_jobs(client: httpx.Client, server: SimServer) -> None:
    failed = get(client, server.state.notable["failed"], ALL_EXPAND)
    assert failed["status"] == "FAILED"
    assert "OCR" in failed["error_message"]
    assert failed["extract_result"] is None and failed["usage"] is None
    done = get(client, server.state.notable["invoice_cited"])
    assert done["error_message"] is None


def test_unknown_job_is_404(client: httpx.Client) -> None:
    job_id = "ext-00000000-0000-4000-8000-000000000000"
    r = client.get(f"/api/v2/extract/{job_id}")
    assert r.status_code == 404
    assert r.json() == {"detail": f"Extract job {job_id} not found"}


def test_job_outside_the_named_project_is_404(client: httpx.Client, server: SimServer) -> None:
    finance_job = server.state.notable["failed"]
    default = server.state.default_project.id
    r = client.get(f"/api/v2/extract/{finance_job}", params={"project_id": default})
    assert r.status_code == 404

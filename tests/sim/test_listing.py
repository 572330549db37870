"""GET /api/v2/extract: pagination, filters, job_ids, expand."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from explorer.sim import SimServer

from .conftest import ALL_EXPAND, ManualClock, client_for, make_config

LIST = "/api/v2/extract"


def all_pages(client: httpx.Client, **params: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a listing, following next_page_token; also each page's total_size (which
    the SDK says is only filled when asked for: never, here)."""
    items: list[dict[str, Any]] = []
    totals: list[int] = []
    token = None
    while True:
        query = {**params, **({"page_token": token} if token else {})}
        r = client.get(LIST, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "next_page_token"}
        items.extend(body["items"])
        totals.append(body.get("total_size"))
        token = body["next_page_token"]
        if token is None:
            return items, totals
        assert len(body["items"]) == params.get("page_size", 20)


def test_paging_through_the_default_project(client: httpx.Client, server: SimServer) -> None:
    items, totals = all_pages(client, page_size=7)
    ids = [j["id"] for j in items]
    assert len(ids) == len(set(ids))
    assert len(totals) > 3
    assert set(totals) == {None}
    created = [j["created_at"] for j in items]
    assert created == sorted(created, reverse=True)
    default = server.state.default_project.id
    assert all(j["project_id"] == default for j in items)


def test_default_page_size_is_20(client: httpx.Client) -> None:
    body = client.get(LIST).json()
    assert len(body["items"]) == 20
    assert body["next_page_token"]


def test_max_page_size_returns_everything_in_one_page(client: httpx.Client) -> None:
    body = client.get(LIST, params={"page_size": 100}).json()
    assert body["next_page_token"] is None
    assert 20 < len(body["items"]) < 100


@pytest.mark.parametrize("size", ["0", "101", "-3", "ten", "2.5"])
def test_bad_page_size_is_422(client: httpx.Client, size: str) -> None:
    r = client.get(LIST, params={"page_size": size})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "page_size"]


@pytest.mark.parametrize("token", ["garbage", "eyJ4IjoxfQ", "!!!"])
def test_bad_page_token_is_422(client: httpx.Client, token: str) -> None:
    r = client.get(LIST, params={"page_token": token})
    assert r.status_code == 422
    assert "page_token" in str(r.json()["detail"])


@pytest.mark.parametrize("status", ["COMPLETED", "FAILED", "CANCELLED"])
def test_status_filter(client: httpx.Client, status: str) -> None:
    items, _totals = all_pages(client, status=status, page_size=50)
    assert items
    assert {j["status"] for j in items} == {status}


def test_unknown_status_filter_is_422(client: httpx.Client) -> None:
    assert client.get(LIST, params={"status": "DONE"}).status_code == 422


def test_configuration_id_filter(client: httpx.Client, server: SimServer) -> None:
    counts = {}
    for cfg_id in server.state.configurations:
        for project in server.state.projects:
            items, _ = all_pages(client, configuration_id=cfg_id, project_id=project, page_size=100)
            assert all(j["configuration_id"] == cfg_id for j in items)
            counts[cfg_id] = counts.get(cfg_id, 0) + len(items)
    # saved configurations are shared by several jobs
    assert sum(1 for n in counts.values() if n >= 2) >= 3


def test_file_input_filter_and_its_deprecated_alias(
    client: httpx.Client, server: SimServer
) -> None:
    job = server.state.get_job(server.state.notable["invoice_cited"])
    assert job is not None
    doc = job["file_input"]
    for name in ("file_input", "document_input_value"):
        items, _ = all_pages(client, **{name: doc})
        assert len(items) >= 2  # the same invoice was extracted twice
        assert {j["file_input"] for j in items} == {doc}


def test_document_input_type_filter(client: httpx.Client) -> None:
    files, _ = all_pages(client, document_input_type="file_id", page_size=100)
    parses, _ = all_pages(client, document_input_type="parse_job_id", page_size=100)
    assert files and parses
    assert all(j["file_input"].startswith("dfl-") for j in files)
    assert all(j["file_input"].startswith("pjb-") for j in parses)
    assert client.get(LIST, params={"document_input_type": "url"}).status_code == 422


def test_job_ids_returns_the_jobs_that_exist(client: httpx.Client, server: SimServer) -> None:
    notable = server.state.notable
    wanted = [notable["running"], notable["invoice_cited"], notable["pending_default"]]
    params = [("job_ids", i) for i in [*wanted, "ext-00000000-0000-4000-8000-000000000000"]]
    body = client.get(LIST, params=params).json()
    assert {j["id"] for j in body["items"]} == set(wanted)
    assert body["next_page_token"] is None


def test_created_at_range(client: httpx.Client) -> None:
    everything, _ = all_pages(client, page_size=100)
    lo, hi = everything[-5]["created_at"], everything[4]["created_at"]
    items, _ = all_pages(
        client, created_at_on_or_after=lo, created_at_on_or_before=hi, page_size=100
    )
    assert [j["id"] for j in items] == [j["id"] for j in everything[4:-4]]
    r = client.get(LIST, params={"created_at_on_or_after": "last tuesday"})
    assert r.status_code == 422


def test_project_and_organization_scoping(client: httpx.Client, server: SimServer) -> None:
    projects = {p["name"]: p for p in client.get("/api/v2/projects").json()["items"]}
    finance = projects["Finance ops"]
    items, _ = all_pages(client, project_id=finance["id"], page_size=100)
    assert items and {j["project_id"] for j in items} == {finance["id"]}
    hr = projects["HR intake"]
    by_org, _ = all_pages(client, organization_id=hr["organization_id"], page_size=100)
    assert {j["project_id"] for j in by_org} == {hr["id"]}
    r = client.get(LIST, params={"project_id": "prj-00000000-0000-4000-8000-000000000000"})
    assert r.status_code == 404
    mismatch = {"project_id": finance["id"], "organization_id": hr["organization_id"]}
    assert client.get(LIST, params=mismatch).status_code == 404


def test_expand_in_lists(client: httpx.Client) -> None:
    plain = client.get(LIST, params={"status": "COMPLETED"}).json()["items"]
    assert all(j["configuration"] is None and j["extract_metadata"] is None for j in plain)
    assert all(j["extract_result"] is not None for j in plain)
    full = client.get(LIST, params=[("status", "COMPLETED"), *ALL_EXPAND]).json()["items"]
    assert all(j["configuration"]["data_schema"] for j in full)
    assert all(j["extract_metadata"]["field_metadata"] for j in full)
    assert all(j["usage"]["credits"] > 0 for j in full)
    comma = client.get(LIST, params={"expand": "configuration,usage"}).json()["items"]
    assert all(j["configuration"] is not None for j in comma)
    assert client.get(LIST, params={"expand": "everything"}).status_code == 422


def test_job_ids_are_scoped_to_the_project(client: httpx.Client, server: SimServer) -> None:
    finance_job = server.state.notable["failed"]
    job = server.state.get_job(finance_job)
    assert job is not None
    assert client.get(LIST, params={"job_ids": finance_job}).json()["items"] == []
    scoped = {"job_ids": finance_job, "project_id": job["project_id"]}
    assert [j["id"] for j in client.get(LIST, params=scoped).json()["items"]] == [finance_job]


def test_two_servers_with_one_seed_serve_identical_pages() -> None:
    pages = []
    for _ in range(2):
        with SimServer(make_config(clock=ManualClock())) as s, client_for(s) as c:
            got = []
            for project in s.state.projects:
                params = [*ALL_EXPAND, ("project_id", project), ("page_size", "9")]
                got.append(c.get(LIST, params=params).content)
            pages.append(got)
    assert pages[0] == pages[1]

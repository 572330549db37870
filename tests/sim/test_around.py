"""The API around the job: files, saved configurations, schema generation, scoping, key kinds."""

from __future__ import annotations

import httpx
import pytest

from explorer.sim import SimServer

from .conftest import client_for, make_config


def _job(client: httpx.Client, server: SimServer, role: str) -> dict:
    rec = server.state.record(server.state.notable[role])
    assert rec is not None
    r = client.get(f"/api/v2/extract/{rec.id}", params={"project_id": rec.project_id})
    assert r.status_code == 200
    return r.json()


def test_every_job_has_a_file_with_a_name_and_no_name_in_the_job(
    client: httpx.Client, server: SimServer
) -> None:
    job = _job(client, server, "invoice_cited")
    assert "file_name" not in (job["metadata"] or {})
    file = client.get(
        f"/api/v1/beta/files/{job['file_input']}", params={"project_id": job["project_id"]}
    ).json()
    assert file["name"] == "invoice-2041.pdf"
    assert file["file_type"] == "pdf" and file["project_id"] == job["project_id"]
    # the re-run on the same document names the same file
    rerun = _job(client, server, "invoice_rerun")
    assert rerun["file_input"] == job["file_input"]


def test_files_list_by_ids_in_one_request(client: httpx.Client, server: SimServer) -> None:
    default = server.state.default_project.id
    page = client.get("/api/v2/extract", params={"page_size": 30, "project_id": default}).json()
    ids = sorted({j["file_input"] for j in page["items"] if j["file_input"].startswith("dfl-")})
    assert len(ids) > 5
    got = client.get(
        "/api/v1/beta/files",
        params=[("file_ids", i) for i in ids] + [("project_id", default), ("page_size", 100)],
    ).json()
    assert sorted(f["id"] for f in got["items"]) == ids
    assert got["next_page_token"] is None
    # a file of another project is not found from this one (the scoping rule)
    finance = _job(client, server, "receipt")
    other = client.get(
        "/api/v1/beta/files", params={"file_ids": finance["file_input"], "project_id": default}
    ).json()
    assert other["items"] == []


def test_files_page_by_cursor_and_order(client: httpx.Client, server: SimServer) -> None:
    default = server.state.default_project.id
    everything = client.get(
        "/api/v1/beta/files", params={"project_id": default, "order_by": "name"}
    ).json()["items"]
    names = [f["name"] for f in everything]
    assert names == sorted(names) and len(names) > 3
    seen: list[str] = []
    token = None
    while True:
        params = {"project_id": default, "order_by": "name", "page_size": 3}
        page = client.get(
            "/api/v1/beta/files", params={**params, **({"page_token": token} if token else {})}
        ).json()
        seen += [f["id"] for f in page["items"]]
        token = page["next_page_token"]
        if token is None:
            break
    assert seen == [f["id"] for f in everything]
    bad = client.get("/api/v1/beta/files", params={"order_by": "size"})
    assert bad.status_code == 422
    by_name = client.get(
        "/api/v1/beta/files", params={"project_id": default, "file_name": names[0]}
    ).json()["items"]
    assert [f["name"] for f in by_name] == [names[0]]


def test_saved_configurations_are_listed_and_named(client: httpx.Client, server: SimServer) -> None:
    listed = client.get("/api/v1/beta/configurations", params={"product_type": "extract_v2"}).json()
    used = {r.configuration_id for r in server.state._jobs.values() if r.configuration_id}
    by_id = {c["id"]: c for c in listed["items"]}
    assert used <= set(by_id)
    one = by_id[_job(client, server, "invoice_cited")["configuration_id"]]
    assert one["name"] == "Invoices — standard"
    assert one["product_type"] == "extract_v2"
    assert one["parameters"]["product_type"] == "extract_v2"
    assert one["parameters"]["data_schema"]["title"] == "Invoice"
    assert "lang" not in one["parameters"]
    assert client.get(f"/api/v1/beta/configurations/{one['id']}").json() == one
    assert client.get("/api/v1/beta/configurations/cfg-nope").status_code == 404
    assert client.get(
        "/api/v1/beta/configurations", params={"product_type": "parse_v2"}
    ).json() == {"items": [], "next_page_token": None}


def test_a_job_created_from_a_saved_configuration_uses_it(
    client: httpx.Client, server: SimServer
) -> None:
    cid = _job(client, server, "receipt")["configuration_id"]
    created = client.post(
        "/api/v2/extract", json={"file_input": "dfl-new-receipt", "configuration_id": cid}
    ).json()
    assert created["configuration_id"] == cid
    saved = client.get(f"/api/v1/beta/configurations/{cid}").json()["parameters"]
    assert created["configuration"]["tier"] == saved["tier"]
    assert created["configuration"]["data_schema"] == saved["data_schema"]
    # an unknown file id gets a file (and a name) of its own
    file = client.get("/api/v1/beta/files/dfl-new-receipt").json()
    assert file["name"].endswith(".pdf") and file["id"] == "dfl-new-receipt"


def test_generated_schema_is_a_configuration_create(client: httpx.Client) -> None:
    r = client.post("/api/v2/extract/schema/generate", json={"prompt": "bank statement rows"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"name", "parameters"}
    assert body["parameters"]["product_type"] == "extract_v2"
    assert body["parameters"]["extraction_target"] == "per_table_row"
    assert body["parameters"]["data_schema"]["type"] == "object"
    named = client.post(
        "/api/v2/extract/schema/generate", json={"prompt": "x", "name": "Mine"}
    ).json()
    assert named["name"] == "Mine"
    assert client.post("/api/v2/extract/schema/generate", json={}).status_code == 422


def test_one_scoping_rule_for_get_cancel_delete_and_list(server: SimServer) -> None:
    """Without project_id every job endpoint addresses the default project, and only it."""
    state = server.state
    rec = state.record(state.notable["receipt"])  # in Finance ops, not the default project
    assert rec is not None and rec.project_id != state.default_project.id
    with client_for(server) as c:
        assert c.get(f"/api/v2/extract/{rec.id}").status_code == 404
        assert c.post(f"/api/v2/extract/{rec.id}/cancel").status_code == 404
        assert c.delete(f"/api/v2/extract/{rec.id}").status_code == 404
        listed = c.get("/api/v2/extract", params={"job_ids": rec.id}).json()["items"]
        assert listed == []
        scoped = {"project_id": rec.project_id}
        assert c.get(f"/api/v2/extract/{rec.id}", params=scoped).status_code == 200
        listed = c.get("/api/v2/extract", params={"job_ids": rec.id, **scoped}).json()["items"]
        assert [j["id"] for j in listed] == [rec.id]
        # a default-project job is found with or without naming its project
        mine = state.notable["invoice_cited"]
        assert c.get(f"/api/v2/extract/{mine}").status_code == 200


def test_the_jobs_list_sends_no_total(client: httpx.Client) -> None:
    page = client.get("/api/v2/extract").json()
    assert page.get("total_size") is None


@pytest.mark.parametrize("kind", ["organization", "project"])
def test_keys_that_may_not_list_every_project(kind: str) -> None:
    with SimServer(make_config(key_kind=kind)) as server, client_for(server) as c:
        state = server.state
        default = state.default_project
        projects = c.get("/api/v2/projects")
        if kind == "organization":
            assert projects.status_code == 422
            assert "organization_id" in str(projects.json()["detail"])
            named = c.get("/api/v2/projects", params={"organization_id": default.organization_id})
            assert default.id in {p["id"] for p in named.json()["items"]}
        else:
            assert [p["id"] for p in projects.json()["items"]] == [default.id]
            other = next(p for p in state.projects.values() if p is not default)
            assert c.get("/api/v2/extract", params={"project_id": other.id}).status_code == 403
        # either way the key's default project lists without naming it
        assert c.get("/api/v2/extract").json()["items"]

"""Projects, and the schema validation endpoint."""

from __future__ import annotations

import httpx
import pytest

from explorer.sim.schemas import INVOICE


def test_projects_are_a_cursor_page(client: httpx.Client) -> None:
    page = client.get("/api/v2/projects").json()
    assert set(page) == {"items", "next_page_token"} and page["next_page_token"] is None
    projects = page["items"]
    assert len(projects) >= 3
    assert [p["is_default"] for p in projects].count(True) == 1
    for p in projects:
        assert set(p) == {"id", "name", "organization_id", "is_default", "created_at", "updated_at"}
        assert p["id"].startswith("prj-") and p["organization_id"].startswith("org-")
    org = projects[-1]["organization_id"]
    in_org = client.get("/api/v2/projects", params={"organization_id": org}).json()["items"]
    assert in_org and {p["organization_id"] for p in in_org} == {org}
    nope = client.get("/api/v2/projects", params={"organization_id": "org-nope"}).json()
    assert nope == {"items": [], "next_page_token": None}
    one = client.get(f"/api/v2/projects/{projects[0]['id']}")
    assert one.json() == projects[0]
    missing = client.get("/api/v2/projects/prj-nope")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Project prj-nope not found"}


def test_projects_page_by_cursor_without_repeats(client: httpx.Client) -> None:
    everything = client.get("/api/v2/projects").json()["items"]
    seen: list[str] = []
    token = None
    for _ in range(10):
        params = {"page_size": 1, **({"page_token": token} if token else {})}
        page = client.get("/api/v2/projects", params=params).json()
        seen += [p["id"] for p in page["items"]]
        token = page["next_page_token"]
        if token is None:
            break
    assert seen == [p["id"] for p in everything]
    assert client.get("/api/v2/projects", params={"page_token": "junk"}).status_code == 422
    assert client.get("/api/v2/projects", params={"page_size": 0}).status_code == 422


def test_valid_schema_is_echoed(client: httpx.Client) -> None:
    r = client.post("/api/v2/extract/schema/validation", json={"data_schema": INVOICE})
    assert r.status_code == 200
    assert r.json() == {"data_schema": INVOICE}


@pytest.mark.parametrize(
    ("schema", "why"),
    [
        ({"type": "object", "properties": {"a": {"type": "strng"}}}, "properties/a/type"),
        ({"type": "object", "required": "name"}, "required"),
        ({"type": "array", "items": {"type": "string"}}, "type 'object'"),
        ("just a string", "JSON Schema object"),
        ({"title": "no properties"}, "properties"),
    ],
)
def test_invalid_schema_is_422_with_a_reason(
    client: httpx.Client, schema: object, why: str
) -> None:
    r = client.post("/api/v2/extract/schema/validation", json={"data_schema": schema})
    assert r.status_code == 422
    assert why in r.json()["detail"]


def test_schema_validation_needs_a_schema(client: httpx.Client) -> None:
    r = client.post("/api/v2/extract/schema/validation", json={"schema": {}})
    assert r.status_code == 422

"""Every endpoint wants a bearer token; errors are JSON."""

from __future__ import annotations

import httpx
import pytest

from explorer.sim import SimServer

from .conftest import make_config

ENDPOINTS = [
    ("GET", "/api/v2/extract"),
    ("GET", "/api/v2/extract/ext-00000000-0000-4000-8000-000000000000"),
    ("POST", "/api/v2/extract"),
    ("POST", "/api/v2/extract/schema/validation"),
    ("GET", "/api/v2/projects"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwdw==", "token"])
def test_missing_or_malformed_token_is_401(
    server: SimServer, method: str, path: str, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    r = httpx.request(method, server.url + path, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"detail": "Invalid or missing API key"}


def test_configured_key_only_accepts_that_key() -> None:
    secret = "llx-s3cret-value"
    with SimServer(make_config(api_key=secret)) as s:
        wrong = httpx.get(s.url + "/api/v2/projects", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = httpx.get(s.url + "/api/v2/projects", headers={"Authorization": f"Bearer {secret}"})
        assert right.status_code == 200
        for r in (wrong, right):
            assert secret not in r.text
            assert "nope" not in r.text
            assert all(secret not in v for v in r.headers.values())
        assert all(secret not in str(entry) for entry in s.state.request_log)


def test_unknown_route_is_json_404(client: httpx.Client) -> None:
    r = client.get("/api/v2/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert "detail" in r.json()


def test_wrong_method_is_json_405(client: httpx.Client) -> None:
    r = client.put("/api/v2/extract")
    assert r.status_code == 405
    assert "detail" in r.json()
    r = client.delete("/api/v2/projects")
    assert r.status_code == 405

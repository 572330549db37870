"""Fixtures of the CLI tests: a simulator on loopback reached through LLAMA_CLOUD_* variables,
a helper that runs ``explorer.cli.main`` in-process, and job JSON files written to tmp_path."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from explorer.api.retry import RetryPolicy
from explorer.sim import SimConfig, SimServer

#: A key that must never show up in any output.
API_KEY = "llx-TEST-secret-key-5f3c9a1e7b"
#: Characters that would drive or deceive a terminal if printed raw.
HOSTILE_CHARS = ("\x1b", "\x07", "\x9b", "\u202e", "\x00")


@dataclass
class Result:
    """What one command run returned and wrote."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


@pytest.fixture(scope="package")
def sim_server() -> Iterator[SimServer]:
    """One read-mostly simulator for the CLI tests (tests must not change its jobs)."""
    with SimServer(SimConfig(seed=7, job_seconds=0.6, big_rows=2_000)) as server:
        yield server


@pytest.fixture
def fresh_sim() -> Iterator[SimServer]:
    """A simulator of its own, for tests that cancel or delete jobs."""
    with SimServer(SimConfig(seed=7, job_seconds=0.6, big_rows=200)) as server:
        yield server


def point_at(monkeypatch: pytest.MonkeyPatch, server: SimServer) -> None:
    """Make the commands talk to ``server`` with the test key."""
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", API_KEY)
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", server.url)


def sim_get(server: SimServer, path: str, params: Any = None) -> Any:
    """``GET path`` from the simulator with the test key, as a checked httpx response."""
    import httpx

    response = httpx.get(
        f"{server.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    return response


def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No connection settings from the environment and no user config file."""
    for name in (
        "LLAMA_PARSE_API_KEY",
        "LLAMA_CLOUD_PROJECT_ID",
        "LLAMA_CLOUD_ORGANIZATION_ID",
        "LLAMA_CLOUD_CUSTOM_HEADERS",
        "EXTRACT_EXPLORER_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXTRACT_EXPLORER_CONFIG", str(tmp_path / "no-config.toml"))


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sim_server: SimServer) -> SimServer:
    """A clean environment: no user config, the shared simulator, fast retries."""
    clean_env(monkeypatch, tmp_path)
    point_at(monkeypatch, sim_server)
    import explorer.commands.jobref as jobref

    monkeypatch.setattr(
        jobref, "RETRY_POLICY", RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)
    )
    return sim_server


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``extract-explorer ARGS...`` in-process; every run is checked for the key."""
    from explorer.cli import main

    def go(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        result = Result(code, captured.out, captured.err)
        assert API_KEY not in result.out and API_KEY not in result.err
        assert "Traceback" not in result.err
        return result

    return go


@pytest.fixture
def notable(sim_server: SimServer) -> dict[str, str]:
    """Role -> job id of the shared simulator's notable jobs."""
    return dict(sim_server.state.notable)


@pytest.fixture
def sim_job(sim_server: SimServer) -> Callable[[str], dict[str, Any]]:
    """The JSON of a notable job, as the API serves it (fully expanded)."""

    def get(role: str) -> dict[str, Any]:
        job_id = sim_server.state.notable[role]
        rec = sim_server.state.record(job_id)
        assert rec is not None
        params = [("expand", e) for e in ("configuration", "extract_metadata", "usage")]
        params.append(("project_id", rec.project_id))
        return sim_get(sim_server, f"/api/v2/extract/{job_id}", params).json()

    return get


INVOICE_SCHEMA = {
    "type": "object",
    "required": ["number", "total"],
    "properties": {
        "number": {"type": "string"},
        "total": {"type": "number"},
        "notes": {"type": "string"},
    },
}


def make_job(
    job_id: str = "ext-11111111-2222-3333-4444-555555555555",
    *,
    result: Any = None,
    schema: Any = INVOICE_SCHEMA,
    status: str = "COMPLETED",
    target: str = "per_doc",
    metadata: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """A job dict in the current shape."""
    job: dict[str, Any] = {
        "id": job_id,
        "created_at": "2025-05-01T10:00:00Z",
        "updated_at": "2025-05-01T10:00:30Z",
        "project_id": "prj-1",
        "status": status,
        "file_input": "dfl-1",
        "configuration": {"extraction_target": target, "tier": "agentic"},
        "extract_result": result,
        **extra,
    }
    if schema is not None:
        job["configuration"]["data_schema"] = schema
    if metadata is not None:
        job["extract_metadata"] = {"field_metadata": metadata}
    return job


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[Any, str], str]:
    """Write a JSON value to a file under tmp_path; returns its path."""

    def write(value: Any, name: str = "job.json") -> str:
        path = tmp_path / name
        path.write_text(json.dumps(value), encoding="utf-8")
        return str(path)

    return write

"""Shared fixtures: the seed example job and a simulator on a loopback port."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def private_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> Path:
    """Each test its own XDG cache: no test reads what another (or the user) cached, and
    none writes into the user's ~/.cache (subprocesses inherit it)."""
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def seed_job() -> dict:
    """The example job exactly as the API reference publishes it."""
    return json.loads((FIXTURES / "seed-example-job.json").read_text())


@pytest.fixture
def sim():
    """A fresh simulator on a free loopback port (fast jobs, a small big job)."""
    from explorer.sim import SimConfig, SimServer

    with SimServer(SimConfig(seed=7, job_seconds=0.6, big_rows=2_000)) as server:
        yield server


@pytest.fixture
async def client(sim):
    """The real client, talking to the simulator over loopback HTTP."""
    from explorer.api.client import ExtractClient
    from explorer.api.retry import RetryPolicy

    async with ExtractClient(
        "test-key", sim.url, retry=RetryPolicy(initial_delay=0.05, max_delay=0.2)
    ) as c:
        yield c


@pytest.fixture
def strict_sim():
    """A simulator behind its strict twin: `.url` is the proxy that sends only what the SDK
    declares, `.sim` the SimServer behind it (for `.sim.state`)."""
    from explorer.sim import SimConfig, SimServer
    from tests.strict_twin import StrictTwin

    with (
        SimServer(SimConfig(seed=7, job_seconds=0.6, big_rows=2_000)) as server,
        StrictTwin(server) as twin,
    ):
        yield twin


@pytest.fixture
def held_job():
    """Make a job that is RUNNING and stays RUNNING until cancelled (a `hold` document, see
    `explorer.sim.records`): `held_job(server)` returns its id once the server says RUNNING.

    For tests that need a running job: a job found RUNNING in a listing, or a short one just
    created, may finish before the test acts on it. Cancel it (or delete with force) when done.
    The server must run on a moving clock (on a frozen one, create the job and advance it).
    """
    import itertools
    import time

    from explorer.sim import SimServer

    count = itertools.count(1)

    def make(server: SimServer, project_id: str | None = None, timeout: float = 30.0) -> str:
        state = server.state
        body = {
            "file_input": f"dfl-hold-{next(count):04d}",
            "configuration": {
                "data_schema": {"type": "object", "properties": {"total": {"type": "number"}}}
            },
        }
        job_id = state.create_job(body, project_id=project_id)["id"]
        deadline = time.monotonic() + timeout  # PENDING for 20 % of job_seconds first
        while (status := state.get_job(job_id, expand=())["status"]) != "RUNNING":
            assert status in ("PENDING", "THROTTLED"), f"{job_id} held, yet {status}"
            assert time.monotonic() < deadline, f"{job_id} still {status} after {timeout} s"
            time.sleep(0.01)
        return job_id

    return make


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test's documents go to a cache of its own, never the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))

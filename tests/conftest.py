"""Shared fixtures: the seed example job and a simulator on a loopback port."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


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

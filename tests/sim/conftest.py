"""Fixtures for the simulator tests: servers on loopback, plain httpx clients, a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from explorer.sim import SimConfig, SimServer

FIXED_NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
AUTH = {"Authorization": "Bearer test-key"}
ALL_EXPAND = [("expand", "configuration"), ("expand", "extract_metadata"), ("expand", "usage")]


class ManualClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.t += seconds


def make_config(**overrides: object) -> SimConfig:
    """A test configuration: fixed base time, small big job."""
    values: dict[str, object] = {"now": FIXED_NOW, "big_rows": 500}
    values.update(overrides)
    return SimConfig(**values)  # type: ignore[arg-type]


def client_for(server: SimServer) -> httpx.Client:
    """A plain httpx client for `server` with a valid token."""
    return httpx.Client(base_url=server.url, headers=AUTH, timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    """A read-mostly server with the default world (tests must not delete its jobs)."""
    with SimServer(make_config()) as s:
        yield s


@pytest.fixture
def client(server: SimServer) -> Iterator[httpx.Client]:
    """A client for the module's server."""
    with client_for(server) as c:
        yield c

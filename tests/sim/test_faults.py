"""Each injected fault is observable from a plain httpx client, and every request is counted."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from explorer.sim import SimServer

from .conftest import client_for, make_config

PATH = "/api/v2/projects"


@pytest.fixture(scope="module")
def faulty() -> Iterator[SimServer]:
    with SimServer(make_config()) as s:
        yield s


@pytest.fixture
def api(faulty: SimServer) -> Iterator[httpx.Client]:
    faulty.config.faults.clear()
    faulty.state.reset_counters()
    with client_for(faulty) as c:
        yield c
    faulty.config.faults.clear()


def test_latency(api: httpx.Client, faulty: SimServer) -> None:
    faulty.config.faults.latency_ms = 150
    start = time.perf_counter()
    assert api.get(PATH).status_code == 200
    assert time.perf_counter() - start >= 0.15


def test_error_rate_rotates_5xx_with_json(api: httpx.Client, faulty: SimServer) -> None:
    faulty.config.faults.error_rate = 1.0
    responses = [api.get(PATH) for _ in range(6)]
    assert {r.status_code for r in responses} == {500, 502, 503}
    assert all(isinstance(r.json()["detail"], str) for r in responses)
    assert faulty.state.requests == 6


def test_rate_limit(api: httpx.Client, faulty: SimServer) -> None:
    # one request per two seconds, a burst of one: the eight requests are limited however slow
    # the machine is (at 2 per second, eight slow requests could all find a token)
    faulty.config.faults.rate_limit = 0.5
    codes = [api.get(PATH) for _ in range(8)]
    limited = [r for r in codes if r.status_code == 429]
    assert limited and codes[0].status_code == 200
    for r in limited:
        assert r.json() == {"detail": "rate limited"}
        assert int(r.headers["retry-after"]) >= 1
    assert faulty.state.requests == 8
    # The log entry is written as the response finishes: give the last one a moment.
    deadline = time.monotonic() + 10
    while len(faulty.state.request_log) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [entry[3] for entry in faulty.state.request_log].count(429) == len(limited)


def test_garble_truncates_or_breaks_the_json(
    api: httpx.Client, faulty: SimServer, caplog: pytest.LogCaptureFixture
) -> None:
    faulty.config.faults.garble_rate = 1.0
    truncated = malformed = 0
    with caplog.at_level(logging.WARNING):
        for _ in range(4):
            try:
                r = api.get(PATH)
            except httpx.RemoteProtocolError:
                truncated += 1
                continue
            assert r.status_code == 200
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(r.content)
            malformed += 1
    assert truncated == 2 and malformed == 2
    assert faulty.state.requests == 4
    assert not [rec for rec in caplog.records if rec.name.startswith("uvicorn")]


def test_reset_drops_the_connection(
    api: httpx.Client, faulty: SimServer, caplog: pytest.LogCaptureFixture
) -> None:
    faulty.config.faults.reset_rate = 1.0
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            with pytest.raises(httpx.TransportError):
                api.get(PATH)
    assert faulty.state.requests == 3
    deadline = time.monotonic() + 10  # a dropped request is logged after the drop
    while len(faulty.state.request_log) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [entry[3] for entry in faulty.state.request_log][-3:] == [0, 0, 0]
    assert not [rec for rec in caplog.records if rec.name.startswith("uvicorn")]
    faulty.config.faults.reset_rate = 0.0
    assert api.get(PATH).status_code == 200  # the client recovers on a fresh connection


def test_down_fails_everything_until_up(api: httpx.Client, faulty: SimServer) -> None:
    faulty.config.faults.down = True
    for _ in range(3):
        with pytest.raises(httpx.TransportError):
            api.get(PATH)
    faulty.config.faults.down = False
    assert api.get(PATH).status_code == 200
    assert faulty.state.requests == 4


def test_partial_error_rate_is_deterministic_per_seed() -> None:
    def codes() -> list[int]:
        with SimServer(make_config()) as s, client_for(s) as c:
            s.config.faults.error_rate = 0.3
            return [c.get(PATH).status_code for _ in range(30)]

    first = codes()
    assert 200 in first and any(code >= 500 for code in first)
    assert codes() == first


def test_faults_update_is_atomic_and_checked(faulty: SimServer) -> None:
    faults = faulty.config.faults
    faults.update(error_rate=0.5, latency_ms=10)
    snap = faults.snapshot()
    assert (snap.error_rate, snap.latency_ms) == (0.5, 10)
    assert faults.active
    with pytest.raises(TypeError):
        faults.update(explode=True)
    faults.clear()
    assert not faults.active

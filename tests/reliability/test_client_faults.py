"""The real client against the simulator over loopback, with each fault switched on, then off.

What a user of the client notices: the error type and message say what happened, a failing
server gets a bounded number of attempts with growing waits (never a retry storm), the server's
``Retry-After`` is waited out, and the same client works again as soon as the fault is lifted.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from explorer.api.client import ExtractClient, RetryEvent
from explorer.api.errors import BadResponseError, NetworkError, RateLimitedError, ServerError
from explorer.api.jsonparse import parse_json_bytes
from explorer.api.retry import RetryPolicy
from explorer.sim import SimConfig, SimServer

RETRIES = 3
ATTEMPTS = 1 + RETRIES


@pytest.fixture
def faulty():
    # A fresh server per test: its fault stream (which error, which garble) starts over.
    with SimServer(SimConfig(seed=3, big_rows=200)) as server:
        yield server


class Seen(httpx.AsyncHTTPTransport):
    """The real transport, remembering each response's status and Retry-After."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: list[tuple[int, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        self.responses.append((response.status_code, response.headers.get("retry-after")))
        return response


class Harness:
    """A client with its waits and retries recorded (waits are real only when asked)."""

    def __init__(self, sim: SimServer, *, real_sleep: bool = False, **kw) -> None:
        self.delays: list[float] = []
        self.events: list[RetryEvent] = []
        self.transport = Seen()

        async def sleep(seconds: float) -> None:
            self.delays.append(seconds)
            if real_sleep:
                await asyncio.sleep(seconds)

        kw.setdefault("retry", RetryPolicy(max_retries=RETRIES, rng=lambda: 0.0))
        self.client = ExtractClient(
            "k",
            sim.url,
            sleep=sleep,
            on_retry=self.events.append,
            transport=self.transport,
            **kw,
        )

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()


def assert_clear(exc: BaseException, request: str, *words: str) -> None:
    """A message names the request and what went wrong, in one line, no traceback."""
    text = str(exc)
    assert text.startswith(f"{request}: "), text
    assert "\n" not in text and "Traceback" not in text
    for word in words:
        assert word in text, text


async def test_server_errors_get_bounded_retries_then_recover(faulty: SimServer) -> None:
    async with Harness(faulty) as h:
        faulty.config.faults.error_rate = 1.0
        faulty.state.reset_counters()
        with pytest.raises(ServerError) as info:
            await h.client.list_projects()
        # 1 + max_retries attempts, no more: each of 500, 502 and 503 was retried.
        assert faulty.state.requests == ATTEMPTS == h.client.request_count
        assert {e.status for e in h.events} == {500, 502, 503}
        # Exponential backoff (0.5, 1, 2 s) except where a 503 said Retry-After: 1.
        statuses = [status for status, _ in h.transport.responses]
        expected = [1.0 if s == 503 else 0.5 * 2**i for i, s in enumerate(statuses[:-1])]
        assert h.delays == expected
        assert info.value.status in (500, 502, 503)
        assert_clear(info.value, "GET /api/v2/projects", str(info.value.status))

        faulty.config.faults.error_rate = 0.0
        assert len(await h.client.list_projects()) >= 3
        assert faulty.state.requests == ATTEMPTS + 1


async def test_rate_limit_waits_retry_after_then_succeeds(faulty: SimServer) -> None:
    async with Harness(faulty, real_sleep=True) as h:
        # One request per 2 s: a second call slowed by a busy machine still comes too soon.
        faulty.config.faults.rate_limit = 0.5
        await h.client.list_projects()
        # The same second again: 429 + Retry-After. The client waits that long (really,
        # so the server's bucket refills) and the retry gets through.
        assert await h.client.list_projects()
    limited = [(s, ra) for s, ra in h.transport.responses if s == 429]
    assert limited, "the simulator did not rate limit"
    assert [s for s, _ in h.transport.responses] == [200, 429, 200]
    assert h.delays == [float(limited[0][1])]
    assert h.delays[0] >= 1.0
    assert [(e.status, e.attempt) for e in h.events] == [(429, 1)]


async def test_rate_limit_that_persists_is_typed_and_bounded(faulty: SimServer) -> None:
    async with Harness(faulty) as h:
        faulty.config.faults.rate_limit = 0.5  # Retry-After: 2 s
        await h.client.list_projects()  # the bucket's only token
        faulty.state.reset_counters()
        with pytest.raises(RateLimitedError) as info:
            await h.client.list_projects()  # waits are recorded, not slept: still limited
        assert faulty.state.requests == ATTEMPTS
        hinted = [float(ra) for s, ra in h.transport.responses[1:] if s == 429]
        assert len(h.delays) == RETRIES
        # Every wait was at least what the server asked for before it.
        assert all(d >= r for d, r in zip(h.delays, hinted, strict=False))
        assert info.value.retry_after is not None and info.value.retry_after >= 1
        assert_clear(info.value, "GET /api/v2/projects", "429", "retry after")

        faulty.config.faults.rate_limit = 0
        assert await h.client.list_projects()


async def test_a_429_holds_the_other_calls_of_the_client_too(faulty: SimServer) -> None:
    # The app runs a page load, a job fetch and a refresh side by side: once one of them is
    # told "Retry-After: 1", the others wait that out too instead of hitting the server.
    async with Harness(faulty) as h:
        faulty.config.faults.rate_limit = 1
        await h.client.list_projects()
        with pytest.raises(RateLimitedError):
            await h.client.request_json("GET", "/api/v2/projects", max_retries=0)
        assert h.delays == []
        faulty.config.faults.rate_limit = 0
        faulty.state.reset_counters()
        page = await h.client.list_jobs(page_size=1)
        assert page.items
        assert len(h.delays) == 1 and 0.5 < h.delays[0] <= 1.0
        assert faulty.state.requests == 1


async def test_retry_after_longer_than_a_call_waits_goes_back_to_the_caller(
    faulty: SimServer,
) -> None:
    # A server asking for 1000 s must not be retried after 0.5 s; the caller (the app's
    # watcher) gets the hint and schedules the next try.
    async with Harness(faulty) as h:
        faulty.config.faults.rate_limit = 0.001
        await h.client.list_projects()
        faulty.state.reset_counters()
        with pytest.raises(RateLimitedError) as info:
            await h.client.list_projects()
    assert faulty.state.requests == 1 and h.delays == []
    assert info.value.retry_after == 1000


async def test_garbled_bodies(faulty: SimServer) -> None:
    # With garbling on, every response is cut off mid-body or malformed JSON (alternately).
    async with Harness(faulty, retry=RetryPolicy(max_retries=0)) as h:
        faulty.config.faults.garble_rate = 1.0
        errors: list[Exception] = []
        for _ in range(4):
            with pytest.raises((BadResponseError, NetworkError)) as info:
                await h.client.list_jobs()
            errors.append(info.value)
        assert faulty.state.requests == 4  # one attempt each: no retries allowed here
    kinds = {type(e) for e in errors}
    assert kinds == {BadResponseError, NetworkError}
    for exc in errors:
        if isinstance(exc, NetworkError):
            assert_clear(exc, "GET /api/v2/extract", "closed the connection mid-response")
        else:
            assert_clear(exc, "GET /api/v2/extract", "malformed JSON")


async def test_cut_off_body_is_retried_malformed_body_is_not(faulty: SimServer) -> None:
    async with Harness(faulty) as h:
        faulty.config.faults.garble_rate = 1.0
        faulty.state.reset_counters()
        with pytest.raises(BadResponseError):
            await h.client.list_jobs()
        # The cut-off body was a network failure, worth a retry; the malformed one that
        # followed is a server bug that another attempt would not fix.
        assert faulty.state.requests == 2
        assert [e.status for e in h.events] == [None]
        assert "mid-response" in h.events[0].reason
        faulty.config.faults.garble_rate = 0.0
        assert (await h.client.list_jobs()).items


async def test_connection_resets_are_bounded_then_recover(faulty: SimServer) -> None:
    async with Harness(faulty) as h:
        faulty.config.faults.reset_rate = 1.0
        faulty.state.reset_counters()
        with pytest.raises(NetworkError) as info:
            await h.client.get_job(faulty.state.notable["nasty"])
        assert faulty.state.requests == ATTEMPTS
        assert h.delays == [0.5, 1.0, 2.0]
        assert info.value.kind == "offline"
        assert "connection" in str(info.value)
        faulty.config.faults.reset_rate = 0.0
        job = await h.client.get_job(faulty.state.notable["nasty"])
        assert job.status == "COMPLETED"


async def test_server_down_then_up(faulty: SimServer) -> None:
    async with Harness(faulty) as h:
        faulty.config.faults.down = True
        faulty.state.reset_counters()
        with pytest.raises(NetworkError):
            await h.client.list_projects()
        assert faulty.state.requests == ATTEMPTS
        faulty.config.faults.down = False
        assert await h.client.list_projects()


async def test_nothing_listening_then_a_server_comes_back() -> None:
    # Really down: the port is closed. Then a server starts on the same port.
    first = SimServer(SimConfig(seed=3, big_rows=200)).start()
    port = first.port
    first.stop()
    h = Harness(first)
    async with h:
        with pytest.raises(NetworkError) as info:
            await h.client.list_projects()
        assert h.client.request_count == ATTEMPTS
        assert_clear(info.value, "GET /api/v2/projects", "cannot connect")
        with SimServer(SimConfig(seed=3, big_rows=200), port=port) as again:
            assert await h.client.list_projects()
            assert again.state.requests == 1


async def test_slow_server_hits_the_timeout_then_recovers(faulty: SimServer) -> None:
    async with Harness(faulty, timeout=0.3, retry=RetryPolicy(max_retries=1)) as h:
        faulty.config.faults.latency_ms = 800
        with pytest.raises(NetworkError) as info:
            await h.client.list_projects()
        assert h.client.request_count == 2  # the timeout is retried once, not forever
        assert_clear(info.value, "GET /api/v2/projects", "timed out")
        faulty.config.faults.latency_ms = 0
        assert await h.client.list_projects()


def test_big_integers_keep_every_digit() -> None:
    # orjson reads integers past 64 bits as floats; a 30-digit invoice number must survive.
    body = b'{"n": 123456789012345678901234567890, "m": -9223372036854775809, "x": [1e400, NaN]}'
    data = parse_json_bytes(body)
    assert data["n"] == 123456789012345678901234567890 and isinstance(data["n"], int)
    assert data["m"] == -9223372036854775809
    assert data["x"][0] == float("inf") and data["x"][1] != data["x"][1]
    assert parse_json_bytes(b"18446744073709551616") == 2**64

"""The retry policy and error mapping, on a transport that fails on purpose."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from explorer.api.client import ExtractClient, RetryEvent
from explorer.api.errors import (
    AuthError,
    BadRequestError,
    BadResponseError,
    ConflictError,
    InsecureTransportError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from explorer.api.retry import RetryPolicy, retry_after_seconds

KEY = "llx-supersecretkey-0123456789"
JOB = {"id": "ext-1", "status": "COMPLETED", "file_input": "dfl-1"}


class Recorder:
    """A transport that answers from a script and remembers every request."""

    def __init__(self, script: list[Callable[[httpx.Request], httpx.Response] | httpx.Response]):
        self.script = script
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        return step(request) if callable(step) else step


def make_client(recorder: Recorder, sleeps: list[float], **kw) -> ExtractClient:
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return ExtractClient(
        KEY,
        "https://api.example.test",
        transport=httpx.MockTransport(recorder),
        sleep=fake_sleep,
        retry=kw.pop("retry", RetryPolicy(rng=lambda: 0.0)),
        **kw,
    )


def fail(status: int, headers: dict | None = None, detail: str = "nope"):
    return httpx.Response(status, json={"detail": detail}, headers=headers)


async def test_retries_5xx_then_succeeds_with_exponential_backoff() -> None:
    rec = Recorder([fail(502), fail(503), fail(500), httpx.Response(200, json=JOB)])
    sleeps: list[float] = []
    async with make_client(rec, sleeps) as client:
        job = await client.get_job("ext-1")
    assert job.id == "ext-1"
    assert len(rec.requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert client.request_count == 4


async def test_gives_up_after_max_retries() -> None:
    rec = Recorder([fail(503, detail="down for maintenance")])
    sleeps: list[float] = []
    async with make_client(rec, sleeps, retry=RetryPolicy(max_retries=3, rng=lambda: 0)) as c:
        with pytest.raises(ServerError) as info:
            await c.get_job("ext-1")
    assert len(rec.requests) == 4  # one try + three retries
    assert info.value.status == 503
    assert info.value.detail == "down for maintenance"
    assert "down for maintenance" in str(info.value)


async def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(rng=lambda: 1.0)
    assert policy.backoff(0) == pytest.approx(0.375)
    assert policy.backoff(10) == pytest.approx(8.0 * 0.75)
    assert RetryPolicy(rng=lambda: 0.0).backoff(10) == 8.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
    ],
)
async def test_retry_after_is_honoured(headers: dict, expected: float) -> None:
    rec = Recorder([fail(429, headers), httpx.Response(200, json=JOB)])
    sleeps: list[float] = []
    async with make_client(rec, sleeps) as client:
        await client.get_job("ext-1")
    assert sleeps == [expected]


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert retry_after_seconds({"retry-after": header}, now=lambda: now) == 7.0
    assert retry_after_seconds({"retry-after": "garbage"}) is None


async def test_x_should_retry_overrides_status() -> None:
    # A client error is never retried, whatever the header says: the same request would get
    # the same answer (a 409 on cancelling a finished job retried twice was a bug).
    rec = Recorder([fail(400, {"x-should-retry": "true"}), httpx.Response(200, json=JOB)])
    sleeps: list[float] = []
    async with make_client(rec, sleeps) as client:
        with pytest.raises(BadRequestError):
            await client.get_job("ext-1")
    assert len(rec.requests) == 1

    rec = Recorder([fail(503, {"x-should-retry": "false"})])
    async with make_client(rec, sleeps) as client:
        with pytest.raises(ServerError):
            await client.get_job("ext-1")
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (404, NotFoundError), (422, BadRequestError)],
)
async def test_no_retry_on_client_errors(status: int, error: type) -> None:
    rec = Recorder([fail(status, detail="Extract job ext-1 not found")])
    sleeps: list[float] = []
    async with make_client(rec, sleeps) as client:
        with pytest.raises(error) as info:
            await client.get_job("ext-1")
    assert len(rec.requests) == 1 and sleeps == []
    assert info.value.status == status
    assert info.value.detail == "Extract job ext-1 not found"


async def test_total_wait_is_capped() -> None:
    rec = Recorder([fail(429, {"retry-after": "30"})])
    sleeps: list[float] = []
    policy = RetryPolicy(max_total_wait=45, rng=lambda: 0)
    async with make_client(rec, sleeps, retry=policy) as client:
        with pytest.raises(RateLimitedError) as info:
            await client.get_job("ext-1")
    assert sleeps == [30.0]  # a second 30 s wait would pass the 45 s budget
    assert info.value.retry_after == 30.0


async def test_connection_errors_are_retried_then_typed() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    rec = Recorder([refuse])
    sleeps: list[float] = []
    async with make_client(rec, sleeps, retry=RetryPolicy(max_retries=2, rng=lambda: 0)) as c:
        with pytest.raises(NetworkError) as info:
            await c.list_jobs()
    assert len(rec.requests) == 3
    assert "cannot connect" in str(info.value)


async def test_malformed_json_is_a_bad_response() -> None:
    rec = Recorder([httpx.Response(200, content=b'{"items": [')])
    async with make_client(rec, []) as client:
        with pytest.raises(BadResponseError) as info:
            await client.list_jobs()
    assert "malformed JSON" in str(info.value)


async def test_nan_literals_are_read() -> None:
    body = b'{"id": "ext-1", "status": "COMPLETED", "extract_result": {"x": NaN}}'
    rec = Recorder([httpx.Response(200, content=body)])
    async with make_client(rec, []) as client:
        job = await client.get_job("ext-1")
    assert job.extract_result["x"] != job.extract_result["x"]  # NaN


async def test_cancel_conflict_is_typed() -> None:
    rec = Recorder([fail(409, detail="Job ext-1 is COMPLETED and cannot be cancelled")])
    async with make_client(rec, []) as client:
        with pytest.raises(ConflictError) as info:
            await client.cancel_job("ext-1")
    assert "cannot be cancelled" in str(info.value)


async def test_on_retry_reports_each_wait() -> None:
    events: list[RetryEvent] = []
    rec = Recorder([fail(429, {"retry-after": "2"}), httpx.Response(200, json=JOB)])
    async with make_client(rec, [], on_retry=events.append) as client:
        await client.get_job("ext-1")
    assert [(e.status, e.delay, e.attempt) for e in events] == [(429, 2.0, 1)]


async def test_key_is_sent_but_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rec = Recorder([fail(500), fail(401, detail="Invalid or missing API key")])
    async with make_client(rec, []) as client:
        assert KEY not in repr(client)
        with pytest.raises(AuthError) as info:
            await client.get_job("ext-1")
    assert rec.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert KEY not in caplog.text


async def test_query_params_pass_through() -> None:
    rec = Recorder([httpx.Response(200, json={"items": [JOB], "next_page_token": None})])
    async with make_client(rec, [], organization_id="org-1", project_id="prj-1") as client:
        page = await client.list_jobs(job_ids=["ext-1", "ext-2"], expand=["configuration"])
    assert [j.id for j in page.items] == ["ext-1"]
    params = rec.requests[0].url.params
    assert params.get_list("job_ids") == ["ext-1", "ext-2"]
    assert params["organization_id"] == "org-1" and params["project_id"] == "prj-1"
    assert params.get_list("expand") == ["configuration"]


def test_plain_http_to_remote_host_is_refused() -> None:
    with pytest.raises(InsecureTransportError):
        ExtractClient(KEY, "http://api.example.com")
    ExtractClient(KEY, "http://127.0.0.1:8000")
    ExtractClient(KEY, "http://localhost:8000")
    ExtractClient(KEY, "http://api.example.com", allow_insecure=True)

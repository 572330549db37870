"""The request log: every exchange recorded as sent, retries counted, bounded, and no secret."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from explorer.api.client import ExtractClient
from explorer.api.errors import NetworkError, ServerError
from explorer.api.request_log import RequestLog, RequestRecord, record_of
from explorer.api.retry import RetryPolicy

KEY = "llx-REQUEST-LOG-secret-7d1e"
HEADER_SECRET = "custom-header-secret-42"


def _everything(record: RequestRecord) -> str:
    """Every field of a record as text (what could leak, if anything did)."""
    fields = [repr(record)] + [repr(v) for v in dataclasses.astuple(record)]
    return "\n".join(fields)


async def _no_sleep(_seconds: float) -> None:
    return None


async def test_records_of_real_requests_keep_method_path_and_repeated_query(client) -> None:
    page = await client.list_jobs(page_size=3)
    ids = [job.id for job in page.items[:2]]
    await client.get_job(ids[0])
    await client.get_jobs(ids)
    records = client.requests.newest_first()
    assert len(records) == 3 == client.request_count
    batch, one, listed = records
    assert listed.method == "GET" and listed.path == "/api/v2/extract"
    assert listed.query == "page_size=3"
    assert one.path == f"/api/v2/extract/{ids[0]}"
    assert one.query == "expand=configuration&expand=extract_metadata&expand=usage"
    assert batch.query.count("job_ids=") == 2  # repeated params kept, as sent
    for record in records:
        assert record.status == 200 and record.ok and record.error is None
        assert record.retry == 0 and record.response_size > 0 and record.duration >= 0
        assert record.body is None
    assert [r.seq for r in records] == sorted((r.seq for r in records), reverse=True)


async def test_post_body_kept_and_capped(sim) -> None:
    async with ExtractClient("test-key", sim.url) as client:
        client.requests.body_cap = 100
        schema = {"type": "object", "properties": {f"f{i}": {"type": "string"} for i in range(50)}}
        await client.validate_schema(schema)
        record = client.requests.last()
        assert record is not None and record.method == "POST"
        assert record.path == "/api/v2/extract/schema/validation"
        assert record.body_size > 100 and len(record.body or b"") == 100
        assert record.body_truncated and record.body.startswith(b'{"data_schema"')


async def test_retries_are_counted_one_record_per_attempt() -> None:
    answers = iter([503, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        return httpx.Response(status, json={"id": "ext-1", "status": "COMPLETED"} if status == 200
                              else {"detail": "busy"})  # fmt: skip

    async with ExtractClient(
        KEY,
        "https://api.example.com",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_retries=3, initial_delay=0.01),
        sleep=_no_sleep,
    ) as client:
        await client.request_json("GET", "/api/v2/extract/ext-1")
        records = client.requests.records()
    assert [(r.status, r.retry) for r in records] == [(503, 0), (503, 1), (200, 2)]
    assert not records[0].ok and records[2].ok


async def test_retries_against_the_simulators_fault_injection() -> None:
    from explorer.sim import SimConfig, SimServer
    from explorer.sim.config import Faults

    with SimServer(SimConfig(seed=7, faults=Faults(error_rate=1.0))) as server:
        async with ExtractClient(
            "test-key", server.url, retry=RetryPolicy(max_retries=2), sleep=_no_sleep
        ) as client:
            with pytest.raises(ServerError):
                await client.list_jobs(page_size=1)
            records = client.requests.records()
    assert [r.retry for r in records] == [0, 1, 2]
    assert all(r.status is not None and r.status >= 500 for r in records)


async def test_a_network_failure_is_recorded_by_kind() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach; header was Bearer {KEY}")

    async with ExtractClient(
        KEY,
        "https://api.example.com",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_retries=1, initial_delay=0.01),
        sleep=_no_sleep,
    ) as client:
        with pytest.raises(NetworkError):
            await client.request_json("GET", "/api/v2/projects")
        records = client.requests.records()
    assert [(r.status, r.error, r.retry) for r in records] == [
        (None, "connect error", 0),
        (None, "connect error", 1),
    ]
    assert all(KEY not in _everything(r) for r in records)


async def test_no_key_and_no_header_value_in_any_record(sim) -> None:
    async with ExtractClient(
        KEY, sim.url, headers={"X-Custom-Auth": HEADER_SECRET, "X-Team": "team-secret-b"}
    ) as client:
        page = await client.list_jobs(page_size=2)
        await client.get_job(page.items[0].id)
        await client.validate_schema({"type": "object"})
        with pytest.raises(Exception):  # noqa: B017 - any failure will do; it must be logged
            await client.get_job("ext-missing")
        records = client.requests.records()
        text = "\n".join(_everything(r) for r in records) + repr(client.requests)
    assert len(records) == 4
    for secret in (KEY, HEADER_SECRET, "team-secret-b", "Bearer", "X-Custom-Auth"):
        assert secret not in text
    names = {f.name for f in dataclasses.fields(RequestRecord)}
    assert not any("header" in name or "auth" in name for name in names)


def test_the_buffer_is_bounded_and_tells_its_listener() -> None:
    log = RequestLog(maxlen=5)
    heard: list[RequestRecord] = []
    log.on_request = heard.append
    request = httpx.Request("GET", "https://api.example.com/api/v2/extract?page_size=1")
    for _ in range(12):
        log.note(request, 0, 0.0, 200, 10, None)
    assert len(log) == 5 and log.total == 12 and len(heard) == 12
    assert [r.seq for r in log.records()] == [r.seq for r in heard[-5:]]
    assert log.newest_first()[0] is heard[-1]


def test_a_failing_listener_does_not_fail_the_request() -> None:
    log = RequestLog()

    def broken(_record: RequestRecord) -> None:
        raise RuntimeError("listener bug")

    log.on_request = broken
    log.add(record_of(httpx.Request("GET", "https://x.example/a"), retry=0, started=0.0))
    assert len(log) == 1

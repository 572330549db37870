"""The real client against the simulator over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from explorer.api.client import ExtractClient
from explorer.api.errors import AuthError, ConflictError, NotFoundError
from explorer.api.models import TERMINAL_STATUSES

SCHEMA = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string"},
        "total": {"type": "number"},
        "paid": {"type": "boolean"},
    },
    "required": ["invoice_number", "total"],
}


# Generous: on a busy machine (another copy of the suite, say) a 0.6 s job can take seconds.
WAIT = 30.0


async def wait_status(
    client: ExtractClient, job_id: str, done: Callable[[str], bool], timeout: float = WAIT
) -> str:
    """Poll `get_job` until `done(status)` holds; the status then (fails after `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen: list[str] = []
    while True:
        job = await client.get_job(job_id)
        if not seen or seen[-1] != job.status:
            seen.append(job.status)
        if done(job.status):
            return job.status
        if loop.time() > deadline:
            raise AssertionError(f"{job_id} never got there within {timeout} s: {seen}")
        await asyncio.sleep(0.05)


async def wait_terminal(client: ExtractClient, job_id: str, timeout: float = WAIT) -> str:
    """The status a job ends in (fails if it is still going after `timeout`)."""
    return await wait_status(client, job_id, lambda s: s in TERMINAL_STATUSES, timeout)


async def held_running_job(client: ExtractClient, name: str) -> str:
    """A job that is RUNNING now and stays RUNNING until cancelled (a `hold` document)."""
    job = await client.create_job(f"dfl-hold-{name}", configuration={"data_schema": SCHEMA})
    status = await wait_status(client, job.id, lambda s: s not in ("PENDING", "THROTTLED"))
    assert status == "RUNNING", f"a hold job left PENDING for {status}"
    return job.id


async def test_list_every_page(client: ExtractClient) -> None:
    projects = await client.list_projects()
    assert len(projects) >= 3
    default = next(p for p in projects if p.is_default)
    first = await client.list_jobs(page_size=7, project_id=default.id)
    assert len(first.items) == 7 and first.next_page_token
    ids = [job.id async for job in client.iter_jobs(page_size=7, project_id=default.id)]
    assert len(ids) == len(set(ids)) > 7
    assert first.total_size is None  # the API fills it only when asked, which nobody does
    every = []
    for project in projects:
        every += [job async for job in client.iter_jobs(project_id=project.id)]
    assert len(every) >= 60
    assert {job.status for job in every} >= {"RUNNING", "COMPLETED", "FAILED", "CANCELLED"}
    created = [job.created_at for job in every if job.project_id == default.id]
    assert created == sorted(created, reverse=True)


async def test_get_with_each_expand(client: ExtractClient) -> None:
    page = await client.list_jobs(status="COMPLETED", page_size=5)
    job_id = page.items[0].id
    bare = await client.get_job(job_id, expand=())
    assert bare.configuration is None and bare.extract_metadata is None
    assert bare.extract_result is not None
    with_config = await client.get_job(job_id, expand=["configuration"])
    assert with_config.configuration is not None
    assert with_config.configuration.data_schema
    assert with_config.extract_metadata is None
    with_meta = await client.get_job(job_id, expand=["extract_metadata"])
    assert with_meta.extract_metadata is not None and with_meta.configuration is None
    with_usage = await client.get_job(job_id, expand=["usage"])
    assert with_usage.usage is not None and with_usage.usage.credits is not None


async def test_job_ids_batching(client: ExtractClient) -> None:
    ids = [job.id async for job in client.iter_jobs()][:12]
    before = client.request_count
    jobs = await client.get_jobs([*ids, "ext-does-not-exist"])
    assert client.request_count == before + 1
    assert sorted(job.id for job in jobs) == sorted(ids)


async def test_cancel_and_conflict(client: ExtractClient) -> None:
    # a hold job can't finish before the cancel arrives, however slow the machine is
    created = await client.create_job("dfl-hold-cancel-me", configuration={"data_schema": SCHEMA})
    cancelled = await client.cancel_job(created.id)
    assert cancelled.status == "CANCELLED"
    assert (await client.get_job(created.id)).status == "CANCELLED"
    with pytest.raises(ConflictError) as info:
        await client.cancel_job(created.id)
    assert info.value.status == 409 and "cannot be cancelled" in (info.value.detail or "")


async def test_delete(client: ExtractClient) -> None:
    page = await client.list_jobs(status="FAILED", page_size=1)
    job_id = page.items[0].id
    await client.delete_job(job_id)
    with pytest.raises(NotFoundError):
        await client.get_job(job_id)
    # made RUNNING, never found RUNNING in a listing: a listed job may finish a moment later
    running = await held_running_job(client, "delete-me")
    try:
        with pytest.raises(ConflictError) as info:
            await client.delete_job(running)
        assert info.value.status == 409
        assert (await client.get_job(running)).status == "RUNNING"  # still there
    finally:
        cancelled = await client.cancel_job(running)  # tidy up even if an assertion failed
    assert cancelled.status == "CANCELLED"
    await client.delete_job(running)  # finished now: it may go
    with pytest.raises(NotFoundError):
        await client.get_job(running)


async def test_created_job_moves_to_completed(client: ExtractClient) -> None:
    job = await client.create_job(
        "dfl-0a1b2c",
        configuration={"data_schema": SCHEMA, "cite_sources": True, "confidence_scores": True},
    )
    assert job.status == "PENDING"
    assert await wait_terminal(client, job.id) == "COMPLETED"
    done = await client.get_job(job.id)
    assert set(done.extract_result) >= {"invoice_number", "total"}
    meta = done.field_metadata.document_metadata
    assert "confidence" in meta["total"] and meta["total"]["citation"]
    assert done.updated_at > done.created_at


async def test_fail_job_ends_failed(client: ExtractClient) -> None:
    job = await client.create_job("dfl-will-fail-1", configuration={"data_schema": SCHEMA})
    assert await wait_terminal(client, job.id) == "FAILED"
    failed = await client.get_job(job.id)
    assert failed.error_message and failed.extract_result is None


async def test_bad_key_is_rejected(sim) -> None:
    from explorer.sim import SimConfig, SimServer

    with SimServer(SimConfig(api_key="right-key")) as locked:
        async with ExtractClient("wrong-key", locked.url) as client:
            with pytest.raises(AuthError) as info:
                await client.list_projects()
    assert info.value.status == 401
    assert "wrong-key" not in str(info.value)


async def test_seed_shape_reads_too() -> None:
    from explorer.sim import SimConfig, SimServer

    with SimServer(SimConfig(shape="seed")) as old:
        async with ExtractClient("k", old.url) as client:
            jobs = [job async for job in client.iter_jobs()]
            assert jobs and all(job.document_input_value for job in jobs)
            assert all(job.file_input is None for job in jobs)
            done = next(j for j in jobs if j.status in TERMINAL_STATUSES and j.configuration_id)
            full = await client.get_job(done.id)
    assert full.document == full.document_input_value
    assert full.configuration is not None and full.configuration.extract_version
    assert full.configuration.version is None

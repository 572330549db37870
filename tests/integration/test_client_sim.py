"""The real client against the simulator over loopback HTTP."""

from __future__ import annotations

import asyncio

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


async def wait_terminal(client: ExtractClient, job_id: str, timeout: float = 15) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen = []
    while loop.time() < deadline:
        job = await client.get_job(job_id)
        if not seen or seen[-1] != job.status:
            seen.append(job.status)
        if job.is_terminal:
            return job.status
        await asyncio.sleep(0.1)
    raise AssertionError(f"{job_id} never finished: {seen}")


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
    created = await client.create_job("dfl-slow-cancel-me", configuration={"data_schema": SCHEMA})
    cancelled = await client.cancel_job(created.id)
    assert cancelled.status == "CANCELLED"
    with pytest.raises(ConflictError) as info:
        await client.cancel_job(created.id)
    assert info.value.status == 409 and "cannot be cancelled" in (info.value.detail or "")


async def test_delete(client: ExtractClient) -> None:
    page = await client.list_jobs(status="FAILED", page_size=1)
    job_id = page.items[0].id
    await client.delete_job(job_id)
    with pytest.raises(NotFoundError):
        await client.get_job(job_id)
    running = await client.list_jobs(status="RUNNING", page_size=1)
    with pytest.raises(ConflictError):
        await client.delete_job(running.items[0].id)


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

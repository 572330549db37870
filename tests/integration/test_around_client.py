"""The client around the job, over loopback HTTP: projects pages, files in batches, saved
configurations, the names a page of jobs gets, and what happens when names can't be had."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from explorer.api.around import FILE_BATCH
from explorer.api.client import ExtractClient
from explorer.api.retry import RetryPolicy
from explorer.core.names import NameBook
from explorer.core.source import KEY_PROJECT, PROJECTS_HIDDEN, ApiJobSource
from explorer.sim import SimConfig, SimServer, SimState, create_app
from explorer.sim.server import LoopbackServer

FAST = RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.02)


class _Storage(LoopbackServer):
    """The simulator's world behind another port: an object store's host, as it were."""

    name = "storage"

    def __init__(self, state: SimState) -> None:
        super().__init__()
        self.state = state

    def make_app(self) -> Any:
        return create_app(self.state)


def _requests(sim: SimServer, path_prefix: str) -> list[tuple[str, str, int]]:
    return [(m, p, s) for _, m, p, s in sim.state.request_log if p.startswith(path_prefix)]


async def test_projects_follow_cursor_pages_and_read_a_bare_list() -> None:
    pages = {
        None: {"items": [{"id": "prj-a", "name": "A"}], "next_page_token": "t1"},
        "t1": {"items": [{"id": "prj-b", "name": "B"}], "next_page_token": "t2"},
        "t2": {"items": [{"id": "prj-c", "is_default": True}], "next_page_token": None},
    }

    def paged(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("page_token")])

    async with ExtractClient("k", "https://x.test", transport=httpx.MockTransport(paged)) as c:
        assert [p.id for p in await c.list_projects()] == ["prj-a", "prj-b", "prj-c"]

    def bare(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"id": "prj-old"}, "junk"])

    async with ExtractClient("k", "https://x.test", transport=httpx.MockTransport(bare)) as c:
        assert [p.id for p in await c.list_projects()] == ["prj-old"]

    def looping(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"id": "prj-a"}], "next_page_token": "same"})

    async with ExtractClient("k", "https://x.test", transport=httpx.MockTransport(looping)) as c:
        assert len(await c.list_projects()) == 2  # the repeated token ends the listing


async def test_files_are_asked_for_in_batches_of_a_hundred() -> None:
    asked: list[list[str]] = []

    def files(request: httpx.Request) -> httpx.Response:
        ids = request.url.params.get_list("file_ids")
        asked.append(ids)
        items = [{"id": i, "name": f"{i}.pdf", "project_id": "prj-a"} for i in ids]
        return httpx.Response(200, json={"items": items})

    ids = [f"dfl-{n:04d}" for n in range(250)]
    async with ExtractClient("k", "https://x.test", transport=httpx.MockTransport(files)) as c:
        found = await c.get_files([*ids, *ids[:10]])
    assert [len(batch) for batch in asked] == [FILE_BATCH, FILE_BATCH, 50]
    assert set(found) == set(ids) and found["dfl-0007"].name == "dfl-0007.pdf"


async def test_a_page_of_jobs_is_named_in_one_files_request(sim: SimServer, client) -> None:
    page = await client.list_jobs(page_size=50)
    assert len({j.document for j in page.items}) > 10
    sim.state.reset_counters()
    names = NameBook()
    await names.resolve(client, page.items)
    files = _requests(sim, "/api/v1/beta/files")
    assert len(files) == 1 and files[0][2] == 200
    configs = _requests(sim, "/api/v1/beta/configurations")
    assert len(configs) == 1  # one listing names every saved configuration
    cited = next(j for j in page.items if j.id == sim.state.notable["invoice_cited"])
    assert cited.file_name == "invoice-2041.pdf"
    assert cited.document_label == "invoice-2041.pdf"
    assert cited.configuration_name == "Invoices — standard"
    parse_input = next(j for j in page.items if (j.document or "").startswith("pjb-"))
    assert parse_input.document_label == parse_input.document  # no file name to be had
    # names never change: asked once per session
    sim.state.reset_counters()
    again = await client.list_jobs(page_size=50)
    await names.resolve(client, again.items)
    assert _requests(sim, "/api/v1/beta/") == []
    assert next(j for j in again.items if j.id == cited.id).file_name == "invoice-2041.pdf"


@pytest.mark.parametrize("status", [403, 404])
async def test_no_names_to_be_had_shows_ids_and_nothing_fails(status: int) -> None:
    calls: list[str] = []
    job = {
        "id": "ext-1",
        "project_id": "prj-a",
        "status": "COMPLETED",
        "file_input": "dfl-1",
        "configuration_id": "cfg-1",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }

    def api(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/api/v2/extract":
            return httpx.Response(200, json={"items": [job]})
        return httpx.Response(status, json={"detail": "nope"})

    transport = httpx.MockTransport(api)
    async with ExtractClient("k", "https://x.test", transport=transport, retry=FAST) as c:
        source = ApiJobSource(c)
        page = await source.page("prj-a", None, 20)
        assert await source.name(page.items) is False
        assert page.items[0].document_label == "dfl-1"
        assert page.items[0].configuration_name is None
        assert "/api/v1/beta/files" in calls
        calls.clear()
        again = await source.page("prj-a", None, 20)
        assert await source.name(again.items) is False
    # the endpoints that refused are not asked again this session
    assert calls == ["/api/v2/extract"]


async def test_a_key_that_may_not_list_projects_still_shows_its_default_project() -> None:
    with SimServer(SimConfig(seed=7, key_kind="organization", big_rows=200)) as sim:
        async with ExtractClient("k", sim.url, retry=FAST) as c:
            source = ApiJobSource(c)
            projects = await source.projects()
            assert [p.id for p in projects] == [KEY_PROJECT]
            assert source.notes == [PROJECTS_HIDDEN]
            assert "LLAMA_CLOUD_ORGANIZATION_ID" in PROJECTS_HIDDEN
            page = await source.page(KEY_PROJECT, None, 20)
            assert page.items
            assert await source.name(page.items)
            assert {j.project_id for j in page.items} == {sim.state.default_project.id}
            assert any(j.file_name for j in page.items)


async def test_jobs_of_other_projects_are_found_and_acted_on_in_their_project(
    sim: SimServer, client
) -> None:
    source = ApiJobSource(client)
    receipt = sim.state.record(sim.state.notable["receipt"])
    assert receipt is not None and receipt.project_id != sim.state.default_project.id
    job = await source.job(receipt.id)  # not in the default project: found in its own
    assert await source.name([job])
    assert job.project_id == receipt.project_id and job.file_name == "receipt-88213.jpg"
    sim.state.reset_counters()
    again = await source.job(receipt.id)  # now its project is known: one request
    assert again.id == receipt.id and again.file_name == "receipt-88213.jpg"
    gets = _requests(sim, "/api/v2/extract/")
    assert len(gets) == 1 and gets[0][2] == 200


async def test_saved_configuration_and_parse_job(sim: SimServer, client) -> None:
    rec = sim.state.record(sim.state.notable["invoice_cited"])
    assert rec is not None and rec.configuration_id
    saved = await client.get_configuration(rec.configuration_id)
    assert saved.name == "Invoices — standard"
    assert saved.parameters and saved.parameters["data_schema"]["title"] == "Invoice"
    job = await client.get_job(rec.id)
    assert job.parse_job_id
    parsed = await client.get_parse_job(job.parse_job_id, project_id=rec.project_id)
    assert parsed.job.id == job.parse_job_id
    pages = parsed.pages()
    assert [p.page_number for p in pages] == list(range(1, len(pages) + 1))
    assert pages and all(p.text for p in pages)
    assert all(p.width and p.height and p.items for p in pages)
    assert all(p.screenshot_url for p in pages)


async def test_presigned_download_carries_no_key_and_stops_at_the_cap(sim: SimServer) -> None:
    # the documents live on "another host": a second port of the simulator's storage
    headers = {"Authorization": "Bearer secret-key", "X-Custom": "also-secret"}
    with _Storage(sim.state) as storage:
        sim.state.storage_url = storage.url
        try:
            async with ExtractClient("secret-key", sim.url, headers=headers) as c:
                rec = sim.state.record(sim.state.notable["invoice_cited"])
                assert rec is not None
                url = await c.file_content_url(rec.document, project_id=rec.project_id)
                assert url.url.startswith(storage.url)
                before = sim.state.blob_requests_with_auth
                data = await c.download(url.url)
                assert data.startswith(b"%PDF-")
                assert sim.state.blob_requests_with_auth == before  # no Authorization there
                with pytest.raises(Exception, match="cap") as caught:
                    await c.download(url.url, max_bytes=len(data) // 2)
                assert "secret-key" not in str(caught.value)
        finally:
            sim.state.storage_url = None


async def test_the_download_sends_no_authorization_header_at_all() -> None:
    """Checked at the wire: whatever reaches the storage host carries no credential."""
    seen: list[httpx.Headers] = []

    def storage(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, content=b"%PDF-1.7 tiny")

    async with ExtractClient("secret-key", "https://api.x.test", headers={"X-A": "1"}) as c:
        c.download_transport = httpx.MockTransport(storage)
        assert await c.download("https://bucket.example/doc?sig=abc") == b"%PDF-1.7 tiny"
        with pytest.raises(Exception, match="not an http"):
            await c.download("file:///etc/passwd")
    assert "authorization" not in seen[0] and "x-a" not in seen[0]
    assert "secret-key" not in json.dumps(dict(seen[0]))

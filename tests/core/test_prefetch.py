"""Prefetch: the first projects and page come from the requests made while the app started."""

from __future__ import annotations

import time

import pytest

from explorer.api.client import ExtractClient
from explorer.api.errors import NetworkError
from explorer.api.retry import RetryPolicy
from explorer.core.prefetch import Prefetch
from explorer.core.source import ApiJobSource
from explorer.sim import SimConfig, SimServer


@pytest.fixture(scope="module")
def sim():
    with SimServer(SimConfig(seed=3, big_rows=200)) as server:
        yield server


def quick(url: str):
    return lambda: ExtractClient("k", url, retry=RetryPolicy(max_retries=0))


def wait_taken(source: ApiJobSource):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        got = source.take_prefetched()
        if got is not None:
            return got
        time.sleep(0.01)
    raise AssertionError("the prefetch never came in")


async def test_prefetched_projects_and_page_are_used_once(sim: SimServer) -> None:
    sim.state.reset_counters()
    source = ApiJobSource(ExtractClient("k", sim.url), prefetch=Prefetch(quick(sim.url), 20))
    projects, page = wait_taken(source)
    assert sim.state.requests == 2  # projects and the default project's first page
    assert projects[0].is_default and page is not None and len(page.items) == 20
    assert {job.project_id for job in page.items} == {projects[0].id}
    assert source.take_prefetched() is None  # once
    # Later calls go to the server.
    again = await source.page(None, None, 20)
    assert [job.id for job in again.items] == [job.id for job in page.items]
    assert sim.state.requests == 3
    await source.client.aclose()


async def test_the_prefetch_names_the_first_page(sim: SimServer) -> None:
    from explorer.core.names import NameBook

    sim.state.reset_counters()
    names = NameBook()
    prefetch = Prefetch(quick(sim.url), 20, names)
    source = ApiJobSource(ExtractClient("k", sim.url), prefetch=prefetch, names=names)
    _, page = wait_taken(source)
    assert page is not None
    paths = sorted(path for _, _, path, _ in sim.state.request_log)
    # projects, the page, one files request for the whole page, one configurations listing
    assert paths == [
        "/api/v1/beta/configurations",
        "/api/v1/beta/files",
        "/api/v2/extract",
        "/api/v2/projects",
    ]
    cited = next(job for job in page.items if job.id == sim.state.notable["invoice_cited"])
    assert cited.document_label == "invoice-2041.pdf"
    assert cited.configuration_name == "Invoices — standard"
    await source.client.aclose()


async def test_a_failed_prefetch_falls_back_to_requests_that_report_the_error() -> None:
    dead = "http://127.0.0.1:9"  # nothing listens on the discard port
    source = ApiJobSource(
        ExtractClient("k", dead, retry=RetryPolicy(max_retries=0)),
        prefetch=Prefetch(quick(dead), 20),
    )
    with pytest.raises(NetworkError):
        await source.projects()
    await source.client.aclose()

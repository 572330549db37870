"""The official SDK's own client driving the simulator through a job's whole life.

The client is built with `base_url=<sim>`, `max_retries=0` (the SDK retries 409, 429 and 5xx
with half-second backoff by default, which would hide the 409s tested here and slow everything
down) and an httpx client that ignores proxy settings (loopback only).

States are made, never assumed: jobs that must still be running live on a simulator whose clock
only moves when the test moves it; jobs that must finish use short `job_seconds` and generous
polling timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from llama_cloud import (
    AsyncLlamaCloud,
    AuthenticationError,
    ConflictError,
    LlamaCloud,
    NotFoundError,
    PollingError,
    UnprocessableEntityError,
)
from llama_cloud.types import (
    ConfigurationCreate,
    ConfigurationResponse,
    ExtractV2Job,
    ExtractV2Parameters,
    ExtractV2SchemaValidateResponse,
    FileRetrieveResponse,
    ParsingGetResponse,
    PresignedURL,
    V2ProjectGetResponse,
)

from explorer.sim import SimConfig, SimServer

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"vendor": {"type": "string"}, "total": {"type": "number"}},
    "required": ["vendor"],
}
CONFIGURATION: dict[str, Any] = {"data_schema": SCHEMA, "tier": "cost_effective"}
POLL: dict[str, Any] = {"polling_interval": 0.05, "backoff": "constant"}
WAIT = 60.0  # generous: another copy of the suite may share the two cores


class Sent(list[tuple[str, str]]):
    """The requests a client sent, as (method, path), recorded client-side as they go out (the
    simulator logs a request only after answering it, so its log may lag the client)."""

    def __call__(self, request: httpx.Request) -> None:
        self.append((request.method, request.url.path))

    def times(self, method: str, path: str) -> int:
        """How many `method path` requests were sent."""
        return sum(1 for m, p in self if m == method and p == path)


def sdk_for(
    url: str, api_key: str = "sdk-test", retries: int = 0, sent: Sent | None = None
) -> LlamaCloud:
    """The SDK's sync client pointed at `url` (noting each request in `sent`, if given)."""
    hooks = {"request": [sent]} if sent is not None else {}
    return LlamaCloud(
        api_key=api_key,
        base_url=url,
        max_retries=retries,
        timeout=60,
        http_client=httpx.Client(trust_env=False, event_hooks=hooks),
    )


class _Clock:
    """A clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def live() -> Iterator[SimServer]:
    """A simulator on the real clock (tests only add their own jobs to it)."""
    with SimServer(SimConfig(seed=7, job_seconds=0.5, big_rows=500)) as server:
        yield server


@pytest.fixture(scope="module")
def sdk(live: SimServer) -> Iterator[LlamaCloud]:
    """The SDK's client for the shared live simulator."""
    with sdk_for(live.url) as client:
        yield client


@pytest.fixture
def frozen() -> Iterator[tuple[SimServer, _Clock, LlamaCloud]]:
    """A fresh simulator whose time stands still, and an SDK client for it."""
    clock = _Clock()
    with (
        SimServer(SimConfig(seed=7, job_seconds=1.0, big_rows=500, clock=clock)) as server,
        sdk_for(server.url) as client,
    ):
        yield server, clock, client


def logged(server: SimServer, method: str, path: str, at_least: int = 1) -> int:
    """How many `method path` requests the simulator logged, waiting (up to a generous deadline)
    for at least `at_least` of them: it logs each one just after answering it."""
    deadline = time.monotonic() + 10
    while True:
        n = sum(1 for _, m, p, _ in server.state.request_log if m == method and p == path)
        if n >= at_least or time.monotonic() > deadline:
            return n
        time.sleep(0.01)


# --- create, wait, run -----------------------------------------------------------------------


def test_create_then_wait_for_completion(live: SimServer, sdk: LlamaCloud) -> None:
    job = sdk.extract.create(file_input="dfl-sdk-wait", configuration=CONFIGURATION)
    assert isinstance(job, ExtractV2Job)
    assert job.file_input == "dfl-sdk-wait" and job.status in ("PENDING", "RUNNING")
    done = sdk.extract.wait_for_completion(job.id, timeout=WAIT, **POLL)
    assert done.id == job.id and done.status == "COMPLETED"
    assert isinstance(done.extract_result, dict)
    assert set(done.extract_result) <= set(SCHEMA["properties"])
    assert "vendor" in done.extract_result
    assert logged(live, "GET", f"/api/v2/extract/{job.id}") >= 1  # it went over the wire

    full = sdk.extract.get(job.id, expand=["configuration", "extract_metadata", "usage"])
    assert full.configuration is not None
    assert full.configuration.data_schema == SCHEMA
    assert full.configuration.tier == "cost_effective"
    assert full.extract_metadata is not None
    assert str(full.extract_metadata.parse_job_id).startswith("pjb-")
    assert full.usage is not None and full.usage.credits is not None
    plain = sdk.extract.get(job.id)
    assert plain.configuration is None and plain.usage is None


def test_run_creates_and_waits(sdk: LlamaCloud) -> None:
    done = sdk.extract.run(
        file_input="dfl-sdk-run", configuration=CONFIGURATION, polling_timeout=WAIT, **POLL
    )
    assert done.status == "COMPLETED" and done.file_input == "dfl-sdk-run"
    assert isinstance(done.extract_result, dict)


def test_run_with_a_saved_configuration(live: SimServer, sdk: LlamaCloud) -> None:
    saved = next(iter(live.state.configurations))
    done = sdk.extract.run(
        file_input="dfl-sdk-saved", configuration_id=saved, polling_timeout=WAIT, **POLL
    )
    assert done.status == "COMPLETED" and done.configuration_id == saved


def test_waiting_for_a_failing_job_raises(sdk: LlamaCloud) -> None:
    job = sdk.extract.create(file_input="dfl-sdk-fail", configuration=CONFIGURATION)
    with pytest.raises(PollingError, match="FAILED") as caught:
        sdk.extract.wait_for_completion(job.id, timeout=WAIT, **POLL)
    failed = sdk.extract.get(job.id)
    assert failed.status == "FAILED" and failed.error_message
    assert failed.error_message in str(caught.value)


async def test_the_async_client_runs_a_job(live: SimServer) -> None:
    async with AsyncLlamaCloud(
        api_key="sdk-test",
        base_url=live.url,
        max_retries=0,
        http_client=httpx.AsyncClient(trust_env=False),
    ) as client:
        job = await client.extract.create(file_input="dfl-sdk-async", configuration=CONFIGURATION)
        done = await client.extract.wait_for_completion(job.id, timeout=WAIT, **POLL)
        assert done.status == "COMPLETED"
        page = await client.extract.list(job_ids=[job.id], page_size=5)
        assert [j.id for j in page.items] == [job.id]


# --- cancel and delete -----------------------------------------------------------------------


def test_cancel_a_pending_job_then_409_when_finished(
    frozen: tuple[SimServer, _Clock, LlamaCloud],
) -> None:
    _server, clock, sdk = frozen
    job = sdk.extract.create(file_input="dfl-sdk-cancel", configuration=CONFIGURATION)
    assert sdk.extract.get(job.id).status == "PENDING"  # the clock stands still
    cancelled = sdk.extract.cancel(job.id)
    assert isinstance(cancelled, ExtractV2Job)
    assert cancelled.id == job.id and cancelled.status == "CANCELLED"
    with pytest.raises(ConflictError):
        sdk.extract.cancel(job.id)  # CANCELLED is terminal

    other = sdk.extract.create(file_input="dfl-sdk-finish", configuration=CONFIGURATION)
    clock.t += 5.0  # job_seconds is 1
    assert sdk.extract.get(other.id).status == "COMPLETED"
    with pytest.raises(ConflictError) as caught:
        sdk.extract.cancel(other.id)
    assert caught.value.status_code == 409
    assert isinstance(caught.value.body, dict) and caught.value.body.get("detail")
    assert sdk.extract.get(other.id).status == "COMPLETED"


def test_the_default_sdk_retries_a_409(frozen: tuple[SimServer, _Clock, LlamaCloud]) -> None:
    """Worth knowing: the SDK treats 409 as retryable (a lock timeout), so with retries on, a
    cancel of a finished job is sent again before the ConflictError surfaces."""
    server, clock, sdk = frozen
    job = sdk.extract.create(file_input="dfl-sdk-retry", configuration=CONFIGURATION)
    clock.t += 5.0
    sent = Sent()
    with sdk_for(server.url, retries=1, sent=sent) as retrying, pytest.raises(ConflictError):
        retrying.extract.cancel(job.id)
    assert sent.times("POST", f"/api/v2/extract/{job.id}/cancel") == 2
    assert logged(server, "POST", f"/api/v2/extract/{job.id}/cancel", at_least=2) == 2


def test_delete_refuses_a_running_job_without_force(
    frozen: tuple[SimServer, _Clock, LlamaCloud],
) -> None:
    _server, clock, sdk = frozen
    job = sdk.extract.create(file_input="dfl-sdk-delete", configuration=CONFIGURATION)
    clock.t += 0.5  # past PENDING (20%), not done
    assert sdk.extract.get(job.id).status == "RUNNING"
    with pytest.raises(ConflictError):
        sdk.extract.delete(job.id)
    assert sdk.extract.get(job.id).status == "RUNNING"  # still there
    sdk.extract.delete(job.id, force=True)
    with pytest.raises(NotFoundError):
        sdk.extract.get(job.id)


def test_delete_a_finished_job(frozen: tuple[SimServer, _Clock, LlamaCloud]) -> None:
    _server, clock, sdk = frozen
    job = sdk.extract.create(file_input="dfl-sdk-gone", configuration=CONFIGURATION)
    clock.t += 5.0
    assert sdk.extract.get(job.id).status == "COMPLETED"
    sdk.extract.delete(job.id)
    with pytest.raises(NotFoundError):
        sdk.extract.get(job.id)
    assert job.id not in {j.id for j in sdk.extract.list(page_size=100)}


# --- schemas ---------------------------------------------------------------------------------


def test_validate_schema(sdk: LlamaCloud) -> None:
    answer = sdk.extract.validate_schema(data_schema=SCHEMA)
    assert isinstance(answer, ExtractV2SchemaValidateResponse)
    assert isinstance(answer.data_schema, dict)
    assert set(answer.data_schema["properties"]) == {"vendor", "total"}  # type: ignore[arg-type]
    with pytest.raises(UnprocessableEntityError):
        sdk.extract.validate_schema(data_schema={"type": "bogus"})


def test_generate_schema(sdk: LlamaCloud) -> None:
    created = sdk.extract.generate_schema(prompt="receipts: merchant, date and total paid")
    assert isinstance(created, ConfigurationCreate)
    assert isinstance(created.name, str) and created.name
    assert isinstance(created.parameters, ExtractV2Parameters), type(created.parameters)
    assert created.parameters.product_type == "extract_v2"
    assert isinstance(created.parameters.data_schema.get("properties"), dict)
    # what it generates is usable as is
    sdk.extract.validate_schema(data_schema=created.parameters.data_schema)
    named = sdk.extract.generate_schema(prompt="an invoice", name="Invoices v2")
    assert named.name == "Invoices v2"


# --- listing ---------------------------------------------------------------------------------


def test_projects_across_pages(live: SimServer) -> None:
    sent = Sent()
    with sdk_for(live.url, sent=sent) as sdk:
        projects = list(sdk.v2_projects.list(page_size=1))
        assert sorted(p.id for p in projects) == sorted(live.state.projects)
        assert sent.times("GET", "/api/v2/projects") >= len(live.state.projects)  # pages
        _check_each_project(sdk, projects)


def _check_each_project(sdk: LlamaCloud, projects: list[Any]) -> None:
    """Each listed project, fetched by id, is the same project."""
    for p in projects:
        got = sdk.v2_projects.get(p.id)
        assert isinstance(got, V2ProjectGetResponse)
        assert (got.id, got.name, got.organization_id) == (p.id, p.name, p.organization_id)


def test_jobs_across_pages(live: SimServer, sdk: LlamaCloud) -> None:
    project = next(p for p in live.state.projects.values() if not p.is_default)
    first = sdk.extract.list(project_id=project.id, page_size=4)
    assert first.has_next_page()
    ids = [j.id for j in sdk.extract.list(project_id=project.id, page_size=4)]
    assert len(ids) == len(set(ids)) and len(ids) > 4
    assert all(j.project_id == project.id for j in first.items)


# --- files, configurations, parse jobs -------------------------------------------------------


def world_job(live: SimServer, sdk: LlamaCloud, role: str, **kwargs: Any) -> ExtractV2Job:
    """A notable job of the seeded world (from its own project: job routes are scoped)."""
    rec = live.state.record(live.state.notable[role])
    assert rec is not None, role
    return sdk.extract.get(rec.id, project_id=rec.project_id, **kwargs)


def test_files(live: SimServer, sdk: LlamaCloud) -> None:
    job = world_job(live, sdk, "invoice_cited")
    assert job.file_input.startswith("dfl-")
    file_id, project_id = job.file_input, job.project_id
    got = sdk.files.retrieve(file_id, project_id=project_id)
    assert isinstance(got, FileRetrieveResponse)
    assert got.id == file_id and got.project_id == project_id and got.name
    listed = list(sdk.files.list(file_ids=[file_id], project_id=project_id))
    assert [f.id for f in listed] == [file_id]
    assert listed[0].name == got.name
    url = sdk.files.content(file_id, project_id=project_id)
    assert isinstance(url, PresignedURL) and url.url and url.expires_at is not None


def test_configurations(live: SimServer, sdk: LlamaCloud) -> None:
    listed = {c.id: c for c in sdk.configurations.list(page_size=2)}
    assert set(live.state.configurations) <= set(listed)
    for cfg_id in live.state.configurations:
        got = sdk.configurations.retrieve(cfg_id)
        assert isinstance(got, ConfigurationResponse)
        assert got.id == cfg_id and got.product_type == "extract_v2"
        assert isinstance(got.parameters, ExtractV2Parameters), type(got.parameters)
        assert got.name == listed[cfg_id].name


@pytest.mark.parametrize(
    "expand", ["text", "markdown", "items", "metadata", "images_content_metadata"]
)
def test_parse_job_of_an_extraction(live: SimServer, sdk: LlamaCloud, expand: str) -> None:
    job = world_job(live, sdk, "invoice_cited", expand=["extract_metadata"])
    assert job.status == "COMPLETED" and job.extract_metadata is not None
    pjb = job.extract_metadata.parse_job_id
    assert pjb and pjb.startswith("pjb-")
    got = sdk.parsing.get(pjb, expand=[expand], project_id=job.project_id)
    assert isinstance(got, ParsingGetResponse)
    assert got.job.id == pjb and got.job.status == "COMPLETED"
    assert getattr(got, expand) is not None, f"expand={expand} left `{expand}` empty"
    if expand in ("text", "markdown", "items"):
        assert len(getattr(got, expand).pages) >= 1


# --- errors the SDK raises -------------------------------------------------------------------


def test_errors_map_to_the_sdk_exceptions(sdk: LlamaCloud) -> None:
    with pytest.raises(NotFoundError):
        sdk.extract.get("ext-00000000-0000-0000-0000-000000000000")
    with pytest.raises(UnprocessableEntityError) as caught:
        sdk.extract.create(file_input="not-a-file", configuration=CONFIGURATION)
    assert isinstance(caught.value.body, dict) and "detail" in caught.value.body
    with pytest.raises(UnprocessableEntityError):
        sdk.extract.list(page_size=0)


def test_a_wrong_key_is_an_authentication_error() -> None:
    keyed = SimConfig(seed=7, job_seconds=0.5, big_rows=500, api_key="the-right-key")
    with SimServer(keyed) as server:
        with (
            sdk_for(server.url, api_key="the-wrong-key") as wrong,
            pytest.raises(AuthenticationError),
        ):
            wrong.extract.list()
        with sdk_for(server.url, api_key="the-right-key") as right:
            assert right.extract.list(page_size=1).items


# --- through the strict twin -----------------------------------------------------------------


def test_the_lifecycle_works_on_only_what_the_sdk_declares(strict_sim: Any) -> None:
    """Behind the twin the SDK gets nothing it doesn't declare, as from the real API."""
    with sdk_for(strict_sim.url) as sdk:
        done = sdk.extract.run(
            file_input="dfl-sdk-twin", configuration=CONFIGURATION, polling_timeout=WAIT, **POLL
        )
        assert done.status == "COMPLETED" and isinstance(done.extract_result, dict)
        full = sdk.extract.get(done.id, expand=["configuration", "extract_metadata", "usage"])
        assert full.configuration is not None and full.configuration.data_schema == SCHEMA
        assert full.model_extra == {} and full.configuration.model_extra == {}
        listed = list(sdk.extract.list(page_size=10))
        assert done.id in {j.id for j in listed}
    assert logged(strict_sim.sim, "POST", "/api/v2/extract") == 1  # through the twin, once

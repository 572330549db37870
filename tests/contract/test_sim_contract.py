"""The simulator against the official SDK's models, over plain httpx on loopback.

Every response is checked with `tests.contract.oracle` (validates, validates strictly, declares
every key), against the model the SDK's own resource method casts that route to. Failures name
the endpoint, the path inside the JSON and what the SDK expects, grouped across jobs.

The read-only world is shared per module; tests that create, cancel or delete use their own
simulator on a manual clock, so no job is ever assumed to be still running or already done.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pydantic
import pytest
from llama_cloud.pagination import SyncPaginatedCursor
from llama_cloud.types import (
    ConfigurationCreate,
    ConfigurationResponse,
    ExtractV2Job,
    ExtractV2JobQueryResponse,
    ExtractV2Parameters,
    ExtractV2SchemaValidateResponse,
    FileListResponse,
    FileRetrieveResponse,
    ParsingGetResponse,
    PresignedURL,
    V2ProjectGetResponse,
    V2ProjectListResponse,
)

from explorer.sim import SimConfig, SimServer
from explorer.sim.world import HISTORY
from tests.contract.oracle import assert_declared, normalise, problems, summarise

AUTH = {"Authorization": "Bearer contract-test"}
EXPANDABLE = ("configuration", "extract_metadata", "usage")
EXPANDS: list[tuple[str, ...]] = [(), *((e,) for e in EXPANDABLE), EXPANDABLE]
PARSE_EXPANDS = (None, "text", "markdown", "items", "metadata", "images_content_metadata")
PAGE_SIZE = 9

ProjectPage = SyncPaginatedCursor[V2ProjectListResponse]
FilePage = SyncPaginatedCursor[FileListResponse]
ConfigurationPage = SyncPaginatedCursor[ConfigurationResponse]

# Where the published reference (shape "seed") and the SDK disagree, by design of that shape:
# (normalised path, start of the problem). Anything else in a seed-shape job is a real failure.
SEED_DIFFERENCES = (
    (".file_input", "Field required"),  # the reference calls it document_input_value
    (".document_input_value", "not declared by ExtractV2Job"),
    (".configuration.extract_version", "not declared by ExtractConfiguration"),  # now `version`
    (".configuration.lang", "not declared by ExtractConfiguration"),
    (".metadata.usage.num_document_tokens", "not declared by ExtractJobUsage"),
    (".metadata.usage.num_output_tokens", "not declared by ExtractJobUsage"),
)


# --- fixtures and helpers --------------------------------------------------------------------


def _client(server: SimServer) -> httpx.Client:
    """A plain httpx client for `server` with a token (any works), ignoring proxy settings."""
    return httpx.Client(base_url=server.url, headers=AUTH, timeout=60, trust_env=False)


@pytest.fixture(scope="module")
def current() -> Iterator[SimServer]:
    """The default world, shape "current" (read-only: tests must not change it)."""
    with SimServer(SimConfig(seed=7, job_seconds=0.6, big_rows=2_000)) as server:
        yield server


@pytest.fixture(scope="module")
def seed() -> Iterator[SimServer]:
    """The same world in the published reference's field names (read-only)."""
    with SimServer(SimConfig(seed=7, shape="seed", job_seconds=0.6, big_rows=2_000)) as server:
        yield server


@pytest.fixture(scope="module", params=["current", "seed"])
def any_shape(request: pytest.FixtureRequest) -> SimServer:
    """Either world: for the endpoints around the job, which both shapes share."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def http(current: SimServer) -> Iterator[httpx.Client]:
    """A client for the shared current-shape world."""
    with _client(current) as c:
        yield c


class _Clock:
    """A clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def frozen() -> Iterator[tuple[SimServer, _Clock]]:
    """A fresh simulator whose time stands still until the test advances `clock.t`."""
    clock = _Clock()
    with SimServer(SimConfig(seed=7, job_seconds=1.0, big_rows=500, clock=clock)) as server:
        yield server, clock


def get_json(client: httpx.Client, path: str, params: Any = None, status: int = 200) -> Any:
    """GET `path` and return its JSON, failing with the endpoint named on a wrong status."""
    r = client.get(path, params=params)
    assert r.status_code == status, f"GET {r.request.url}: {r.status_code} {r.text[:300]}"
    return r.json()


def post_json(client: httpx.Client, path: str, body: Any = None, status: int = 200) -> Any:
    """POST `body` to `path` and return the JSON answer."""
    r = client.post(path, json=body)
    assert r.status_code == status, f"POST {r.request.url}: {r.status_code} {r.text[:300]}"
    return r.json()


def expand_params(expand: tuple[str, ...]) -> list[tuple[str, str]]:
    """`expand` as the SDK sends it: one repeated query parameter per value."""
    return [("expand", e) for e in expand]


def list_all(client: httpx.Client, project_id: str, expand: tuple[str, ...] = ()) -> list[Any]:
    """Every page of a project's jobs, raw, following `next_page_token`."""
    pages: list[Any] = []
    token: str | None = None
    while True:
        params = [("project_id", project_id), ("page_size", str(PAGE_SIZE))]
        params += expand_params(expand)
        if token:
            params.append(("page_token", token))
        page = get_json(client, "/api/v2/extract", params)
        pages.append(page)
        token = page.get("next_page_token") if isinstance(page, dict) else None
        if not token:
            return pages
        assert len(pages) < 500, "paging never ends"


#: The Claims pipeline's jobs are hundreds (explorer.sim.history), made as the others are: the
#: per-job walks take every one not COMPLETED and one COMPLETED in this many. The list page
#: tests show every one of them, in every expand.
HISTORY_SAMPLE = 8


def world_jobs(server: SimServer, client: httpx.Client) -> list[dict[str, Any]]:
    """Every job of every project (as the list returns them, unexpanded; the history's
    COMPLETED jobs sampled)."""
    jobs = []
    for project_id, project in server.state.projects.items():
        completed = 0
        for page in list_all(client, project_id):
            for job in page["items"]:
                if project.name == HISTORY and job["status"] == "COMPLETED":
                    completed += 1
                    if completed % HISTORY_SAMPLE:
                        continue
                jobs.append(job)
    assert len(jobs) > 20, "the world should have dozens of jobs"
    return jobs


def project_of(server: SimServer, job_id: str) -> str:
    """The project a world job lives in (job routes are project-scoped, like the API's)."""
    rec = server.state.record(job_id)
    assert rec is not None, job_id
    return rec.project_id


def document_of(job: dict[str, Any]) -> str:
    """The job's input in either shape's name."""
    return job.get("file_input") or job["document_input_value"]


def fail_with(found: list[tuple[str, str]], what: str) -> None:
    """Fail listing every problem (grouped) if there are any."""
    if found:
        pytest.fail(f"{what}: {len(found)} problem(s)\n{summarise(found)}", pytrace=False)


def check(found: list[tuple[str, str]], where: str, data: Any, model: type) -> None:
    """Add the oracle's problems with `data` to `found`."""
    found.extend((where, p) for p in problems(data, model))


def behaviour(job: dict[str, Any], expand: tuple[str, ...]) -> list[str]:
    """What the SDK's docs promise about `expand`, as problems (empty when all is well)."""
    out = []
    status = job.get("status")
    if "configuration" in expand and not job.get("configuration"):
        out.append("behaviour: expand=configuration but `configuration` is empty")
    for name in EXPANDABLE:
        if name not in expand and job.get(name) is not None:
            out.append(f"behaviour: `{name}` is set although not expanded")
    if "usage" in expand and status == "COMPLETED" and job.get("usage") is None:
        out.append("behaviour: expand=usage on a COMPLETED job but `usage` is null")
    meta = job.get("extract_metadata") or {}
    pjb = str(meta.get("parse_job_id") or "")
    if "extract_metadata" in expand and status == "COMPLETED" and not pjb.startswith("pjb-"):
        out.append("behaviour: a COMPLETED job's extract_metadata has no pjb- parse_job_id")
    return out


def seed_leftovers(found: list[str]) -> list[str]:
    """The problems of a seed-shape job that `SEED_DIFFERENCES` doesn't explain."""

    def known(problem: str) -> bool:
        path, _, what = normalise(problem).partition(": ")
        path = path.removeprefix(".items[*]")
        return any(path == p and what.startswith(w) for p, w in SEED_DIFFERENCES)

    return [p for p in found if not known(p)]


def seed_to_current(job: dict[str, Any]) -> dict[str, Any]:
    """A seed-shape job under the SDK's names, dropping what the SDK has no name for."""
    out = {k: v for k, v in job.items() if k != "document_input_value"}
    out["file_input"] = job["document_input_value"]
    cfg = job.get("configuration")
    if isinstance(cfg, dict):
        cfg = {k: v for k, v in cfg.items() if k not in ("extract_version", "lang")}
        out["configuration"] = cfg | {"version": job["configuration"].get("extract_version")}
    usage = (job.get("metadata") or {}).get("usage")
    if isinstance(usage, dict):
        kept = {k: v for k, v in usage.items() if not k.startswith(("num_document", "num_output"))}
        out["metadata"] = job["metadata"] | {"usage": kept}
    return out


# --- extraction jobs -------------------------------------------------------------------------


@pytest.mark.parametrize("expand", EXPANDS, ids=lambda e: "+".join(e) or "none")
def test_every_world_job_matches_the_sdk(
    current: SimServer, http: httpx.Client, expand: tuple[str, ...]
) -> None:
    found: list[tuple[str, str]] = []
    for job in world_jobs(current, http):
        params = [("project_id", job["project_id"]), *expand_params(expand)]
        got = get_json(http, f"/api/v2/extract/{job['id']}", params)
        where = f"GET /api/v2/extract/{job['id']}"
        check(found, where, got, ExtractV2Job)
        found.extend((where, p) for p in behaviour(got, expand))
    fail_with(found, f"GET /api/v2/extract/{{id}} expand={list(expand)} vs ExtractV2Job")


@pytest.mark.parametrize("expand", EXPANDS, ids=lambda e: "+".join(e) or "none")
def test_every_list_page_matches_the_sdk(
    current: SimServer, http: httpx.Client, expand: tuple[str, ...]
) -> None:
    found: list[tuple[str, str]] = []
    for project_id in current.state.projects:
        pages = list_all(http, project_id, expand)
        seen: list[str] = []
        for n, page in enumerate(pages):
            where = f"GET /api/v2/extract?project_id={project_id} page {n}"
            check(found, where, page, ExtractV2JobQueryResponse)
            seen.extend(item["id"] for item in page["items"])
            found.extend((where, p) for item in page["items"] for p in behaviour(item, expand))
        assert len(seen) == len(set(seen)), f"{project_id}: a job shows on two pages"
        assert pages[-1].get("next_page_token") is None
        total = pages[0].get("total_size")
        assert total is None or total == len(seen), f"total_size {total} but {len(seen)} jobs"
    fail_with(found, f"GET /api/v2/extract expand={list(expand)} vs ExtractV2JobQueryResponse")


@pytest.mark.parametrize("expand", EXPANDS, ids=lambda e: "+".join(e) or "none")
def test_seed_jobs_differ_from_the_sdk_only_where_the_reference_does(
    seed: SimServer, expand: tuple[str, ...]
) -> None:
    """The SDK can't read the seed shape (`document_input_value`, no `file_input`): check that
    those documented renames are the only differences, and that the rest is what the SDK
    declares once they are translated."""
    found: list[tuple[str, str]] = []
    with _client(seed) as client:
        for job in world_jobs(seed, client):
            params = [("project_id", job["project_id"]), *expand_params(expand)]
            got = get_json(client, f"/api/v2/extract/{job['id']}", params)
            where = f"GET /api/v2/extract/{job['id']} (seed)"
            leftovers = seed_leftovers(problems(got, ExtractV2Job))
            translated = problems(seed_to_current(got), ExtractV2Job)
            found.extend((where, p) for p in leftovers)
            found.extend((f"{where}, translated", p) for p in translated if p not in leftovers)
    fail_with(found, f"seed shape expand={list(expand)}: beyond the reference's known renames")


def test_seed_list_pages_differ_only_where_the_reference_does(seed: SimServer) -> None:
    found: list[tuple[str, str]] = []
    with _client(seed) as client:
        for project_id in seed.state.projects:
            for n, page in enumerate(list_all(client, project_id, EXPANDABLE)):
                where = f"GET /api/v2/extract?project_id={project_id} page {n} (seed)"
                leftovers = seed_leftovers(problems(page, ExtractV2JobQueryResponse))
                translated = page | {"items": [seed_to_current(i) for i in page["items"]]}
                again = problems(translated, ExtractV2JobQueryResponse)
                found.extend((where, p) for p in leftovers)
                found.extend((f"{where}, translated", p) for p in again if p not in leftovers)
    fail_with(found, "seed shape list pages: beyond the reference's known renames")


def test_the_published_example_differs_from_the_sdk_exactly_by_the_known_renames(
    seed_job: dict[str, Any],
) -> None:
    found = problems(seed_job, ExtractV2Job)
    assert seed_leftovers(found) == []
    explained = {(normalise(p).partition(": ")[0]) for p in found}
    assert explained == {path for path, _ in SEED_DIFFERENCES}
    assert_declared(seed_to_current(seed_job), ExtractV2Job)


# --- projects --------------------------------------------------------------------------------


def test_projects_are_a_cursor_page(any_shape: SimServer) -> None:
    found: list[tuple[str, str]] = []
    ids: list[str] = []
    token: str | None = None
    with _client(any_shape) as client:
        for n in range(50):
            params = {"page_size": 1} | ({"page_token": token} if token else {})
            page = get_json(client, "/api/v2/projects", params)
            where = f"GET /api/v2/projects page {n}"
            check(found, where, page, ProjectPage)
            if not isinstance(page, dict):
                break  # a bare list (not a page) is reported above; nothing to follow
            ids.extend(p["id"] for p in page["items"])
            token = page.get("next_page_token")
            if not token:
                break
    fail_with(found, "GET /api/v2/projects vs SyncPaginatedCursor[V2ProjectListResponse]")
    assert sorted(ids) == sorted(any_shape.state.projects), "each project once, over the pages"
    assert len(ids) > 1, "page_size=1 should have taken several pages"


def test_projects_of_one_organization(current: SimServer, http: httpx.Client) -> None:
    org = current.state.default_project.organization_id
    page = get_json(http, "/api/v2/projects", {"organization_id": org, "page_size": 100})
    assert_declared(page, ProjectPage, "GET /api/v2/projects?organization_id=")
    expected = {p.id for p in current.state.projects.values() if p.organization_id == org}
    assert {p["id"] for p in page["items"]} == expected


def test_each_project_matches_the_sdk(any_shape: SimServer) -> None:
    found: list[tuple[str, str]] = []
    with _client(any_shape) as client:
        for project_id in any_shape.state.projects:
            got = get_json(client, f"/api/v2/projects/{project_id}")
            check(found, f"GET /api/v2/projects/{project_id}", got, V2ProjectGetResponse)
            assert got["id"] == project_id
    fail_with(found, "GET /api/v2/projects/{id} vs V2ProjectGetResponse")


# --- files -----------------------------------------------------------------------------------


def _files_by_project(server: SimServer, client: httpx.Client) -> dict[str, set[str]]:
    """The `dfl-` files the world's jobs ran on, by project."""
    out: dict[str, set[str]] = {}
    for job in world_jobs(server, client):
        if document_of(job).startswith("dfl-"):
            out.setdefault(job["project_id"], set()).add(document_of(job))
    assert out, "the world's jobs run on files"
    return out


def test_every_file_matches_the_sdk(any_shape: SimServer) -> None:
    found: list[tuple[str, str]] = []
    with _client(any_shape) as client:
        for project_id, file_ids in _files_by_project(any_shape, client).items():
            for file_id in sorted(file_ids):
                where = f"GET /api/v1/beta/files/{file_id}"
                got = get_json(client, f"/api/v1/beta/files/{file_id}", {"project_id": project_id})
                check(found, where, got, FileRetrieveResponse)
                if got.get("id") != file_id or got.get("project_id") != project_id:
                    found.append((where, f"behaviour: id/project_id {got.get('id')}"))
    fail_with(found, "GET /api/v1/beta/files/{id} vs FileRetrieveResponse")


def test_files_list_by_ids(any_shape: SimServer) -> None:
    found: list[tuple[str, str]] = []
    with _client(any_shape) as client:
        for project_id, file_ids in _files_by_project(any_shape, client).items():
            wanted = sorted(file_ids)[:5]
            params = [("project_id", project_id), *(("file_ids", f) for f in wanted)]
            page = get_json(client, "/api/v1/beta/files", params)
            check(found, f"GET /api/v1/beta/files?file_ids=... ({project_id})", page, FilePage)
            got = sorted(f["id"] for f in page["items"]) if isinstance(page, dict) else []
            assert got == wanted, f"file_ids filter: asked {wanted}, got {got}"
    fail_with(found, "GET /api/v1/beta/files vs SyncPaginatedCursor[FileListResponse]")


def test_file_content_is_a_presigned_url(current: SimServer, http: httpx.Client) -> None:
    project_id, file_ids = next(iter(_files_by_project(current, http).items()))
    file_id = sorted(file_ids)[0]
    got = get_json(http, f"/api/v1/beta/files/{file_id}/content", {"project_id": project_id})
    url = assert_declared(got, PresignedURL, f"GET /api/v1/beta/files/{file_id}/content").url
    body = fetch_presigned(url)
    assert body is None or body, "the file has bytes"


def fetch_presigned(url: str) -> bytes | None:
    """The bytes behind a presigned URL, fetched without the API key (a presigned URL carries
    its own authority); None, unfetched, for a URL off this machine (nothing leaves it)."""
    host = urlsplit(url).hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        return None
    with httpx.Client(timeout=30, trust_env=False) as anonymous:
        r = anonymous.get(url)
    assert r.status_code == 200, f"presigned URL {url} without the API key: {r.status_code}"
    return r.content


# --- saved configurations --------------------------------------------------------------------


def _all_configurations(client: httpx.Client, params: dict[str, str]) -> list[Any]:
    """Every page of the saved configurations in a scope, raw (two to a page)."""
    pages, token = [], None
    for _ in range(100):
        query = params | {"page_size": "2"} | ({"page_token": token} if token else {})
        page = get_json(client, "/api/v1/beta/configurations", query)
        pages.append(page)
        token = page.get("next_page_token") if isinstance(page, dict) else None
        if not token:
            break
    return pages


def test_saved_configurations_match_the_sdk(any_shape: SimServer) -> None:
    found: list[tuple[str, str]] = []
    listed: dict[str, Any] = {}
    with _client(any_shape) as client:
        scopes = [{}] + [{"project_id": p} for p in any_shape.state.projects]
        for scope in scopes:
            for n, page in enumerate(_all_configurations(client, scope)):
                where = f"GET /api/v1/beta/configurations {scope} page {n}"
                check(found, where, page, ConfigurationPage)
                if isinstance(page, dict):
                    listed.update((c["id"], c) for c in page["items"])
        used = {
            j["configuration_id"]: j
            for j in world_jobs(any_shape, client)
            if j.get("configuration_id")
        }
        assert used, "some world jobs run a saved configuration"
        missing = sorted(set(used) - set(listed))
        assert not missing, f"configurations jobs use but no list shows: {missing}"
        for cfg_id, job in sorted(used.items()):
            where = f"GET /api/v1/beta/configurations/{cfg_id}"
            got = get_json(client, f"/api/v1/beta/configurations/{cfg_id}")
            check(found, where, got, ConfigurationResponse)
            try:
                saved = ConfigurationResponse.model_validate(got)
            except pydantic.ValidationError:
                continue
            if not isinstance(saved.parameters, ExtractV2Parameters):
                found.append((where, f"parameters are {type(saved.parameters).__name__}"))
                continue
            params = {"expand": "configuration", "project_id": job["project_id"]}
            full = get_json(client, f"/api/v2/extract/{job['id']}", params)
            if saved.parameters.data_schema != full["configuration"]["data_schema"]:
                found.append((where, "behaviour: data_schema differs from the job's"))
    fail_with(found, "GET /api/v1/beta/configurations[/{id}] vs ConfigurationResponse")


# --- parse jobs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parse_jobs(current: SimServer, http: httpx.Client) -> list[tuple[str, str, str]]:
    """(parse job id, project id, extraction status) of every world job that has one."""
    out = []
    for job in world_jobs(current, http):
        params = {"expand": "extract_metadata", "project_id": job["project_id"]}
        full = get_json(http, f"/api/v2/extract/{job['id']}", params)
        pjb = (full.get("extract_metadata") or {}).get("parse_job_id")
        if pjb:
            out.append((pjb, job["project_id"], full["status"]))
    assert len(out) > 20, "most world jobs went through a parse job"
    return out


@pytest.mark.parametrize("expand", PARSE_EXPANDS, ids=lambda e: e or "none")
def test_every_parse_job_matches_the_sdk(
    http: httpx.Client, parse_jobs: list[tuple[str, str, str]], expand: str | None
) -> None:
    found: list[tuple[str, str]] = []
    fetched_image = False  # one image's presigned URL is enough to prove they work
    for pjb, project_id, extract_status in parse_jobs:
        params = {"project_id": project_id} | ({"expand": expand} if expand else {})
        where = f"GET /api/v2/parse/{pjb}"
        got = get_json(http, f"/api/v2/parse/{pjb}", params)
        check(found, where, got, ParsingGetResponse)
        job = got.get("job") if isinstance(got, dict) else None
        if not isinstance(job, dict) or job.get("id") != pjb:
            found.append((where, "behaviour: `job.id` is not the parse job asked for"))
            continue
        done = job.get("status") == "COMPLETED"
        if expand and done and got.get(expand) is None:
            found.append((where, f"behaviour: expand={expand} on a COMPLETED parse job: null"))
        images = (got.get("images_content_metadata") or {}).get("images") or []
        if images and not fetched_image:
            fetched_image = bool(fetch_presigned(images[0]["presigned_url"]))
        if extract_status == "COMPLETED" and not done:
            found.append((where, f"behaviour: extraction COMPLETED, its parse {job.get('status')}"))
    fail_with(found, f"GET /api/v2/parse/{{id}} expand={expand} vs ParsingGetResponse")
    if expand == "images_content_metadata":
        assert fetched_image, "no parse job's image had a presigned URL that works"


# --- schema endpoints ------------------------------------------------------------------------

SCHEMA = {
    "type": "object",
    "properties": {"vendor": {"type": "string"}, "total": {"type": "number"}},
    "required": ["vendor"],
}


def test_schema_validation_matches_the_sdk(http: httpx.Client) -> None:
    got = post_json(http, "/api/v2/extract/schema/validation", {"data_schema": SCHEMA})
    answer = assert_declared(got, ExtractV2SchemaValidateResponse, "schema/validation")
    assert set(answer.data_schema["properties"]) == {"vendor", "total"}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [
        {"prompt": "invoices: vendor, invoice number, line items and the total"},
        {"prompt": "a receipt", "name": "My receipts"},
        {"data_schema": SCHEMA},
    ],
    ids=["prompt", "prompt+name", "data_schema"],
)
def test_schema_generation_is_a_configuration_create(
    http: httpx.Client, body: dict[str, Any]
) -> None:
    got = post_json(http, "/api/v2/extract/schema/generate", body)
    created = assert_declared(got, ConfigurationCreate, "POST /api/v2/extract/schema/generate")
    assert isinstance(created.parameters, ExtractV2Parameters), type(created.parameters)
    assert created.parameters.product_type == "extract_v2"
    assert isinstance(created.parameters.data_schema.get("properties"), dict)
    assert created.name
    if "name" in body:
        assert created.name == body["name"]


# --- create, cancel, delete ------------------------------------------------------------------

INLINE = {"data_schema": SCHEMA, "tier": "cost_effective"}


def test_create_matches_the_sdk(frozen: tuple[SimServer, _Clock]) -> None:
    server, _ = frozen
    with _client(server) as client:
        body = {"file_input": "dfl-contract-1", "configuration": INLINE}
        got = post_json(client, "/api/v2/extract", body)
        job = assert_declared(got, ExtractV2Job, "POST /api/v2/extract (inline configuration)")
        assert job.file_input == "dfl-contract-1" and job.status == "PENDING"
        saved = next(iter(server.state.configurations))
        got = post_json(
            client, "/api/v2/extract", {"file_input": "dfl-contract-2", "configuration_id": saved}
        )
        job = assert_declared(got, ExtractV2Job, "POST /api/v2/extract (configuration_id)")
        assert job.configuration_id == saved


def test_cancel_matches_the_sdk(frozen: tuple[SimServer, _Clock]) -> None:
    server, _ = frozen
    with _client(server) as client:
        created = post_json(
            client, "/api/v2/extract", {"file_input": "dfl-cancel", "configuration": INLINE}
        )
        got = post_json(client, f"/api/v2/extract/{created['id']}/cancel")
        job = assert_declared(got, ExtractV2Job, "POST /api/v2/extract/{id}/cancel")
        assert job.id == created["id"] and job.status == "CANCELLED"


def test_a_held_job_matches_the_sdk_while_running_and_once_cancelled(
    frozen: tuple[SimServer, _Clock],
) -> None:
    server, clock = frozen
    with _client(server) as client:
        created = post_json(
            client, "/api/v2/extract", {"file_input": "dfl-hold-contract", "configuration": INLINE}
        )
        clock.t += 3600.0  # an hour: job_seconds is 1, a `hold` job is still going
        path = f"/api/v2/extract/{created['id']}"
        got = get_json(client, path, expand_params(EXPANDABLE))
        job = assert_declared(got, ExtractV2Job, "GET /api/v2/extract/{id} (held, RUNNING)")
        assert job.status == "RUNNING" and job.extract_result is None
        assert behaviour(got, EXPANDABLE) == []
        pjb = got["extract_metadata"]["parse_job_id"]
        parse = get_json(client, f"/api/v2/parse/{pjb}", {"expand": "text"})
        assert_declared(parse, ParsingGetResponse, "GET /api/v2/parse/{id} (of a held job)")
        assert_error(client.delete(path), 409)
        cancelled = post_json(client, f"{path}/cancel")
        job = assert_declared(cancelled, ExtractV2Job, "POST /api/v2/extract/{id}/cancel")
        assert job.status == "CANCELLED"


def test_delete_removes_the_job(frozen: tuple[SimServer, _Clock]) -> None:
    server, clock = frozen
    with _client(server) as client:
        done = post_json(
            client, "/api/v2/extract", {"file_input": "dfl-d", "configuration": INLINE}
        )
        clock.t += 2.0  # job_seconds is 1: the first job is now COMPLETED
        clock_status = get_json(client, f"/api/v2/extract/{done['id']}")["status"]
        assert clock_status == "COMPLETED"
        r = client.delete(f"/api/v2/extract/{done['id']}")
        assert r.status_code in (200, 204), r.text  # the SDK declares the body as `object`
        if r.content:
            r.json()  # whatever it is, it is JSON
        get_json(client, f"/api/v2/extract/{done['id']}", status=404)
        created = post_json(
            client, "/api/v2/extract", {"file_input": "dfl-f", "configuration": INLINE}
        )
        assert get_json(client, f"/api/v2/extract/{created['id']}")["status"] == "PENDING"
        r = client.delete(f"/api/v2/extract/{created['id']}", params={"force": "true"})
        assert r.status_code in (200, 204), r.text
        get_json(client, f"/api/v2/extract/{created['id']}", status=404)


# --- error bodies ----------------------------------------------------------------------------
# The SDK has no error model: it raises an APIStatusError subclass by status code and keeps the
# JSON body as `.body`. The service's body is FastAPI's `{"detail": ...}`: a message, or for
# request validation a list of issues. These two local models pin that envelope down.


class _Issue(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    loc: list[str | int]
    msg: str
    type: str
    input: Any = None
    ctx: dict[str, Any] | None = None
    url: str | None = None


class _ErrorBody(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    detail: str | list[_Issue]


def assert_error(r: httpx.Response, status: int, *, issues: bool = False) -> _ErrorBody:
    """The response is `status` with a `{"detail": ...}` body (a list of issues if `issues`)."""
    where = f"{r.request.method} {r.request.url.path}"
    assert r.status_code == status, f"{where}: {r.status_code} {r.text[:300]}"
    assert r.headers.get("content-type", "").startswith("application/json"), where
    body = assert_declared(r.json(), _ErrorBody, where)
    if issues:
        assert isinstance(body.detail, list) and body.detail, f"{where}: {body.detail!r}"
    else:
        assert body.detail, where
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/extract/ext-00000000-0000-0000-0000-000000000000",
        "/api/v2/projects/prj-00000000-0000-0000-0000-000000000000",
        "/api/v1/beta/files/dfl-00000000-0000-0000-0000-000000000000",
        "/api/v1/beta/configurations/cfg-00000000-0000-0000-0000-000000000000",
        "/api/v2/parse/pjb-00000000-0000-0000-0000-000000000000",
        "/api/v2/no-such-route",
    ],
)
def test_not_found_bodies(http: httpx.Client, path: str) -> None:
    assert_error(http.get(path), 404)


def test_conflict_bodies(current: SimServer, http: httpx.Client) -> None:
    finished = current.state.notable["invoice_cited"]
    where = {"project_id": project_of(current, finished)}
    assert get_json(http, f"/api/v2/extract/{finished}", where)["status"] == "COMPLETED"
    assert_error(http.post(f"/api/v2/extract/{finished}/cancel", params=where), 409)
    running = current.state.notable["long_running"]  # RUNNING for four hours
    where = {"project_id": project_of(current, running)}
    assert get_json(http, f"/api/v2/extract/{running}", where)["status"] == "RUNNING"
    assert_error(http.delete(f"/api/v2/extract/{running}", params=where), 409)
    assert get_json(http, f"/api/v2/extract/{running}", where)["status"] == "RUNNING"


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("GET", "/api/v2/extract", {"page_size": "0"}, None),
        ("GET", "/api/v2/extract", {"status": "SLEEPING"}, None),
        ("GET", "/api/v2/extract/{job}", {"expand": "everything"}, None),
        ("POST", "/api/v2/extract", None, {"configuration": INLINE}),
        ("POST", "/api/v2/extract", None, {"file_input": "nonsense", "configuration": INLINE}),
        ("POST", "/api/v2/extract/schema/validation", None, {}),
    ],
    ids=["page_size", "status", "expand", "no-file_input", "bad-file_input", "no-data_schema"],
)
def test_request_validation_bodies(
    current: SimServer,
    http: httpx.Client,
    method: str,
    path: str,
    params: dict[str, str] | None,
    body: Any,
) -> None:
    job_id = current.state.notable["invoice_cited"]
    path = path.format(job=job_id)
    if params is not None:
        params = params | {"project_id": project_of(current, job_id)}
    assert_error(http.request(method, path, params=params, json=body), 422, issues=True)


def test_an_unusable_schema_is_a_422(http: httpx.Client) -> None:
    r = http.post("/api/v2/extract/schema/validation", json={"data_schema": {"type": "bogus"}})
    assert_error(r, 422)


def test_unauthorised_bodies(current: SimServer) -> None:
    with httpx.Client(base_url=current.url, timeout=30, trust_env=False) as anonymous:
        assert_error(anonymous.get("/api/v2/extract"), 401)
        assert_error(anonymous.get("/api/v2/projects", headers={"Authorization": "Basic x"}), 401)
    keyed = SimConfig(seed=7, job_seconds=0.6, big_rows=500, api_key="the-right-key")
    with SimServer(keyed) as server, _client(server) as wrong:
        assert_error(wrong.get("/api/v2/extract"), 401)
        ok = wrong.get("/api/v2/extract", headers={"Authorization": "Bearer the-right-key"})
        assert ok.status_code == 200

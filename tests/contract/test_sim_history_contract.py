"""The Claims pipeline's history and the varied bulk jobs against the official SDK's models.

`test_sim_contract.py` walks every job of every project, so the history's jobs are in it; this
module makes sure the kinds that matter are there (every status, the stuck jobs, failed and
cancelled jobs with usage), follows the stuck ones through cancel and delete, and checks the
bulk project, which the shared world doesn't have.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_cloud.types import ExtractV2Job, ExtractV2JobQueryResponse, ParsingGetResponse

from explorer.sim import SimConfig, SimServer
from explorer.sim.files import parse_job_id
from tests.contract.oracle import assert_declared, problems
from tests.contract.test_sim_contract import (
    EXPANDABLE,
    EXPANDS,
    _client,
    behaviour,
    check,
    expand_params,
    fail_with,
    get_json,
    list_all,
    seed_leftovers,
    seed_to_current,
)

STUCK = ("history_stuck_running", "history_stuck_pending", "history_stuck_throttled")


class _Clock:
    """A clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


def project_named(server: SimServer, name: str) -> str:
    return next(p.id for p in server.state.projects.values() if p.name == name)


def usage_problems(job: dict[str, Any]) -> list[str]:
    """A finished job (COMPLETED, FAILED, CANCELLED) without its usage, in the current shape."""
    if job["status"] not in ("COMPLETED", "FAILED", "CANCELLED"):
        return []
    out = []
    if job.get("usage") is None:
        out.append(f"behaviour: a {job['status']} job's `usage` is null with expand=usage")
    if (job.get("metadata") or {}).get("usage") is None:
        out.append(f"behaviour: a {job['status']} job's `metadata.usage` is null")
    return out


@pytest.fixture(scope="module")
def world() -> Iterator[SimServer]:
    """The world `test_sim_contract.py` walks (read-only here)."""
    with SimServer(SimConfig(seed=7, job_seconds=0.6, big_rows=2_000)) as server:
        yield server


def test_the_history_brings_every_kind_of_job_to_the_contract(world: SimServer) -> None:
    project_id = project_named(world, "Claims pipeline")
    found: list[tuple[str, str]] = []
    jobs = []
    with _client(world) as client:
        for n, page in enumerate(list_all(client, project_id, EXPANDABLE)):
            where = f"GET /api/v2/extract?project_id={project_id} page {n}"
            check(found, where, page, ExtractV2JobQueryResponse)
            for item in page["items"]:
                found.extend((where, p) for p in behaviour(item, EXPANDABLE))
                found.extend((where, p) for p in usage_problems(item))
            jobs += page["items"]
    fail_with(found, "the history's list pages vs ExtractV2JobQueryResponse")
    statuses = {j["status"] for j in jobs}
    assert statuses == {"PENDING", "THROTTLED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"}
    billed = {(j["status"], j["usage"]["credits"] > 0) for j in jobs if j["usage"]}
    assert {("FAILED", True), ("FAILED", False), ("CANCELLED", True)} <= billed
    ids = {j["id"] for j in jobs}
    assert {world.state.notable[role] for role in STUCK} <= ids


@pytest.mark.parametrize("expand", EXPANDS, ids=lambda e: "+".join(e) or "none")
def test_notable_history_jobs_and_their_parse_jobs_match_the_sdk(
    world: SimServer, expand: tuple[str, ...]
) -> None:
    project = {"project_id": project_named(world, "Claims pipeline")}
    roles = (*STUCK, "history_burst", "history_failed_billed", "history_cancelled_billed")
    found: list[tuple[str, str]] = []
    with _client(world) as client:
        for role in roles:
            job_id = world.state.notable[role]
            got = get_json(
                client, f"/api/v2/extract/{job_id}", [*project.items(), *expand_params(expand)]
            )
            where = f"GET /api/v2/extract/{job_id} ({role})"
            check(found, where, got, ExtractV2Job)
            found.extend((where, p) for p in behaviour(got, expand))
            if "usage" in expand:
                found.extend((where, p) for p in usage_problems(got))
            rec = world.state.record(job_id)
            assert rec is not None
            pjb = parse_job_id(rec)
            parse = get_json(client, f"/api/v2/parse/{pjb}", project | {"expand": "text"})
            check(found, f"GET /api/v2/parse/{pjb} ({role})", parse, ParsingGetResponse)
    fail_with(found, f"notable history jobs expand={list(expand)} vs ExtractV2Job")


def test_stuck_jobs_match_the_sdk_once_cancelled_or_deleted() -> None:
    clock = _Clock()
    config = SimConfig(seed=7, job_seconds=1.0, big_rows=500, clock=clock)
    with SimServer(config) as server, _client(server) as client:
        project = {"project_id": project_named(server, "Claims pipeline")}
        full = [*project.items(), *expand_params(EXPANDABLE)]
        clock.t += 7 * 86400.0  # a week on: nothing has moved
        for role in STUCK:
            job_id = server.state.notable[role]
            path = f"/api/v2/extract/{job_id}"
            before = assert_declared(get_json(client, path, full), ExtractV2Job, role)
            assert before.status in ("RUNNING", "PENDING", "THROTTLED")
            r = client.post(f"{path}/cancel", params=project)
            assert r.status_code == 200, r.text
            job = assert_declared(r.json(), ExtractV2Job, f"POST {path}/cancel ({role})")
            assert job.status == "CANCELLED"
            after = get_json(client, path, full)
            assert_declared(after, ExtractV2Job, f"GET {path} ({role}, cancelled)")
            assert usage_problems(after) == []
            rec = server.state.record(job_id)
            assert rec is not None
            parse = get_json(client, f"/api/v2/parse/{parse_job_id(rec)}", project)
            assert_declared(parse, ParsingGetResponse, f"parse job of {role}, cancelled")
            r = client.delete(path, params={**project, "force": "true"})
            assert r.status_code in (200, 204), r.text
            get_json(client, path, project, status=404)


@pytest.mark.parametrize("shape", ["current", "seed"])
def test_varied_bulk_jobs_match_the_sdk(shape: str) -> None:
    config = SimConfig(seed=7, shape=shape, job_seconds=0.6, big_rows=500, bulk_jobs=400)
    found: list[tuple[str, str]] = []
    with SimServer(config) as server, _client(server) as client:
        project_id = project_named(server, "Bulk")
        first_of: dict[str, str] = {}
        for n, page in enumerate(list_all(client, project_id, EXPANDABLE)):
            where = f"GET /api/v2/extract?project_id=Bulk page {n} ({shape})"
            for item in page["items"]:
                first_of.setdefault(item["status"], item["id"])
            if shape == "seed":
                translated = page | {"items": [seed_to_current(i) for i in page["items"]]}
                found.extend(
                    (where, p) for p in seed_leftovers(problems(page, ExtractV2JobQueryResponse))
                )
                check(found, f"{where}, translated", translated, ExtractV2JobQueryResponse)
                continue
            check(found, where, page, ExtractV2JobQueryResponse)
            for item in page["items"]:
                found.extend((where, p) for p in behaviour(item, EXPANDABLE))
                found.extend((where, p) for p in usage_problems(item))
        assert set(first_of) == {"COMPLETED", "FAILED", "CANCELLED"}
        for status, job_id in sorted(first_of.items()):
            for expand in EXPANDS:
                params = [("project_id", project_id), *expand_params(expand)]
                got = get_json(client, f"/api/v2/extract/{job_id}", params)
                where = f"GET /api/v2/extract/{job_id} ({status}, {shape}, {list(expand)})"
                if shape == "seed":
                    found.extend((where, p) for p in seed_leftovers(problems(got, ExtractV2Job)))
                    check(found, f"{where}, translated", seed_to_current(got), ExtractV2Job)
                else:
                    check(found, where, got, ExtractV2Job)
                    found.extend((where, p) for p in behaviour(got, expand))
    fail_with(found, f"bulk jobs ({shape}) vs ExtractV2Job")

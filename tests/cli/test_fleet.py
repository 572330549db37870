"""``failures`` and ``usage`` over loopback against a simulator, checked against the jobs the
client lists itself.

The simulator here runs on a clock that moves only when told, so no job changes between the
command's listing and the test's; its world is set two days in the past, so a job held
RUNNING is two days old to the command (stuck) while every world job keeps its shape.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from explorer.api.client import ExtractClient
from explorer.api.models import TIER_CREDITS_PER_PAGE, ExtractJob
from explorer.sim import SimConfig, SimServer
from tests.cli.conftest import API_KEY, HOSTILE_CHARS, Result, make_job, point_at

#: What the hostile job's document id carries (the simulator puts some into the message).
HOSTILE_DOC = "dfl-fail-\x1b[2J\x07[red]boom[/red]\u202e|pipe"
HOLD_DOC = "dfl-hold-stuck"


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def fleet_sim() -> Iterator[SimServer]:
    """A simulator of this module: a frozen clock, the world two days back, a failed job with
    a hostile document id (and message), and a job held RUNNING (stuck)."""
    clock = Clock()
    config = SimConfig(
        seed=7,
        job_seconds=0.6,
        big_rows=200,
        clock=clock,
        now=datetime.now(UTC) - timedelta(days=2),
    )
    with SimServer(config) as server:
        state = server.state
        body: dict[str, Any] = {
            "configuration": {
                "data_schema": {"type": "object", "properties": {"total": {"type": "number"}}}
            }
        }
        # the simulator picks one of its messages per job: make one that quotes the document
        for attempt in range(60):
            created = state.create_job({**body, "file_input": f"{HOSTILE_DOC}-{attempt}"})
            rec = state.record(created["id"])
            assert rec is not None
            if rec.error_message and "\x1b" in rec.error_message:
                break
        else:
            pytest.fail("no simulated error message quoted the hostile document id")
        state.create_job({**body, "file_input": HOLD_DOC})
        clock.t += 5.0  # every created job past its job_seconds: FAILED, or held RUNNING
        yield server


@pytest.fixture(autouse=True)
def _point_at_fleet_sim(
    cli_env: SimServer, monkeypatch: pytest.MonkeyPatch, fleet_sim: SimServer
) -> None:
    point_at(monkeypatch, fleet_sim)


def listed(server: SimServer, project_id: str | None = None) -> list[ExtractJob]:
    """Every job of every project (or of one), listed through the client with usage."""

    async def walk() -> list[ExtractJob]:
        async with ExtractClient(API_KEY, server.url) as client:
            ids = [project_id] if project_id else [p.id for p in await client.list_projects()]
            return [
                job
                for pid in ids
                async for job in client.iter_jobs(project_id=pid, expand=["configuration", "usage"])
            ]

    return asyncio.run(walk())


def credits_of(job: ExtractJob) -> float:
    if job.usage is not None and job.usage.credits is not None:
        return float(job.usage.credits)
    pages = pages_of(job)
    return float(pages * TIER_CREDITS_PER_PAGE[job.tier]) if pages and job.tier else 0.0


def pages_of(job: ExtractJob) -> int:
    metrics = job.usage_metrics
    if metrics is None:
        return 0
    return int(metrics.num_pages_billed or metrics.num_pages_extracted or 0)


def inert(result: Result) -> None:
    for text in (result.out, result.err):
        for ch in HOSTILE_CHARS:
            assert ch not in text, f"{ch!r} printed raw"


# -- failures ---------------------------------------------------------------------------------


def test_failure_groups_add_up_to_the_failed_jobs_the_client_lists(
    run: Callable[..., Result], fleet_sim: SimServer
) -> None:
    result = run("failures", "--json", "--since", "all")
    assert result.code == 0, result.err
    data = result.json()
    failed = {job.id for job in listed(fleet_sim) if job.status == "FAILED"}
    assert len(failed) > 3
    assert sum(g["count"] for g in data["groups"]) == data["failed"] == len(failed)
    grouped = [job_id for g in data["groups"] for job_id in g["jobs"]]
    assert sorted(grouped) == sorted(failed)
    assert [g["count"] for g in data["groups"]] == sorted(
        (g["count"] for g in data["groups"]), reverse=True
    )
    assert data["total"] == len(listed(fleet_sim))


def test_a_job_held_running_for_two_days_is_stuck(
    run: Callable[..., Result], fleet_sim: SimServer
) -> None:
    data = run("failures", "--json", "--since", "all").json()
    held = [job.id for job in listed(fleet_sim) if job.document == HOLD_DOC]
    stuck = {s["id"]: s for s in data["stuck"]}
    assert held[0] in stuck
    assert stuck[held[0]]["status"] == "RUNNING"
    assert stuck[held[0]]["age_seconds"] > 86_400
    table = run("failures", "--since", "all", "--full-ids")
    assert table.code == 0
    assert held[0] in table.out


def test_a_hostile_error_message_and_document_id_print_inert(
    run: Callable[..., Result], fleet_sim: SimServer
) -> None:
    table = run("failures", "--since", "all")
    assert table.code == 0
    inert(table)
    [hostile] = [
        job.id
        for job in listed(fleet_sim)
        if job.status == "FAILED" and "\x1b" in (job.error_message or "")
    ]
    data = run("failures", "--json", "--since", "all").json()
    [number] = [g["group"] for g in data["groups"] if hostile in g["jobs"]]
    bundle = run("failures", "--since", "all", "--bundle", str(number))
    assert bundle.code == 0
    inert(bundle)
    assert "[red]boom[/red]" in bundle.out  # shown as text, not taken as markup
    as_json = run("failures", "--since", "all", "--bundle", str(number), "--json")
    inert(as_json)
    documents = [job["document"] for job in as_json.json()["jobs"]]
    assert any(doc.startswith(HOSTILE_DOC) for doc in documents)  # complete, escaped in JSON


def test_bundle_1_is_markdown_naming_every_job_of_group_1(run: Callable[..., Result]) -> None:
    data = run("failures", "--json", "--since", "all").json()
    first = data["groups"][0]
    bundle = run("failures", "--since", "all", "--bundle", "1")
    assert bundle.code == 0
    assert bundle.out.startswith("# ")
    table = [line for line in bundle.out.splitlines() if line.startswith("| ext-")]
    assert [line.split(" | ")[0][2:] for line in table] == first["jobs"]
    as_json = run("failures", "--since", "all", "--bundle", "1", "--json").json()
    assert [job["id"] for job in as_json["jobs"]] == first["jobs"]


def test_a_bundle_number_past_the_groups_is_one_line_and_exit_2(
    run: Callable[..., Result],
) -> None:
    result = run("failures", "--since", "all", "--bundle", "999")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1 and "no failure group 999" in result.err


# -- usage ------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["day", "week", "config", "tier", "project"])
def test_usage_totals_equal_the_sums_over_the_jobs_the_client_lists(
    run: Callable[..., Result], fleet_sim: SimServer, by: str
) -> None:
    result = run("usage", "--json", "--by", by, "--since", "all")
    assert result.code == 0, result.err
    data = result.json()
    assert data["by"] == by
    jobs = listed(fleet_sim)
    total = data["total"]
    assert total["jobs"] == len(jobs)
    assert total["credits"] == pytest.approx(sum(credits_of(j) for j in jobs))
    assert total["pages"] == sum(pages_of(j) for j in jobs)
    assert total["credits"] > 0 and total["pages"] > 0
    rows = data["rows"]
    assert sum(r["jobs"] for r in rows) == total["jobs"]
    assert sum(r["pages"] for r in rows) == total["pages"]
    assert sum(r["credits"] for r in rows) == pytest.approx(total["credits"])
    assert sum(credits for _, credits in data["series"]) == pytest.approx(total["credits"])


def test_project_narrows_the_report_to_one_project(
    run: Callable[..., Result], fleet_sim: SimServer
) -> None:
    everything = run("usage", "--json", "--by", "project", "--since", "all").json()
    assert len(everything["rows"]) >= 3
    project = everything["rows"][-1]["key"]
    result = run("usage", "--json", "--by", "project", "--since", "all", "--project", project)
    assert result.code == 0, result.err
    [row] = result.json()["rows"]
    assert row["key"] == project
    assert row["jobs"] == len(listed(fleet_sim, project))
    failures = run("failures", "--json", "--since", "all", "--project", project).json()
    assert failures["total"] == row["jobs"]


def test_since_cuts_the_walk_at_the_time_given(
    run: Callable[..., Result], fleet_sim: SimServer
) -> None:
    jobs = listed(fleet_sim)
    stamps = sorted({j.created_at.timestamp() for j in jobs if j.created_at is not None})
    # halfway between two jobs: no job sits near the cut, whatever the rounding
    middle = len(stamps) // 2
    cut = (stamps[middle - 1] + stamps[middle]) / 2
    since = datetime.fromtimestamp(cut, UTC).isoformat()
    newer = [j for j in jobs if j.created_at is not None and j.created_at.timestamp() >= cut]
    assert 0 < len(newer) < len(jobs)
    data = run("usage", "--json", "--by", "day", "--since", since).json()
    assert data["total"]["jobs"] == len(newer)
    assert data["since"].startswith(since[:16])
    assert data["rows"][0]["key"] == since[:10]  # the window starts on the day of the cut
    failures = run("failures", "--json", "--since", since).json()
    assert failures["failed"] == sum(1 for j in newer if j.status == "FAILED")


def test_csv_is_the_rows_then_the_total(run: Callable[..., Result]) -> None:
    result = run("usage", "--csv", "--by", "tier", "--since", "all")
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert rows[-1]["key"] == "total"
    body = rows[:-1]
    assert len(body) >= 2
    assert sum(int(r["jobs"]) for r in body) == int(rows[-1]["jobs"])
    assert sum(float(r["credits"]) for r in body) == pytest.approx(float(rows[-1]["credits"]))


def test_the_table_has_a_total_and_a_sparkline_per_day(run: Callable[..., Result]) -> None:
    result = run("usage", "--by", "day", "--since", "7d")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["DAY", "JOBS", "FAILED"]
    assert any(line.startswith("total ") for line in lines)
    [spark] = [line for line in lines if line.startswith("credits per day")]
    assert any(ch in spark for ch in "▁▂▃▄▅▆▇█")
    # stderr is not a terminal here: no progress line
    assert "listing" not in result.err


def test_confidence_is_read_only_when_asked(run: Callable[..., Result]) -> None:
    plain = run("usage", "--json", "--by", "project", "--since", "all").json()
    assert plain["total"]["confidence_jobs"] == 0
    assert plain["total"]["mean_confidence"] is None
    asked = run("usage", "--json", "--by", "project", "--since", "all", "--confidence").json()
    total = asked["total"]
    assert 0 < total["confidence_jobs"] <= total["completed"]
    assert 0 < total["mean_confidence"] <= 1


def test_a_project_that_fails_to_list_leaves_the_rest_reported_and_exit_1(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    from explorer.api.errors import ServerError
    from explorer.core.source import ApiJobSource

    everything = run("usage", "--json", "--by", "project", "--since", "all").json()
    broken = everything["rows"][0]
    real = ApiJobSource.history_page

    async def failing(self: ApiJobSource, project_id: str, *args: Any) -> Any:
        if project_id == broken["key"]:
            raise ServerError("server error 503", status=503)
        return await real(self, project_id, *args)

    monkeypatch.setattr(ApiJobSource, "history_page", failing)
    result = run("usage", "--json", "--by", "project", "--since", "all")
    assert result.code == 1
    keys = [row["key"] for row in result.json()["rows"]]
    assert broken["key"] not in keys and len(keys) == len(everything["rows"]) - 1
    assert "warning:" in result.err and broken["label"] in result.err
    table = run("failures", "--since", "all")
    assert table.code == 1 and "warning:" in table.err


@pytest.mark.parametrize(
    ("since", "said"),
    [("last tuesday", "--since takes"), ("²d", "--since takes"), ("99999999999d", "year 1")],
)
def test_a_since_that_is_no_time_is_refused_in_one_line(
    run: Callable[..., Result], since: str, said: str
) -> None:
    result = run("usage", "--since", since)
    assert result.code == 2
    assert result.err.count("\n") == 1 and said in result.err


# -- offline ----------------------------------------------------------------------------------


def test_usage_and_failures_read_job_files_offline(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    jobs = [
        make_job("ext-11111111-0000-0000-0000-000000000001", result={"total": 1}),
        make_job(
            "ext-11111111-0000-0000-0000-000000000002",
            status="FAILED",
            error_message="File claim-1.pdf is encrypted",
        ),
        make_job(
            "ext-11111111-0000-0000-0000-000000000003",
            status="FAILED",
            error_message="File claim-22.pdf is encrypted",
        ),
    ]
    jobs[0]["usage"] = {"credits": 30.0}
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps({"items": jobs}), encoding="utf-8")
    usage = run("usage", "--json", "--by", "tier", str(path))
    assert usage.code == 0, usage.err
    total = usage.json()["total"]
    assert (total["jobs"], total["failed"], total["credits"]) == (3, 2, 30.0)
    failures = run("failures", "--json", str(path))
    assert failures.code == 0, failures.err
    [group] = failures.json()["groups"]
    assert group["count"] == 2

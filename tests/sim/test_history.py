"""The Claims pipeline's six weeks of jobs and the varied bulk jobs: what the fleet views
(failures, usage) read, over loopback HTTP, with the clock standing still unless a test moves it.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from explorer.sim import SimServer
from explorer.sim.files import parse_job_id
from explorer.sim.history import ROLES

from .conftest import FIXED_NOW, ManualClock, client_for, make_config

ALL = [("expand", "configuration"), ("expand", "extract_metadata"), ("expand", "usage")]
FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}

# what a fleet view takes out of a message to fold its occurrences together
_IDS = re.compile(r"\b(?:ext|pjb|dfl|prj|req)-[0-9a-z-]+")
_FILES = re.compile(r"\S+\.(?:pdf|jpe?g|png)\b")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


def signature(message: str) -> str:
    """The message without its ids, file names and numbers."""
    return _NUMBERS.sub("<n>", _FILES.sub("<file>", _IDS.sub("<id>", message)))


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def every_job(client: httpx.Client, project_id: str, params: Any = ()) -> list[dict[str, Any]]:
    """Every job of a project, newest first, following the cursor."""
    jobs: list[dict[str, Any]] = []
    token = None
    for _ in range(2_000):
        query = [("project_id", project_id), ("page_size", "100"), *params]
        if token:
            query.append(("page_token", token))
        r = client.get("/api/v2/extract", params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        jobs += page["items"]
        token = page["next_page_token"]
        if not token:
            return jobs
    raise AssertionError("paging never ends")


def project_named(client: httpx.Client, name: str) -> str:
    projects = client.get("/api/v2/projects").json()["items"]
    return next(p["id"] for p in projects if p["name"] == name)


@pytest.fixture(scope="module")
def world() -> Iterator[SimServer]:
    """The default world on a clock that never moves (read-only)."""
    with SimServer(make_config(clock=ManualClock())) as server:
        yield server


@pytest.fixture(scope="module")
def history(world: SimServer) -> tuple[str, list[dict[str, Any]]]:
    """(project id, every job of the Claims pipeline, fully expanded)."""
    with client_for(world) as c:
        project_id = project_named(c, "Claims pipeline")
        return project_id, every_job(c, project_id, ALL)


def test_six_weeks_of_jobs_with_busy_weekdays(history: tuple[str, list[dict[str, Any]]]) -> None:
    _, jobs = history
    assert len(jobs) >= 250
    created = [when(j["created_at"]) for j in jobs]
    assert FIXED_NOW - min(created) >= timedelta(weeks=5)
    assert max(created) < FIXED_NOW
    per_day = Counter(c.date() for c in created)
    days = [FIXED_NOW.date() - timedelta(days=n) for n in range(1, 36)]
    weekdays = [per_day[d] for d in days if d.weekday() < 5]
    weekends = [per_day[d] for d in days if d.weekday() >= 5]
    assert statistics.median(weekdays) >= 2 * statistics.median(weekends)
    # most jobs are sent in working hours
    assert sum(7 <= c.hour < 20 for c in created) > 0.8 * len(created)
    # several saved configurations and inline ones, every tier of the current shape
    cfgs = {j["configuration_id"] for j in jobs}
    assert len(cfgs - {None}) >= 3 and None in cfgs
    tiers = {j["configuration"]["tier"] for j in jobs}
    assert tiers == {"cost_effective", "agentic", "agentic_plus", "turbo"}


def test_durations_follow_tier_and_pages(history: tuple[str, list[dict[str, Any]]]) -> None:
    _, jobs = history
    per_page: dict[str, list[float]] = defaultdict(list)
    took = set()
    for j in jobs:
        if j["status"] == "COMPLETED":
            seconds = (when(j["updated_at"]) - when(j["created_at"])).total_seconds()
            pages = j["metadata"]["usage"]["num_pages_extracted"]
            per_page[j["configuration"]["tier"]].append(seconds / pages)
            took.add(round(seconds, 1))
    median = {tier: statistics.median(v) for tier, v in per_page.items()}
    assert median["turbo"] < median["cost_effective"] < median["agentic"]
    assert median["agentic"] < median["agentic_plus"]
    assert len(took) > 100  # not one fixed duration


def test_failures_recur_in_the_same_words(history: tuple[str, list[dict[str, Any]]]) -> None:
    _, jobs = history
    failed = [j for j in jobs if j["status"] == "FAILED"]
    assert all(j["error_message"] for j in failed)
    groups: dict[str, list[str]] = defaultdict(list)
    for j in failed:
        groups[signature(j["error_message"])].append(j["error_message"])
    recurring = {s: m for s, m in groups.items() if len(m) >= 3}
    assert len(recurring) >= 4, sorted(groups)
    # the same failure each time, told apart by its ids, numbers or file names only
    assert all(len(set(m)) >= 2 for m in recurring.values())
    assert sum(len(set(m)) == len(m) for m in recurring.values()) >= 3
    one_offs = [s for s, m in groups.items() if len(m) == 1]
    assert len(one_offs) >= 2


def test_the_one_off_failure_stays_apart(
    world: SimServer, history: tuple[str, list[dict[str, Any]]]
) -> None:
    _, jobs = history
    one_off = next(j for j in jobs if j["id"] == world.state.notable["history_one_off"])
    assert one_off["status"] == "FAILED"
    alike = [
        j
        for j in jobs
        if j["error_message"]
        and signature(j["error_message"]) == signature(one_off["error_message"])
    ]
    assert alike == [one_off]


def test_the_burst(world: SimServer, history: tuple[str, list[dict[str, Any]]]) -> None:
    _, jobs = history
    first = next(j for j in jobs if j["id"] == world.state.notable["history_burst"])
    assert first["status"] == "FAILED" and "overloaded" in first["error_message"]
    start = when(first["created_at"])
    window = [
        j
        for j in jobs
        if start <= when(j["created_at"]) <= start + timedelta(hours=4)
        and j["status"] == "FAILED"
        and signature(j["error_message"]) == signature(first["error_message"])
    ]
    assert len(window) >= 24
    # the same upstream error elsewhere is rare: the burst stands out
    others = [j for j in jobs if j["status"] == "FAILED" and j not in window]
    same = [j for j in others if signature(j["error_message"]) == signature(first["error_message"])]
    assert len(same) < len(window) / 4
    # they sat THROTTLED before they ran: long waits for jobs that failed in a minute or two
    # (one ordinary job of that afternoon may have failed so too, unthrottled)
    throttled = 0
    for job in window:
        rec = world.state.record(job["id"])
        assert rec is not None
        if rec.status_at(rec.created + 60)[0] == "THROTTLED":
            throttled += 1
            assert (when(job["updated_at"]) - when(job["created_at"])) > timedelta(minutes=5)
    assert throttled >= len(window) - 1


def test_stuck_jobs_stay_stuck_until_cancelled_or_deleted() -> None:
    clock = ManualClock()
    with SimServer(make_config(clock=clock)) as server, client_for(server) as c:
        notable = server.state.notable
        roles = {
            "history_stuck_running": ("RUNNING", timedelta(days=14)),
            "history_stuck_pending": ("PENDING", timedelta(days=2)),
            "history_stuck_throttled": ("THROTTLED", timedelta(hours=2)),
        }
        project = {"project_id": project_named(c, "Claims pipeline")}
        before = {}
        for role, (status, age) in roles.items():
            job = c.get(f"/api/v2/extract/{notable[role]}", params=[*ALL, *project.items()]).json()
            assert job["status"] == status, role
            assert FIXED_NOW - when(job["created_at"]) >= age
            assert job["usage"] is None and job["extract_result"] is None
            before[role] = job
        clock.advance(30 * 86400)  # a month later: still where they were
        for role, (status, _) in roles.items():
            job = c.get(f"/api/v2/extract/{notable[role]}", params=[*ALL, *project.items()]).json()
            assert (job["status"], job["updated_at"]) == (status, before[role]["updated_at"])
        # the one running has been parsed; the one waiting hasn't started its parse
        pjb = before["history_stuck_running"]["extract_metadata"]["parse_job_id"]
        parse = c.get(f"/api/v2/parse/{pjb}", params=project).json()["job"]
        assert parse["status"] == "COMPLETED"
        waiting = server.state.record(notable["history_stuck_pending"])
        assert waiting is not None
        got = c.get(f"/api/v2/parse/{parse_job_id(waiting)}", params=project).json()["job"]
        assert got["status"] == "PENDING"
        # a running one can't be deleted without force; cancelled, it shows what it was billed
        running = notable["history_stuck_running"]
        assert c.delete(f"/api/v2/extract/{running}", params=project).status_code == 409
        assert c.post(f"/api/v2/extract/{running}/cancel", params=project).status_code == 200
        job = c.get(f"/api/v2/extract/{running}", params=[*ALL, *project.items()]).json()
        assert job["status"] == "CANCELLED" and job["usage"]["parse_credits"] > 0
        pending = notable["history_stuck_pending"]
        r = c.delete(f"/api/v2/extract/{pending}", params={**project, "force": "true"})
        assert r.status_code == 200
        assert c.get(f"/api/v2/extract/{pending}", params=project).status_code == 404


def test_every_finished_job_carries_usage(history: tuple[str, list[dict[str, Any]]]) -> None:
    _, jobs = history
    charged = Counter()
    for j in jobs:
        usage, pages = j["usage"], j["metadata"]["usage"]
        if j["status"] not in FINISHED:
            assert usage is None and pages is None
            continue
        assert set(usage) == {"credits", "extract_credits", "parse_credits"}, j["id"]
        assert usage["credits"] == usage["extract_credits"] + usage["parse_credits"] >= 0
        assert pages["num_pages_billed"] == pages["num_pages_extracted"] >= 0
        charged[(j["status"], usage["credits"] > 0)] += 1
    assert charged[("COMPLETED", False)] == 0
    # some failures billed nothing (unreadable, refused), some the parse and the pages so far
    assert charged[("FAILED", True)] >= 10 and charged[("FAILED", False)] >= 5
    assert charged[("CANCELLED", True)] >= 1


def test_a_job_that_failed_after_its_parse_bills_the_pages_it_extracted(world: SimServer) -> None:
    job = world.state.get_job(world.state.notable["history_failed_billed"])
    assert job is not None and job["status"] == "FAILED"
    assert "timed out" in job["error_message"]
    page = int(re.search(r"on page (\d+) of", job["error_message"]).group(1))  # type: ignore[union-attr]
    assert job["metadata"]["usage"]["num_pages_billed"] == page - 1 > 0
    assert job["usage"]["parse_credits"] > 0 and job["usage"]["extract_credits"] > 0


def test_seed_shape_usage_is_in_metadata_only() -> None:
    with SimServer(make_config(shape="seed", clock=ManualClock())) as s, client_for(s) as c:
        jobs = every_job(c, project_named(c, "Claims pipeline"), ALL)
    finished = [j for j in jobs if j["status"] in FINISHED]
    assert finished and all("usage" not in j for j in jobs)
    for j in finished:
        usage = j["metadata"]["usage"]
        assert set(usage) == {"num_document_tokens", "num_output_tokens", "num_pages_extracted"}
    assert {j["configuration"]["tier"] for j in jobs} == {"cost_effective", "agentic"}
    tokens = [j["metadata"]["usage"]["num_document_tokens"] for j in finished]
    assert min(tokens) == 0 < max(tokens)  # an unreadable file was never read


def test_created_at_on_or_after_cuts_the_history(
    world: SimServer, history: tuple[str, list[dict[str, Any]]]
) -> None:
    project_id, jobs = history
    cut = jobs[len(jobs) // 3]["created_at"]  # a job's own time: it is on the cut, so in
    with client_for(world) as c:
        since = every_job(c, project_id, [("created_at_on_or_after", cut), *ALL])
    assert since == [j for j in jobs if j["created_at"] >= cut]
    assert since[-1]["created_at"] == cut and len(since) < len(jobs)


def test_the_history_is_built_on_first_use_and_the_same_each_time() -> None:
    with SimServer(make_config(clock=ManualClock())) as a, client_for(a) as c:
        project_id = project_named(c, "Claims pipeline")
        jobs = every_job(c, project_id)
    with SimServer(make_config(clock=ManualClock())) as b, client_for(b) as c:
        # asked by id before anything listed the project: there, and the same job
        some = jobs[len(jobs) // 2]
        again = c.get(f"/api/v2/extract/{some['id']}", params={"project_id": project_id})
        assert again.status_code == 200 and again.json() == some
        assert every_job(c, project_id) == jobs
        ids = {j["id"] for j in jobs}
        assert all(
            b.state.notable[r] == a.state.notable[r] and a.state.notable[r] in ids for r in ROLES
        )


def test_bulk_jobs_are_varied() -> None:
    with SimServer(make_config(bulk_jobs=3000, clock=ManualClock())) as s, client_for(s) as c:
        jobs = every_job(c, project_named(c, "Bulk"), ALL)
    assert len(jobs) == 3000
    statuses = Counter(j["status"] for j in jobs)
    assert set(statuses) == FINISHED
    assert 0.04 <= statuses["FAILED"] / len(jobs) <= 0.09
    assert statuses["CANCELLED"] >= 20
    kinds = {(j["configuration_id"], j["configuration"]["tier"]) for j in jobs}
    assert len(kinds) >= 5 and len({tier for _, tier in kinds}) >= 3
    assert any(cid for cid, _ in kinds)  # one of them a saved configuration
    pages = Counter(
        j["metadata"]["usage"]["num_pages_extracted"] for j in jobs if j["status"] == "COMPLETED"
    )
    assert len(pages) >= 3
    took = {(when(j["updated_at"]) - when(j["created_at"])).total_seconds() for j in jobs}
    assert len(took) > 1000
    assert all(j["usage"] is not None for j in jobs)
    groups: dict[str, set[str]] = defaultdict(set)
    for j in jobs:
        if j["status"] == "FAILED":
            groups[signature(j["error_message"])].add(j["error_message"])
    assert sum(len(m) >= 3 for m in groups.values()) >= 3
    assert all(j["extract_result"] is not None for j in jobs if j["status"] == "COMPLETED")

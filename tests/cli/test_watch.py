"""``watch JOB...`` (exit statuses, one list request per project per check, output per change)
and ``projects``.

Every test makes its own simulator on a fake clock that only the test moves, from the watch's
per-check hook: what a check sees is decided by the test, never by how fast the machine is.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest

from explorer.commands import watch
from explorer.commands.watch_view import Watched
from explorer.core.present import short_id
from explorer.sim import SimConfig, SimServer
from tests.cli.conftest import API_KEY, HOSTILE_CHARS, point_at, sim_get

SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}}}
HOSTILE = "\x1b[2J\x1b]52;c;cHduZWQ=\x07[bold red]PAID[/] \u202eevil\x9b31m"


class FakeClock:
    """A clock for the simulator that moves only when told."""

    def __init__(self) -> None:
        self._t = 1_000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Iterator[SimServer]:
    """A simulator of this test's own, on the fake clock, that the commands talk to."""
    config = SimConfig(seed=7, job_seconds=2.0, big_rows=200, clock=clock)
    with SimServer(config) as server:
        point_at(monkeypatch, server)
        yield server


def create_job(server: SimServer, document: str, project_id: str | None = None) -> str:
    """A new job on ``document`` (magic words: fail, hold, slow)."""
    response = httpx.post(
        f"{server.url}/api/v2/extract",
        params={"project_id": project_id} if project_id else None,
        json={"file_input": document, "configuration": {"data_schema": SCHEMA}},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def on_cycle(
    monkeypatch: pytest.MonkeyPatch, hook: Callable[[int, Sequence[Watched]], None]
) -> list[int]:
    """Run ``hook`` after every check of the watch; returns the list of checks seen."""
    seen: list[int] = []

    def run(cycle: int, watched: Sequence[Watched]) -> None:
        seen.append(cycle)
        assert cycle < 500, "the watch never ended"
        hook(cycle, watched)

    monkeypatch.setattr(watch, "ON_CYCLE", run)
    return seen


def ticking(clock: FakeClock, seconds: float = 0.25) -> Callable[[int, Sequence[Watched]], None]:
    """A hook moving the world's time on by ``seconds`` after each check."""
    return lambda cycle, watched: clock.advance(seconds)


def clean(text: str) -> bool:
    return not any(ch in text for ch in HOSTILE_CHARS)


# -- exit statuses ----------------------------------------------------------------------------


def test_a_job_that_completes_exits_0_with_one_line_per_change(
    run, world, clock, monkeypatch
) -> None:
    job_id = create_job(world, "dfl-watch-ok")
    checks = on_cycle(monkeypatch, ticking(clock))
    r = run("watch", short_id(job_id), "--exit-status", "--interval", "0")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    # PENDING until 0.4 s, RUNNING until 2 s: eight checks or more, three changes
    assert len(checks) > 3
    assert [line.split()[2] for line in lines] == ["PENDING", "RUNNING", "COMPLETED"]
    assert all(line.startswith(short_id(job_id) + "  ") for line in lines)
    assert len(set(lines)) == len(lines)
    assert "✔ COMPLETED" in lines[-1]
    assert "1 job watched: 1 completed" in r.err


def test_a_failed_job_exits_1_and_its_error_message_prints_inert(
    run, world, clock, monkeypatch
) -> None:
    job_id = create_job(world, "dfl-fail-watch")
    rec = world.state.record(job_id)
    assert rec is not None
    rec.error_message = HOSTILE
    on_cycle(monkeypatch, ticking(clock))
    r = run("watch", job_id, "--exit-status", "--interval", "0")
    assert r.code == 1, r.err
    assert "✘ FAILED" in r.out
    assert clean(r.out) and clean(r.err)
    assert "\\x1b[2J" in r.out and "[bold red]PAID[/]" in r.out
    # without --exit-status a finished watch is a success, whatever the jobs' fate
    assert run("watch", job_id, "--interval", "0").code == 0
    # --json: the message whole, as data; the summary last
    r = run("watch", job_id, "--exit-status", "--json")
    assert r.code == 1 and clean(r.out)
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert rows[0]["event"] == "change" and rows[0]["status"] == "FAILED"
    assert rows[0]["error_message"] == HOSTILE
    assert set(rows[0]) >= {"id", "status", "previous_status", "running_seconds", "pages"}
    assert rows[-1]["event"] == "summary" and rows[-1]["exit_status"] == 1


def test_unknown_jobs_are_an_error_before_watching(run, world) -> None:
    known = create_job(world, "dfl-hold-known")
    for argv in (
        ("ext-00000000-0000-0000-0000-000000000000",),
        ("ext-zzzz",),
        (known, "ext-00000000-0000-0000-0000-000000000000"),
    ):
        r = run("watch", *argv, "--exit-status")
        assert r.code == 2, argv
        assert r.out == ""
        assert len(r.err.strip().splitlines()) == 1 and "not found" in r.err


@pytest.mark.parametrize("strict", [True, False], ids=["exit-status", "plain"])
def test_a_job_deleted_while_watched_exits_2(run, world, clock, monkeypatch, strict) -> None:
    job_id = create_job(world, "dfl-hold-deleted")

    def delete_at_two(cycle: int, watched: Sequence[Watched]) -> None:
        clock.advance(0.5)
        if cycle == 2:
            rec = world.state.record(job_id)
            assert rec is not None
            world.state.delete_job(rec, force=True)

    checks = on_cycle(monkeypatch, delete_at_two)
    flags = ["--exit-status"] if strict else []
    r = run("watch", job_id, "--interval", "0", "--json", *flags)
    assert r.code == 2  # never 0 for a job that is not there
    assert checks == [0, 1, 2, 3]
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert rows[-2]["gone"] is True and rows[-2]["previous_status"] == "RUNNING"
    assert rows[-1] == {
        "event": "summary",
        "exit_status": 2,
        "error": None,
        "statuses": {"GONE": 1},
        "jobs": {job_id: None},
        "gone": [job_id],
    }
    assert f"job {job_id} is gone" in r.err


def test_a_rejected_key_exits_2(run, monkeypatch) -> None:
    with SimServer(SimConfig(api_key="the-right-key", big_rows=100)) as server:
        point_at(monkeypatch, server)
        r = run("watch", "ext-00000000-0000-0000-0000-000000000000", "--exit-status")
    assert r.code == 2 and r.out == ""
    assert "key rejected (401)" in r.err


def test_the_network_going_down_mid_watch_exits_2(run, world, clock, monkeypatch) -> None:
    job_id = create_job(world, "dfl-hold-offline")

    def go_down(cycle: int, watched: Sequence[Watched]) -> None:
        if cycle == 1:
            world.config.faults.down = True

    on_cycle(monkeypatch, go_down)
    r = run("watch", job_id, "--exit-status", "--interval", "0")
    assert r.code == 2
    assert "cannot reach the server" in r.err
    assert len(r.out.splitlines()) == 1 and "PENDING" in r.out  # the first check, once


def test_an_unknown_status_is_not_final(run, world, clock, monkeypatch) -> None:
    job_id = create_job(world, "dfl-unknown-status")  # ends NEEDS_REVIEW, never documented
    seen: list[str | None] = []

    def look(cycle: int, watched: Sequence[Watched]) -> None:
        clock.advance(0.5)
        seen.append(watched[0].status)
        if cycle == 10:
            raise KeyboardInterrupt  # still watching: the only way out

    on_cycle(monkeypatch, look)
    r = run("watch", job_id, "--exit-status", "--interval", "0")
    assert r.code == 130
    assert seen[-1] == "NEEDS_REVIEW" and seen.count("NEEDS_REVIEW") > 3
    assert r.out.splitlines()[-1].split()[1:3] == ["?", "NEEDS_REVIEW"]


def test_bad_interval_is_a_usage_error(run) -> None:
    assert run("watch", "ext-1", "--interval", "-1").code == 2
    assert run("watch", "ext-1", "--interval", "nan").code == 2


# -- one request per project per check --------------------------------------------------------


class ListCalls:
    """The job-list calls the client makes, with how many ids each asked for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from explorer.api.client import ExtractClient

        self.asked: list[int] = []
        original = ExtractClient.list_jobs

        async def counted(client: ExtractClient, **kw: Any) -> Any:
            self.asked.append(len(kw.get("job_ids") or ()))
            return await original(client, **kw)

        monkeypatch.setattr(ExtractClient, "list_jobs", counted)


def test_fifty_jobs_in_two_projects_cost_two_requests_per_check(run, world, monkeypatch) -> None:
    finance = next(p.id for p in world.state.projects.values() if p.name == "Finance ops")
    ids = [create_job(world, f"dfl-hold-{i}") for i in range(25)]
    ids += [create_job(world, f"dfl-hold-{i}", finance) for i in range(25, 50)]
    calls = ListCalls(monkeypatch)
    arrived: list[int] = []

    def cancel_at_three(cycle: int, watched: Sequence[Watched]) -> None:
        arrived.append(world.state.requests)  # counted on arrival: before any answer
        if cycle == 3:
            for job_id in ids:
                rec = world.state.record(job_id)
                assert rec is not None
                world.state.cancel_job(rec)

    on_cycle(monkeypatch, cancel_at_three)
    r = run("watch", *ids, "--exit-status", "--interval", "0")
    assert r.code == 1, r.err  # all CANCELLED
    assert arrived and len(arrived) == 5
    # after the first check (which had to find the 25 of the other project), every check
    # is one list request per project, each asking for that project's 25 ids
    assert [b - a for a, b in itertools.pairwise(arrived)] == [2, 2, 2, 2]
    assert calls.asked[-8:] == [25] * 8
    assert len(r.out.splitlines()) == 100  # RUNNING, then CANCELLED, for each


# -- on a terminal ----------------------------------------------------------------------------


def test_on_a_terminal_lines_are_redrawn_and_the_cursor_comes_back(
    run, world, clock, monkeypatch
) -> None:
    from explorer.commands import output

    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    first, second = create_job(world, "dfl-tty-a"), create_job(world, "dfl-tty-b")
    checks = on_cycle(monkeypatch, ticking(clock))
    r = run("watch", first, second, "--interval", "0")
    assert r.code == 0
    assert r.out.startswith("\x1b[?25l") and r.out.endswith("\x1b[?25h")
    assert r.out.count("\x1b[2A") == len(checks) - 1  # every redraw goes back up two lines
    assert r.out.count("\x1b[?25l") == r.out.count("\x1b[?25h") == 1


def test_ctrl_c_stops_quietly_with_130_and_a_clean_terminal(run, world, clock, monkeypatch) -> None:
    from explorer.commands import output

    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    job_id = create_job(world, "dfl-hold-interrupted")

    def interrupt(cycle: int, watched: Sequence[Watched]) -> None:
        if cycle == 1:
            raise KeyboardInterrupt

    on_cycle(monkeypatch, interrupt)
    r = run("watch", job_id, "--exit-status", "--interval", "0")
    assert r.code == 130
    assert r.out.endswith("\x1b[?25h")
    assert r.err == ""


def test_demo_mode_watches_the_embedded_simulator(run, monkeypatch) -> None:
    monkeypatch.delenv("LLAMA_CLOUD_API_KEY")
    monkeypatch.delenv("LLAMA_CLOUD_BASE_URL")
    listed = run("list", "--status", "COMPLETED", "--limit", "1", "--json", "--seed", "3")
    job_id = json.loads(listed.out)["id"]
    r = run("watch", job_id, "--exit-status", "--seed", "3")
    assert r.code == 0, r.err
    assert "using the embedded simulator" in r.err and "✔ COMPLETED" in r.out


# -- projects ---------------------------------------------------------------------------------


def test_projects_match_the_api(run, world) -> None:
    api = sim_get(world, "/api/v2/projects", {"page_size": 100}).json()["items"]
    r = run("projects")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "ORGANIZATION", "DEFAULT", "CREATED"]
    assert [line.split()[0] for line in lines[1:]] == [p["id"] for p in api]
    for line, project in zip(lines[1:], api, strict=True):
        assert (" default " in line) == bool(project["is_default"])
    data = run("projects", "--json").json()
    assert [p["id"] for p in data] == [p["id"] for p in api]
    assert [p["is_default"] for p in data] == [p["is_default"] for p in api]


def test_a_key_that_may_not_list_projects_gets_a_note_and_its_default_project(
    run, monkeypatch
) -> None:
    with SimServer(SimConfig(key_kind="organization", big_rows=100)) as server:
        point_at(monkeypatch, server)
        r = run("projects")
        data = run("projects", "--json").json()
        default = server.state.default_project.id
    assert r.code == 0
    assert len(r.err.strip().splitlines()) == 1 and "may not list projects" in r.err
    assert len(r.out.splitlines()) == 2 and default in r.out and " default " in r.out
    assert [(p["id"], p["is_default"]) for p in data] == [(default, True)]


def test_a_project_scoped_key_sees_its_one_project(run, monkeypatch) -> None:
    with SimServer(SimConfig(key_kind="project", big_rows=100)) as server:
        point_at(monkeypatch, server)
        data = run("projects", "--json").json()
        default = server.state.default_project.id
    assert [(p["id"], p["is_default"]) for p in data] == [(default, True)]

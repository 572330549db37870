"""The app under faults: it keeps running, says what is wrong, keeps what is on screen, backs
off (a bounded number of requests), and recovers by itself once the fault is lifted."""

from __future__ import annotations

import pytest

from explorer.core.present import short_id
from explorer.core.watcher import ERROR_BASE, ERROR_MAX
from explorer.sim import SimConfig, SimServer
from explorer.tui.widgets.panes import OverviewPane
from tests.reliability.apps import error_toasts, started, status, tree_jobs, watched
from tests.tui.helpers import sim_app, static_text, tree_lines, wait_until

#: sim_app's client: 1 + 2 retries per request. A refresh cycle stops at its first failure.
ATTEMPTS_PER_CYCLE = 3
#: Observation windows: a long one spans the first 2 s backoff; a short one ends before it,
#: so recovery comes at the first retry (the backoff growth itself is in test_watcher_backoff).
LONG, SHORT = 3.0, 1.5
#: How long a request sent before the client read a 429 may take to reach the server.
IN_FLIGHT = 0.5


@pytest.fixture
def busy_sim():
    # Hour-long jobs: there is always something running for the watcher to refresh.
    with SimServer(SimConfig(seed=5, job_seconds=3600, big_rows=200)) as server:
        yield server


def cycles_allowed(errors_so_far: int, window: float) -> int:
    """Failed refreshes the watcher may start within ``window`` s after its last failure."""
    cycles, waited, n = 0, 0.0, errors_so_far
    while True:
        waited += min(ERROR_MAX, ERROR_BASE * 2 ** (n - 1))
        if waited > window:
            return cycles + 1  # + the one that may be in flight as the window closes
        cycles, n = cycles + 1, n + 1


@pytest.mark.parametrize(
    ("fault", "value", "says", "window"),
    [
        ("error_rate", 1.0, ("server error 50",), LONG),
        ("down", True, ("offline",), SHORT),
        ("reset_rate", 1.0, ("offline",), SHORT),
        # cut off (offline, retried) then malformed (a bad response)
        ("garble_rate", 1.0, ("bad response", "offline"), SHORT),
    ],
)
async def test_fault_is_shown_backed_off_and_recovered_from(
    busy_sim, fault, value, says, window
) -> None:
    app = watched(sim_app(busy_sim, list_refresh=1.0))
    async with app.run_test(size=(120, 40)) as pilot:
        before = await started(pilot, app)
        setattr(busy_sim.config.faults, fault, value)
        await wait_until(pilot, lambda: "retrying in" in status(app), timeout=15)
        assert status(app).startswith(says), status(app)

        # Over a window, the requests stay within what the backoff allows.
        errors = app.watcher.errors
        busy_sim.state.reset_counters()
        await pilot.pause(window)
        cycles = app.watcher.errors - errors
        assert cycles <= cycles_allowed(errors, window)
        assert busy_sim.state.requests <= ATTEMPTS_PER_CYCLE * (cycles + 1)
        assert app.is_running
        assert tree_jobs(app) == before  # what was on screen stays

        # Lifted: recovers without a key press, and live updates reach the tree again.
        setattr(busy_sim.config.faults, fault, type(value)())
        await wait_until(pilot, lambda: status(app).startswith("refreshed"), timeout=20)
        await cancel_reaches_the_tree(pilot, app, busy_sim)
    assert app.worker_errors == []


def group_count(app, status_word: str) -> int:
    """The count on a status group's line (``⊘ CANCELLED (3)``), 0 when there is none."""
    for line in tree_lines(app):
        if f" {status_word} (" in line and "ext-" not in line:
            return int(line.rsplit("(", 1)[1].rstrip("+)"))
    return 0


async def cancel_reaches_the_tree(pilot, app, sim: SimServer) -> None:
    """A job cancelled on the server moves to the CANCELLED group without a key press, and
    stays in sight there (the group opens for a job that was on screen)."""
    running = app.watcher.active_ids[0]
    label = short_id(running)
    assert any(label in line for line in tree_lines(app))
    cancelled = group_count(app, "CANCELLED")
    sim.state.cancel_job(sim.state.record(running))
    await wait_until(pilot, lambda: group_count(app, "CANCELLED") == cancelled + 1, timeout=15)
    lines = tree_lines(app)
    groups = [i for i, line in enumerate(lines) if "ext-" not in line and " (" in line]
    at = [i for i, line in enumerate(lines) if label in line]
    assert len(at) == 1, lines  # it left its running group
    heading = lines[max(g for g in groups if g < at[0])]
    assert " CANCELLED (" in heading, lines


async def test_rate_limit_is_named_and_retry_after_honoured(busy_sim) -> None:
    app = watched(sim_app(busy_sim, list_refresh=1.0))
    async with app.run_test(size=(120, 40)) as pilot:
        before = await started(pilot, app)
        busy_sim.state.reset_counters()
        busy_sim.config.faults.rate_limit = 0.5  # one request per 2 s
        await wait_until(pilot, lambda: "rate limited" in status(app), timeout=15)
        await pilot.pause(SHORT)
        assert app.is_running and tree_jobs(app) == before
        # Every 429 said "Retry-After: 1" or more. Requests already in flight when it was sent
        # may land just after it; anything sent once the client had read it waits the second.
        log = sorted(busy_sim.state.request_log)
        limited = [at for at, _, _, code in log if code == 429]
        assert limited
        for at in limited:
            too_soon = [t for t, *_ in log if at + IN_FLIGHT < t < at + 0.95]
            assert not too_soon, f"{len(too_soon)} request(s) within a 429's Retry-After"
        busy_sim.config.faults.rate_limit = 0
        await wait_until(pilot, lambda: status(app).startswith("refreshed"), timeout=20)
    assert app.worker_errors == []


async def test_keys_work_while_a_slow_response_is_in_flight(busy_sim) -> None:
    app = watched(sim_app(busy_sim))
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        # Long enough that two key presses on a busy machine cannot outlast it.
        busy_sim.config.faults.latency_ms = 8000
        await wait_until(pilot, lambda: not app.watcher.in_flight)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.watcher.in_flight)
        await pilot.press("ctrl+g")  # regroup while the request hangs
        assert app.main.tree.grouping == "document"
        assert "group: document" in static_text(app.query_one("#status-left"))
        await pilot.press("ctrl+g")
        assert app.main.tree.grouping == "configuration"
        assert app.watcher.in_flight, "the slow refresh should still be waiting"
        busy_sim.config.faults.latency_ms = 0
        await wait_until(pilot, lambda: status(app).startswith("refreshed"), timeout=30)
    assert app.worker_errors == []


async def test_rejected_key_says_so_and_the_app_stays_usable() -> None:
    with SimServer(SimConfig(api_key="right", big_rows=200)) as locked:
        app = watched(sim_app(locked))  # sim_app's client sends another key
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: "key rejected (401)" in status(app), timeout=15)
            assert status(app).startswith("key rejected (401): check LLAMA_CLOUD_API_KEY")
            await pilot.press("ctrl+g")
            assert app.main.tree.grouping == "document"
            assert app.is_running
            # The start-up retries back off too: a rejected key is not hammered.
            locked.state.reset_counters()
            await pilot.pause(SHORT)
            assert locked.state.requests <= ATTEMPTS_PER_CYCLE * 2
    assert app.worker_errors == []


async def test_a_deleted_job_says_not_found(busy_sim) -> None:
    job_id = busy_sim.state.notable["nasty"]
    busy_sim.state.delete_job(busy_sim.state.record(job_id), force=True)
    app = watched(sim_app(busy_sim, job_id=job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(OverviewPane)
        await wait_until(pilot, lambda: "not found (deleted?)" in static_text(pane))
        # the toast is posted as a message: it lands a moment later
        await wait_until(pilot, lambda: any("not found (deleted?)" in t for t in error_toasts(app)))
        await started(pilot, app)  # the rest of the app carries on
    assert app.worker_errors == []

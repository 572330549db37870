"""The app keeps running under faults, says what is wrong, keeps its data, and recovers."""

from __future__ import annotations

import pytest

from explorer.sim import SimConfig, SimServer
from tests.tui.helpers import sim_app, static_text, tree_lines, wait_until


def status(app) -> str:
    return static_text(app.query_one("#status-right"))


@pytest.fixture
def busy_sim():
    # Long jobs: there is always something running for the watcher to refresh.
    with SimServer(SimConfig(seed=5, job_seconds=3600, big_rows=500)) as server:
        yield server


async def started(pilot, app) -> list[str]:
    await wait_until(pilot, lambda: any("COMPLETED" in line for line in tree_lines(app)))
    await wait_until(pilot, lambda: "refreshed" in status(app), timeout=15)
    return tree_lines(app)


@pytest.mark.parametrize(
    ("fault", "value", "says"),
    [
        ("error_rate", 1.0, "server error 5"),
        ("down", True, "offline"),
        ("reset_rate", 1.0, "offline"),
        ("garble_rate", 1.0, ""),
    ],
)
async def test_fault_shows_keeps_data_and_recovers(busy_sim, fault, value, says) -> None:
    app = sim_app(busy_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        before = await started(pilot, app)
        setattr(busy_sim.config.faults, fault, value)
        await wait_until(pilot, lambda: "retrying in" in status(app), timeout=20)
        assert says in status(app)
        # Within a fault window the watcher backs off: count what it sends.
        busy_sim.state.reset_counters()
        await pilot.pause(4.0)
        # 2 s then 4 s error backoff, each attempt at most 1 + 1 retry per batch.
        assert busy_sim.state.requests <= 8
        assert app.is_running
        assert tree_lines(app)[:5] == before[:5]  # what was on screen stays
        setattr(busy_sim.config.faults, fault, type(value)())
        await wait_until(pilot, lambda: status(app).startswith("refreshed"), timeout=40)


async def test_rate_limit_is_named_and_retry_after_honoured(busy_sim) -> None:
    app = sim_app(busy_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        busy_sim.config.faults.rate_limit = 0.3
        await wait_until(pilot, lambda: "rate limited" in status(app), timeout=30)
        assert app.is_running
        busy_sim.config.faults.rate_limit = 0
        await wait_until(pilot, lambda: status(app).startswith("refreshed"), timeout=40)


async def test_keys_work_while_a_slow_response_is_in_flight(busy_sim) -> None:
    app = sim_app(busy_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        busy_sim.config.faults.latency_ms = 3000
        app.action_refresh_now()
        await pilot.pause(0.2)
        assert app.watcher.in_flight
        await pilot.press("g")  # regroup while the request hangs
        assert app.tree.grouping == "document"
        await pilot.press("g")
        assert app.tree.grouping == "configuration"
        busy_sim.config.faults.latency_ms = 0


async def test_rejected_key_says_so() -> None:
    with SimServer(SimConfig(api_key="the-right-key")) as locked:
        app = sim_app(locked)  # sim_app uses a different key
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: "key rejected (401)" in status(app), timeout=15)
            assert "LLAMA_CLOUD_API_KEY" in status(app)
            assert app.is_running

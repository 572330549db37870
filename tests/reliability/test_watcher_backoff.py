"""The refresh watcher's error policy on a fake clock: what the status line says, and when.

Exponential backoff from 2 s to 60 s, the server's Retry-After honoured (and capped), one
refresh in flight, and a clean slate after the first success.
"""

from __future__ import annotations

from explorer.core.watcher import ERROR_BASE, ERROR_MAX, RefreshWatcher


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def running_watcher(clock: Clock) -> RefreshWatcher:
    watcher = RefreshWatcher(min_interval=1.0, max_interval=5.0, list_interval=15.0, clock=clock)
    watcher.track([("ext-1", "RUNNING")])
    return watcher


def test_errors_back_off_exponentially_up_to_a_ceiling() -> None:
    clock = Clock()
    watcher = running_watcher(clock)
    delays = []
    for _ in range(9):
        plan = watcher.due()
        assert plan, "a refresh should be due once the backoff has passed"
        watcher.started()
        assert not watcher.due(force=True), "never two refreshes in flight"
        delays.append(watcher.failed("offline"))
        assert not watcher.due(), "nothing is due during the backoff"
        clock.now += delays[-1]
    assert delays == [min(ERROR_MAX, ERROR_BASE * 2**i) for i in range(9)]
    assert delays[-1] == ERROR_MAX


def test_status_line_counts_down_then_says_refreshed() -> None:
    clock = Clock()
    watcher = running_watcher(clock)
    watcher.started()
    watcher.failed("server error 502")
    assert watcher.describe() == "server error 502, retrying in 2 s"
    clock.now += 1.2
    assert watcher.describe() == "server error 502, retrying in 1 s"
    clock.now += 1.0
    plan = watcher.due()
    watcher.started()
    watcher.finished(plan)
    clock.now += 3.4
    assert watcher.describe() == "refreshed 3 s ago"
    # Success resets the backoff: the next failure waits the base delay again.
    watcher.started()
    assert watcher.failed("offline") == ERROR_BASE


def test_retry_after_is_honoured_and_capped() -> None:
    clock = Clock()
    watcher = running_watcher(clock)
    watcher.started()
    assert watcher.failed("rate limited", retry_after=17) == 17
    assert watcher.describe() == "rate limited, retrying in 17 s"
    clock.now += 16.5
    assert not watcher.due()
    clock.now += 0.5
    assert watcher.due()
    # A shorter hint than the backoff does not shorten the backoff.
    watcher.started()
    assert watcher.failed("rate limited", retry_after=0.5) == ERROR_BASE * 2
    # An absurd hint is capped: the app tries again within minutes, not hours.
    watcher.started()
    assert watcher.failed("rate limited", retry_after=86_400) <= ERROR_MAX * 5


def test_a_forced_refresh_skips_the_wait_but_not_the_in_flight_rule() -> None:
    clock = Clock()
    watcher = running_watcher(clock)
    watcher.started()
    watcher.failed("offline")
    assert not watcher.due()
    assert watcher.due(force=True).job_ids == ["ext-1"]  # the user pressed r
    watcher.started()
    assert not watcher.due(force=True)


def test_paused_says_so_and_asks_for_nothing() -> None:
    clock = Clock()
    watcher = running_watcher(clock)
    watcher.paused = True
    clock.now += 100
    assert not watcher.due()
    assert watcher.describe() == "paused"

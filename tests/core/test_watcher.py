"""The refresh watcher's cadence and batching on a fake clock."""

from __future__ import annotations

from explorer.core.watcher import MAX_IDS_PER_CYCLE, RefreshWatcher


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cycle(watcher: RefreshWatcher, clock: Clock) -> list[str]:
    """Run one refresh cycle (nothing changed) and return the ids it refreshed."""
    clock.now += watcher.next_delay()
    plan = watcher.due()
    watcher.started()
    watcher.finished(plan)
    return plan.job_ids


def test_few_running_jobs_are_all_refreshed_every_cycle() -> None:
    clock = Clock()
    watcher = RefreshWatcher(clock=clock)
    watcher.track([("a", "RUNNING"), ("b", "PENDING"), ("c", "COMPLETED")])
    assert cycle(watcher, clock) == ["a", "b"]
    assert cycle(watcher, clock) == ["a", "b"]


def test_many_running_jobs_rotate_two_calls_per_cycle_and_none_is_starved() -> None:
    clock = Clock()
    watcher = RefreshWatcher(clock=clock)
    ids = [f"ext-{i:03d}" for i in range(250)]
    watcher.track((j, "RUNNING") for j in ids)
    first, second, third = (cycle(watcher, clock) for _ in range(3))
    assert len(first) == len(second) == len(third) == MAX_IDS_PER_CYCLE == 200
    assert first == ids[:200]
    # The 50 left out come first next time, then those refreshed longest ago.
    assert second == ids[200:] + ids[:150]
    assert third == ids[150:200] + ids[:150]
    refreshed: dict[str, int] = {}
    for n in range(10):
        for job_id in cycle(watcher, clock):
            refreshed[job_id] = n
    # Every job came round within the last two cycles.
    assert min(refreshed.values()) >= 8 and len(refreshed) == 250


def test_a_job_that_finishes_leaves_the_rotation() -> None:
    clock = Clock()
    watcher = RefreshWatcher(max_ids=2, clock=clock)
    watcher.track([("a", "RUNNING"), ("b", "RUNNING"), ("c", "RUNNING")])
    assert cycle(watcher, clock) == ["a", "b"]
    watcher.track([("c", "COMPLETED")])
    assert cycle(watcher, clock) == ["a", "b"]
    watcher.forget("a")
    assert cycle(watcher, clock) == ["b"]

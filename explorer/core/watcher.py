"""Which jobs need refreshing, and when: the live-refresh policy, free of any UI.

The app asks ``due()`` / ``next_delay()`` and reports back what each refresh found; the watcher
owns the cadence (fast after a change, backing off while nothing moves), the slower job-list
refresh, error backoff (honouring ``Retry-After``), pause, and the one-refresh-in-flight rule.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from explorer.api.models import TERMINAL_STATUSES

#: The cadence multiplies by this after each quiet cycle, up to ``max_interval``.
BACKOFF_FACTOR = 1.5
#: Error backoff: base and ceiling in seconds.
ERROR_BASE = 2.0
ERROR_MAX = 60.0
#: Job ids refreshed per cycle at most: two list calls of 100 ids. With more jobs running,
#: each cycle takes those refreshed longest ago, so every job comes round in turn.
MAX_IDS_PER_CYCLE = 200


@dataclass
class WatchPlan:
    """What to do on this tick: refresh these running jobs, and/or the job list."""

    job_ids: list[str] = field(default_factory=list)
    refresh_list: bool = False

    def __bool__(self) -> bool:
        return bool(self.job_ids) or self.refresh_list


@dataclass
class StatusChange:
    """A job whose status moved since the watcher last saw it."""

    job_id: str
    old: str
    new: str


class RefreshWatcher:
    """Decides the refresh cadence for non-terminal jobs and the job list.

    Cadence: ``min_interval`` (near 1 s) right after something changed, multiplied by 1.5 per
    quiet cycle up to ``max_interval``. The list refresh runs every ``list_interval``. Errors back
    off exponentially from 2 s to 60 s (or the server's ``Retry-After``) and reset on success.
    """

    def __init__(
        self,
        *,
        min_interval: float = 1.0,
        max_interval: float = 5.0,
        list_interval: float = 15.0,
        max_ids: int = MAX_IDS_PER_CYCLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_interval = min_interval
        self.max_interval = max(max_interval, min_interval)
        self.list_interval = list_interval
        self.max_ids = max(1, max_ids)
        self.clock = clock
        self.interval = min_interval
        self.paused = False
        self.in_flight = False
        self.errors = 0
        self.last_error: str | None = None
        self.retry_at: float | None = None
        self.last_success: float | None = None
        #: Successful refreshes so far (the benchmarks count requests per cycle).
        self.cycles = 0
        self._statuses: dict[str, str] = {}
        #: job id -> the cycle that last refreshed it (rotation when there are too many)
        self._refreshed_in: dict[str, int] = {}
        self._next_jobs_at = clock()
        self._next_list_at = clock() + list_interval

    # -- what the app knows -----------------------------------------------------------------

    def track(self, jobs: Iterable[tuple[str, str]]) -> list[StatusChange]:
        """Record (job id, status) pairs the app has seen; returns the status changes."""
        changes: list[StatusChange] = []
        became_active = False
        for job_id, status in jobs:
            old = self._statuses.get(job_id)
            self._statuses[job_id] = status
            if old is not None and old != status:
                changes.append(StatusChange(job_id, old, status))
            if status not in TERMINAL_STATUSES and old != status:
                became_active = True
        if changes or became_active:
            # Something moves: look again soon.
            self.interval = self.min_interval
            self._next_jobs_at = min(self._next_jobs_at, self.clock() + self.min_interval)
        return changes

    def forget(self, job_id: str) -> None:
        """Stop tracking a job (deleted, or gone from the API)."""
        self._statuses.pop(job_id, None)
        self._refreshed_in.pop(job_id, None)

    @property
    def active_ids(self) -> list[str]:
        """Every known job that may still change."""
        return [j for j, s in self._statuses.items() if s not in TERMINAL_STATUSES]

    # -- when -------------------------------------------------------------------------------

    def due(self, force: bool = False) -> WatchPlan:
        """What should be refreshed now (empty when nothing is due, paused, or busy)."""
        if self.in_flight or (self.paused and not force):
            return WatchPlan()
        now = self.clock()
        if not force and self.retry_at is not None and now < self.retry_at:
            return WatchPlan()
        plan = WatchPlan()
        if force or now >= self._next_jobs_at:
            plan.job_ids = self._next_batch()
        if force or now >= self._next_list_at:
            plan.refresh_list = True
        return plan

    def _next_batch(self) -> list[str]:
        """The active jobs to refresh this cycle: all of them, or the longest unrefreshed."""
        active = self.active_ids
        if len(active) <= self.max_ids:
            return active
        never = -1
        # sorted() is stable: among equals, the order the jobs became known.
        return sorted(active, key=lambda j: self._refreshed_in.get(j, never))[: self.max_ids]

    def next_delay(self) -> float:
        """Seconds until the next tick worth waking up for."""
        now = self.clock()
        if self.retry_at is not None and self.retry_at > now:
            return self.retry_at - now
        targets = [self._next_list_at]
        if self.active_ids:
            targets.append(self._next_jobs_at)
        return max(0.05, min(targets) - now)

    def started(self) -> None:
        """A refresh is now in flight (never two at once)."""
        self.in_flight = True

    def finished(self, plan: WatchPlan, changes: int = 0) -> None:
        """A refresh succeeded; ``changes`` is how many jobs it saw move."""
        now = self.clock()
        self.in_flight = False
        self.cycles += 1
        self.errors = 0
        self.last_error = None
        self.retry_at = None
        self.last_success = now
        for job_id in plan.job_ids:
            if job_id in self._statuses:
                self._refreshed_in[job_id] = self.cycles
        if plan.job_ids or not plan.refresh_list:
            if changes:
                self.interval = self.min_interval
            else:
                self.interval = min(self.max_interval, self.interval * BACKOFF_FACTOR)
            self._next_jobs_at = now + self.interval
        if plan.refresh_list:
            self._next_list_at = now + self.list_interval

    def failed(self, reason: str, retry_after: float | None = None) -> float:
        """A refresh failed; returns the seconds until the next try."""
        self.in_flight = False
        self.errors += 1
        self.last_error = reason
        delay = min(ERROR_MAX, ERROR_BASE * (2 ** (self.errors - 1)))
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, ERROR_MAX * 5))
        self.retry_at = self.clock() + delay
        return delay

    # -- what to show -----------------------------------------------------------------------

    def describe(self) -> str:
        """The status-line text: "refreshed 3 s ago", "paused", "offline, retrying in 8 s"."""
        now = self.clock()
        if self.paused:
            return "paused"
        if self.last_error is not None and self.retry_at is not None:
            wait = max(0, round(self.retry_at - now))
            return f"{self.last_error}, retrying in {wait} s"
        if self.in_flight and self.last_success is None:
            return "loading…"
        if self.last_success is None:
            return "not refreshed yet"
        ago = max(0, int(now - self.last_success))
        return f"refreshed {ago} s ago"

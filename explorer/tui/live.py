"""Live refresh: the watcher, its timer and the retry notes. No widgets.

The policy (what is due, backoff, pause) is :class:`~explorer.core.watcher.RefreshWatcher`'s;
this drives it with one timer that reschedules itself after each refresh finishes, so two
refreshes never overlap. The app gives it the ways to start work and to be told of changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from explorer.api.models import ExtractJob
from explorer.core.errors import describe_error
from explorer.core.watcher import RefreshWatcher, StatusChange, WatchPlan
from explorer.tui.widgets.status_bar import Part


class LiveRefresh:
    """When to refresh what, and what the status line says about it."""

    def __init__(
        self,
        watcher: RefreshWatcher,
        *,
        live: bool,
        set_timer: Callable[[float, Callable[[], Any]], Any],
        start_refresh: Callable[[WatchPlan], None],
        start_projects: Callable[[], None],
        have_projects: Callable[[], bool],
        held: Callable[[], bool],
        changed: Callable[[], None],
    ) -> None:
        self.watcher = watcher
        self.live = live
        self._set_timer = set_timer
        self._start_refresh = start_refresh
        self._start_projects = start_projects
        self._have_projects = have_projects
        self._held = held
        self._changed = changed
        self._timer: Any = None
        self._due = 0.0
        self.stopped = False
        #: (reason, when the next try happens) while the client waits to retry.
        self.retry_note: tuple[str, float] | None = None

    # -- told by the client and the workers ---------------------------------------------------

    def on_retry(self, error: BaseException, delay: float) -> None:
        """The client waits ``delay`` before retrying after ``error``: the status line says why
        meanwhile, in the words it uses for any failure."""
        self.retry_note = (describe_error(error), self.watcher.clock() + delay)
        self._changed()

    def track(self, jobs: Iterable[ExtractJob]) -> list[StatusChange]:
        """Jobs seen: wake sooner if one of them is running."""
        changes = self.watcher.track((job.id, job.status) for job in jobs)
        if self.live and not self.watcher.in_flight:
            delay = self.watcher.next_delay()
            if self._timer is None or delay < self._due - self.watcher.clock():
                self.schedule(delay)
        return changes

    def forget(self, job_id: str) -> None:
        self.watcher.forget(job_id)

    def started(self) -> None:
        self.watcher.started()
        self._changed()

    def finished(self, plan: WatchPlan, changes: int = 0) -> None:
        self.retry_note = None
        self.watcher.finished(plan, changes)
        self._changed()
        self.schedule(self.watcher.next_delay())

    def failed(self, error: str, retry_after: float | None = None) -> float:
        """A refresh (or a first load) failed: back off; returns the delay."""
        self.retry_note = None
        delay = self.watcher.failed(error, retry_after)
        self._changed()
        return delay

    def projects_arrived(self) -> None:
        if self.watcher.in_flight:
            self.watcher.finished(WatchPlan())
        self.schedule(self.watcher.next_delay())

    # -- the timer ----------------------------------------------------------------------------

    def schedule(self, delay: float) -> None:
        if not self.live or self.stopped:
            return
        if self._timer is not None:
            self._timer.stop()
        delay = max(0.05, delay)
        self._due = self.watcher.clock() + delay
        self._timer = self._set_timer(delay, self.tick)

    def tick(self, force: bool = False) -> None:
        """Start a refresh if one is due; otherwise sleep until one will be."""
        if self.stopped:
            return
        if self._held() and not force:  # (held also while the app exits: it is not stopped yet)
            # Like dolphie: no refresh under a modal question.
            self.schedule(1.0)
            return
        if not self._have_projects():
            # Start-up never got the projects (server down, key rejected): try again.
            if not self.watcher.in_flight:
                self.started()
                self._start_projects()
            return
        plan = self.watcher.due(force=force)
        if not plan:
            if not self.watcher.in_flight:
                self.schedule(self.watcher.next_delay())
            return
        self.started()
        self._start_refresh(plan)

    def stop(self) -> None:
        self.stopped = True
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    # -- the user's keys ------------------------------------------------------------------------

    def refresh_now(self) -> str | None:
        """``r``: a refresh at once; a sentence when that cannot happen."""
        if not self.live:
            return "Nothing offline changes: refreshing needs the API."
        if self.watcher.in_flight:
            return "A refresh is already running."
        self.watcher.retry_at = None
        self.tick(force=True)
        return None

    def toggle_pause(self) -> bool:
        self.watcher.paused = not self.watcher.paused
        if not self.watcher.paused:
            self.schedule(0.05)
        self._changed()
        return self.watcher.paused

    # -- what the status line says --------------------------------------------------------------

    @property
    def running(self) -> int:
        return len(self.watcher.active_ids)

    def describe(self) -> Part:
        watcher = self.watcher
        note = self.retry_note
        if note is not None and watcher.in_flight:
            wait = note[1] - watcher.clock()
            if wait > -1:
                kind = "error" if watcher.last_error else "warning"
                return Part(kind, f"{note[0]}, next try in {max(0, round(wait))} s")
        text = watcher.describe()
        if watcher.last_error:
            return Part("error", text)
        if watcher.paused:
            return Part("busy", text)
        return Part("quiet", text)

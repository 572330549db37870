"""Keeping Python's cyclic garbage collector out of the way of key presses.

The collector walks every container object it tracks. With 100,000 jobs in the store a full
pass takes 150 ms or more, and it starts whenever enough new objects have piled up: typically
in the middle of a key press, soon after a big load. The explorer's data is long-lived and
free of cycles (parsed JSON, pydantic models), so scanning it again and again finds nothing.

:class:`HeapSettler` freezes the heap (``gc.freeze``, which costs nothing) right after a big
load, so later passes skip what was loaded. Frozen cycles are never collected, so while the
user is idle it settles now and then: unfreeze, one full collection, freeze again. Cycles that
died meanwhile (closed dialogs, rebuilt tree nodes) are reclaimed then; the pause happens when
nobody is typing instead of in the middle of a key press.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: Items (jobs, result rows) loaded since the last freeze that make the next one worth it.
FREEZE_AFTER = 2_000
#: Seconds without input before a settle may run, and at least this long between settles.
IDLE_SECONDS = 1.0
SETTLE_EVERY = 30.0


class HeapSettler:
    """Freezes the heap after big loads and settles it while the user is idle."""

    def __init__(
        self,
        loaded: Callable[[], int],
        *,
        threshold: int = FREEZE_AFTER,
        idle: float = IDLE_SECONDS,
        every: float = SETTLE_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        #: A running count of items loaded so far (the store's ``loaded`` counter).
        self.loaded = loaded
        self.threshold = threshold
        self.idle = idle
        self.every = every
        self.clock = clock
        self.freezes = 0
        self.settles = 0
        self._frozen_at = loaded()
        self._last_input = clock()
        self._last_settle = clock()

    def started(self) -> None:
        """The app is up: what start-up built stays, out of the collector's way; and the
        collector runs again if start-up paused it."""
        gc.freeze()
        self.freezes += 1
        gc.enable()

    def input_seen(self) -> None:
        """The user pressed a key or used the mouse: not a moment to pause."""
        self._last_input = self.clock()

    def tick(self) -> str | None:
        """Call from a periodic timer. Returns "freeze" or "settle" when it did either."""
        loaded = self.loaded()
        now = self.clock()
        if loaded - self._frozen_at >= self.threshold:
            gc.freeze()
            self._frozen_at = loaded
            self.freezes += 1
            return "freeze"
        idle = now - self._last_input >= self.idle
        if self.freezes and idle and now - self._last_settle >= self.every:
            self.settle()
            return "settle"
        return None

    def settle(self) -> None:
        """One full collection of everything, then freeze the survivors out of later ones."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._last_settle = self.clock()
        self.settles += 1

    def release(self) -> None:
        """Give everything frozen back to the collector (the app is closing)."""
        if self.freezes:
            gc.unfreeze()

"""World time: a fixed base instant plus the simulator's clock.

Every timestamp of the world is stored as seconds relative to the base time (negative = before
it), so a fixed base gives byte-identical timestamps run after run. "Now" for job progress is the
base time plus however far the injected clock has moved since the server started.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class WorldClock:
    """Maps relative seconds to ISO 8601 strings and reports the current relative time."""

    def __init__(self, base: datetime | None, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._clock0 = clock()
        if base is None:
            # wall time, not the injected clock: a test clock may count from zero
            base = datetime.now(UTC)
        elif base.tzinfo is None:
            base = base.replace(tzinfo=UTC)
        # whole milliseconds, like the API's timestamps
        self.base_ms = round(base.timestamp() * 1000)
        self.base = _EPOCH + timedelta(milliseconds=self.base_ms)

    def now(self) -> float:
        """Seconds since the server started (the world's "now", relative to the base time)."""
        return round(self._clock() - self._clock0, 3)

    def iso(self, rel: float) -> str:
        """ISO 8601 UTC with milliseconds and `Z`, e.g. `2019-12-27T18:11:19.117Z`."""
        dt = _EPOCH + timedelta(milliseconds=self.base_ms + round(rel * 1000))
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"

    def rel_of(self, dt: datetime) -> float:
        """Relative seconds of an absolute datetime (naive means UTC)."""
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return (dt - self.base).total_seconds()

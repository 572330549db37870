"""The retry policy, modelled on the official SDK's (api-notes.md).

Retries 408/429/5xx and connection errors with exponential backoff (0.5 s doubling to 8 s,
minus up to 25 % jitter), honours ``retry-after-ms``, ``retry-after`` (seconds or an HTTP date)
and ``x-should-retry``, and caps both the number of attempts and the total time spent waiting.

Unlike the SDK, a 409 is never retried, nor is any other 4xx but 408 and 429 (whatever
``x-should-retry`` says): the same request gets the same answer (cancelling a finished job, a
bad body, a missing job), so the user is told at once instead of after a round of waits.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: The client errors worth another attempt: a request timeout and rate limiting.
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long the client retries a failed request."""

    max_retries: int = 5
    initial_delay: float = 0.5
    max_delay: float = 8.0
    #: Total seconds of waiting allowed across all retries of one call.
    max_total_wait: float = 60.0
    #: A server's Retry-After above this is not waited out inside one call (the caller decides).
    max_retry_after: float = 60.0
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def should_retry_status(self, status: int, headers: Mapping[str, str]) -> bool:
        """Whether a response with this status (and headers) is worth another attempt."""
        if 400 <= status < 500 and status not in _RETRYABLE_CLIENT_ERRORS:
            return False  # the request itself is refused: sending it again cannot help
        hint = headers.get("x-should-retry", "").strip().lower()
        if hint == "true":
            return True
        if hint == "false":
            return False
        return status in RETRYABLE_STATUSES or status >= 500

    def backoff(self, retry_index: int) -> float:
        """Delay before retry number ``retry_index`` (0-based) when the server gave no hint."""
        delay = min(self.initial_delay * (2**retry_index), self.max_delay)
        return delay * (1 - 0.25 * self.rng())

    def asks_too_long(self, headers: Mapping[str, str] | None) -> bool:
        """Whether the server's Retry-After is longer than one call is willing to wait."""
        hinted = retry_after_seconds(headers) if headers is not None else None
        return hinted is not None and hinted > self.max_retry_after

    def delay(self, retry_index: int, headers: Mapping[str, str] | None) -> float:
        """Delay before the next attempt: the server's hint if sane, else backoff."""
        hinted = retry_after_seconds(headers) if headers is not None else None
        if hinted is not None and 0 <= hinted <= self.max_retry_after:
            return hinted
        return self.backoff(retry_index)


def retry_after_seconds(
    headers: Mapping[str, str], now: Callable[[], datetime] | None = None
) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``retry-after``."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())

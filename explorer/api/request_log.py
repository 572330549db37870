"""Every HTTP exchange the client makes, kept in a bounded ring buffer (the request log).

:class:`JsonTransport` adds one :class:`RequestRecord` per attempt (a retried request is one
record per try, numbered by ``retry``): method, path and query as sent, status or the kind of
failure, duration, response size, when. What a record never holds: a header. The Authorization
header (the API key) and custom header values (``LLAMA_CLOUD_CUSTOM_HEADERS``) are not recorded
at all, so nothing here can leak them; a failure is described by its type, never by its
message (h11's messages quote the header that could not be sent). POST bodies are kept, capped.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from explorer.api.errors import ApiError

__all__ = [
    "BODY_CAP",
    "MAX_RECORDS",
    "RequestLog",
    "RequestRecord",
    "error_kind",
    "record_of",
]

#: Records kept; the oldest go first.
MAX_RECORDS = 500
#: Bytes of a request body kept (a re-run with a huge schema must not bloat memory).
BODY_CAP = 64 * 1024

_seq = itertools.count(1)
log = logging.getLogger("explorer.api")


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP exchange, as sent: no header, no key."""

    #: Increasing number of the record (unique per process): a stable key for a table row.
    seq: int
    method: str
    #: The URL path as sent (percent-encoded), without the query.
    path: str
    #: The query string as sent (``expand=a&expand=b``: repeated params kept), or "".
    query: str
    #: The HTTP status, None when no response came (see ``error``).
    status: int | None
    #: The kind of failure ("timeout", "connect error", "too large"...), None on a response.
    error: str | None
    #: Seconds from sending to the end of the body (or the failure).
    duration: float
    #: 0 for the first try, n for the n-th retry of the same call.
    retry: int
    #: Bytes of the response body read (error bodies are read only in part).
    response_size: int
    #: When it was sent (seconds since the epoch, for display).
    started_at: float
    #: The request body, at most ``BODY_CAP`` bytes of it.
    body: bytes | None = None
    #: The whole body's size in bytes (more than ``len(body)`` when capped).
    body_size: int = 0
    #: A presigned download (another host, no key): ``path`` is then the URL without its
    #: signed query string, which is never kept.
    presigned: bool = False

    @property
    def target(self) -> str:
        """Path and query, as on the request line."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def body_truncated(self) -> bool:
        """Whether the kept body is only the start of what was sent."""
        return self.body is not None and len(self.body) < self.body_size

    @property
    def ok(self) -> bool:
        """A response below 400 with no failure."""
        return self.error is None and self.status is not None and self.status < 400


def error_kind(exc: BaseException) -> str:
    """A short, key-free name of a failure (never its message)."""
    if isinstance(exc, ApiError):
        return exc.kind
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect error"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed"
    if isinstance(exc, httpx.ReadError):
        return "connection reset"
    if isinstance(exc, httpx.LocalProtocolError):
        return "bad header"
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled or deadline"
    return type(exc).__name__


def record_of(
    request: httpx.Request,
    *,
    retry: int,
    started: float,
    status: int | None = None,
    size: int = 0,
    exc: BaseException | None = None,
    body: bytes | None = None,
    body_cap: int = BODY_CAP,
) -> RequestRecord:
    """The record of one exchange of ``request``; ``started`` is its ``time.monotonic()``."""
    duration = max(0.0, time.monotonic() - started)
    raw = request.url.raw_path.decode("ascii", errors="replace")
    path, _, query = raw.partition("?")
    return RequestRecord(
        seq=next(_seq),
        method=request.method,
        path=path,
        query=query,
        status=status,
        error=error_kind(exc) if exc is not None else None,
        duration=duration,
        retry=retry,
        response_size=size,
        started_at=time.time() - duration,
        body=body[:body_cap] if body is not None else None,
        body_size=len(body) if body is not None else 0,
    )


class RequestLog:
    """The last ``maxlen`` records, oldest first, and a listener told of each new one.

    Thread-safe: a screen may read it while the client's loop appends.
    """

    def __init__(self, maxlen: int = MAX_RECORDS, body_cap: int = BODY_CAP) -> None:
        self.body_cap = body_cap
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        #: Called with each new record (from the thread that made the request).
        self.on_request: Callable[[RequestRecord], None] | None = None
        #: Records added since the log was made (more than ``len`` once the oldest went).
        self.total = 0

    @property
    def maxlen(self) -> int:
        """How many records are kept at most."""
        return self._records.maxlen or 0

    def add(self, record: RequestRecord) -> None:
        """Keep ``record`` (dropping the oldest when full) and tell the listener."""
        with self._lock:
            self._records.append(record)
            self.total += 1
        listener = self.on_request
        if listener is not None:
            try:
                listener(record)
            except Exception:  # a broken listener must not fail the request it was told of
                log.exception("request log listener failed")

    def note(
        self,
        request: httpx.Request,
        retry: int,
        started: float,
        status: int | None,
        size: int,
        body: bytes | None,
        exc: BaseException | None = None,
    ) -> None:
        """Keep the record of one exchange (see :func:`record_of`)."""
        self.add(
            record_of(
                request,
                retry=retry,
                started=started,
                status=status,
                size=size,
                exc=exc,
                body=body,
                body_cap=self.body_cap,
            )
        )

    def records(self) -> list[RequestRecord]:
        """A copy of the records, oldest first."""
        with self._lock:
            return list(self._records)

    def newest_first(self) -> list[RequestRecord]:
        """A copy of the records, newest first."""
        return self.records()[::-1]

    def last(
        self, predicate: Callable[[RequestRecord], bool] | None = None
    ) -> RequestRecord | None:
        """The newest record (that ``predicate`` accepts), or None."""
        for record in self.newest_first():
            if predicate is None or predicate(record):
                return record
        return None

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.records())

    def __repr__(self) -> str:
        return f"RequestLog({len(self)}/{self.maxlen} records)"

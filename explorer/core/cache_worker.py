"""A :class:`~explorer.core.job_cache.JobCache` on a thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from explorer.core.job_cache import JobCache

_T = TypeVar("_T")


class CacheWorker:
    """A :class:`JobCache` on a thread of its own: writes queue (fire and forget), reads are
    awaited; the event loop never touches SQLite. Opening starts at once, in that thread."""

    def __init__(self, make: Callable[[], JobCache]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-cache")
        self._opened: Future[JobCache] = self._pool.submit(make)
        self._closed = False
        self._first_view: Future[Any] | None = None

    @property
    def cache(self) -> JobCache:
        """The cache (waits for it to open)."""
        return self._opened.result()

    async def opened(self) -> JobCache:
        """The cache, awaited without holding a thread while it opens."""
        return await asyncio.wrap_future(self._opened)

    def first_view(self) -> Future[Any] | None:
        """The read of everything a start shows, queued on first call (as early as it can
        be, so it runs while the app imports); the same future on every call."""
        if self._first_view is None:
            self._first_view = self.submit("read_view")
        return self._first_view

    def submit(self, name: str, *args: Any) -> Future[Any] | None:
        """Queue ``cache.name(*args)``; None once closed."""
        if self._closed:
            return None
        try:
            return self._pool.submit(lambda: getattr(self.cache, name)(*args))
        except RuntimeError:  # shut down meanwhile
            return None

    async def call(self, name: str, *args: Any) -> Any:
        """``cache.name(*args)`` on the cache's thread, awaited (None once closed)."""
        future = self.submit(name, *args)
        if future is None:
            return None
        return await asyncio.wrap_future(future)

    def run(self, fn: Callable[[JobCache], _T]) -> _T:
        """``fn(cache)`` on the cache's thread, waited for (for commands and tests)."""
        return self._pool.submit(lambda: fn(self.cache)).result()

    def close(self) -> None:
        """Finish the queued writes, then close the database."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self._pool.submit(lambda: self.cache.close()).result(timeout=10)
        self._pool.shutdown(wait=False)

"""The first data the explorer shows, fetched while the app is still starting.

Importing Textual and building the screen takes a few hundred milliseconds of one core; the
projects and the first page of jobs are network round trips. :class:`Prefetch` starts both
requests in a thread as soon as the connection target is known, so they travel while the app
imports, and the first tree needs no round trip of its own. It retries nothing and reports
nothing: on any failure the app makes the same requests itself, which show their errors.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient
    from explorer.api.models import JobPage, Project
    from explorer.core.names import NameBook


class Prefetch:
    """``GET /projects``, the default project's first page and its names, in a thread."""

    def __init__(
        self,
        make_client: Callable[[], ExtractClient],
        page_size: int,
        names: NameBook | None = None,
    ) -> None:
        self.page_size = page_size
        #: Filled with the first page's file and configuration names before `take` returns.
        self.names = names
        self._make_client = make_client
        self._result: tuple[list[Project], JobPage] | None = None
        self._thread = threading.Thread(target=self._run, name="prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        async def fetch() -> tuple[list[Project], JobPage]:
            async with self._make_client() as client:
                names = self.names
                projects, page, _ = await asyncio.gather(
                    client.list_projects(),
                    client.list_jobs(page_size=self.page_size),
                    names.list_configurations(client) if names else asyncio.sleep(0),
                )
                if names is not None:
                    await names.resolve(client, page.items)  # the files of the page
                return projects, page

        try:
            self._result = asyncio.run(fetch())
        except Exception:
            self._result = None  # the app asks again and reports what went wrong

    async def wait(self, timeout: float) -> tuple[list[Project], JobPage] | None:
        """:meth:`take` for an event loop: waits without holding a thread, so a quit while
        a slow server has not answered yet is not held up (an executor thread blocked in
        ``join`` would keep the process alive until ``timeout``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._thread.is_alive() and loop.time() < deadline:
            await asyncio.sleep(0.01)
        return self.take(0)

    def take(self, timeout: float) -> tuple[list[Project], JobPage] | None:
        """The results (once; None if they failed or are not in within ``timeout`` s)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            return None
        result, self._result = self._result, None
        return result

"""Figure 7: HTTP requests per refresh cycle with 200 running jobs.

The app runs in this process (nothing here is timed, so sharing the GIL with the simulator
does no harm) against ``SimConfig(running_jobs=200)``. It pages through the whole default
project first, as a user scrolling to the end would, so it tracks every running job. A refresh
cycle starts each time the app asks its source for fresh copies of the jobs it watches; the
requests of a cycle are those the server counted from that start to the next one, so anything
else the app sends meanwhile is charged to the cycle too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

RUNNING = 200


def run(ctx: Context) -> list[Figure]:
    """Count server requests between the starts of consecutive refresh cycles."""
    from benchmarks.report import Figure, exit_errors
    from benchmarks.simhost import serving
    from benchmarks.stats import median
    from explorer.sim import SimConfig

    with serving(SimConfig(running_jobs=RUNNING)) as server:
        result = asyncio.run(_count(server, ctx.plan.refresh_cycles))
    per_cycle = result["per_cycle"]
    return [
        Figure(
            "refresh",
            f"HTTP requests per refresh cycle, {RUNNING} running jobs",
            median(per_cycle),
            "requests",
            target=2.0,
            samples=per_cycle,
            note=f"median of {len(per_cycle)} cycles (max {max(per_cycle)}); the app watched "
            f"{result['active']} active jobs in {result['projects']} project(s), "
            f"{result['per_request']} ids per request at most; refresh=0.2 s backing off, "
            "list refresh every 15 s" + exit_errors([result]),
        )
    ]


async def _count(server: Any, cycles: int) -> dict[str, Any]:
    from benchmarks.appkit import build_app, drive, wait_for, wait_started
    from explorer.api.client import MAX_PAGE_SIZE, ExtractClient
    from explorer.core.source import ApiJobSource

    starts: list[int] = []

    class CountingSource(ApiJobSource):
        """The app's real source, noting the server's request count as each cycle starts."""

        async def jobs(self, refs: Sequence[tuple[str, str | None]]) -> list[Any]:
            starts.append(server.state.requests)
            return await super().jobs(refs)

    source = CountingSource(ExtractClient("bench-key", server.url))
    app = build_app(server.url, source=source, refresh=0.2)

    async def script(pilot: Any) -> dict[str, Any]:
        await wait_started(app)
        project = app.default_project
        assert project is not None
        state = app.store.projects[project]
        while state.next_token is not None or state.loading:
            if not state.loading:
                app.main.request_page(project)
            await pilot.pause(0.02)
        await wait_for(lambda: len(app.watcher.active_ids) >= RUNNING, 30, "all running tracked")
        first = len(starts)
        await wait_for(lambda: len(starts) >= first + cycles + 1, 120, f"{cycles} refreshes")
        counts = [b - a for a, b in zip(starts[first:], starts[first + 1 :], strict=False)]
        active = app.watcher.active_ids
        projects = {app.store.project_of(job_id) for job_id in active}
        return {
            "per_cycle": counts[:cycles],
            "active": len(active),
            "projects": len(projects),
            "per_request": MAX_PAGE_SIZE,
        }

    return await drive(app, (120, 40), script, frames=False)

"""Figure: start to first tree drawn from the local cache, 1,000 jobs cached, server slow.

The cache (a fresh ``XDG_CACHE_HOME``) is filled with 1,000 jobs of the default project, made
from the simulator's own jobs, and the simulator answers every request 3 s late: the first
tree can only come from the cache. Each run is a fresh ``python -m benchmarks.startup`` with a
key and that server's URL (what ``extract-explorer`` does with ``LLAMA_CLOUD_API_KEY`` set),
paired, like the start-up figure, with a fresh :mod:`benchmarks.bare_app` started just before
it; the ratio is the median of the per-pair ratios. A run whose first tree came after any list
request was answered would not measure the cache: the harness refuses it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

#: Jobs in the cached listing.
CACHED_JOBS = 1000
#: How late the server answers (ms): longer than any start.
LATENCY_MS = 3000
KEY = "bench-cache-key"


def fill(home: Path, url: str, jobs: int = CACHED_JOBS) -> None:
    """The cache of ``url`` with ``jobs`` jobs in its default project (from its real jobs)."""
    import asyncio

    from explorer.api.client import ExtractClient
    from explorer.api.models import ExtractJob, JobPage
    from explorer.core.job_cache import JobCache, cache_dir, cache_path

    async def fetch() -> tuple[list[Any], Any]:
        async with ExtractClient(KEY, url) as client:
            return await client.list_projects(), await client.list_jobs(page_size=100)

    projects, first = asyncio.run(fetch())
    default = next((p for p in projects if p.is_default), projects[0])
    listed = [job.to_json_dict() for job in first.items]
    made = []
    for n in range(jobs):
        data = dict(listed[n % len(listed)])
        data["id"] = f"ext-cached-{n:05d}-{data['id'][4:]}"
        made.append(ExtractJob.from_json(data))
    path = cache_path(cache_dir({"XDG_CACHE_HOME": str(home)}), url, None)
    cache = JobCache(path, url, None)
    try:
        cache.save_projects(projects)
        for start in range(0, jobs, 100):
            page = JobPage(next_page_token=f"t{start + 100}" if start + 100 < jobs else None)
            page.items = made[start : start + 100]
            cache.save_page(default.id, None if start == 0 else f"t{start}", page)
    finally:
        cache.close()


def read_times(home: Path, url: str, runs: int) -> list[float]:
    """Seconds to open the cache of ``url`` and read everything a start shows, ``runs`` times."""
    import time

    from explorer.core.job_cache import JobCache, cache_dir, cache_path

    path = cache_path(cache_dir({"XDG_CACHE_HOME": str(home)}), url, None)
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        cache = JobCache(path, url, None)
        try:
            view = cache.read_view()
        finally:
            cache.close()
        out.append(time.perf_counter() - began)
        if view is None or sum(len(p.items) for p in view.pages.values()) != CACHED_JOBS:
            raise RuntimeError("the cache did not give back the jobs put in it")
    return out


def run(ctx: Context) -> list[Figure]:
    from benchmarks.child import run_child
    from benchmarks.report import Figure
    from benchmarks.stats import median, min_ratio, minimum
    from explorer.sim import SimConfig, SimServer

    with (
        tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp,
        SimServer(SimConfig(seed=7)) as server,
    ):
        home = Path(tmp)
        fill(home, server.url)
        server.state.config.faults.update(latency_ms=LATENCY_MS)
        args: dict[str, Any] = {
            "env": {"XDG_CACHE_HOME": str(home)},
            "settings": {"api_key": KEY, "base_url": server.url},
        }
        reads = read_times(home, server.url, ctx.plan.startup_runs * 3)
        run_child("startup", args)  # the bytecode cache written
        firsts, bares = [], []
        for _ in range(ctx.plan.startup_runs):
            bares.append(run_child("bare_app", {})["first_paint_s"])
            server.state.reset_counters()
            firsts.append(run_child("startup", args)["first_tree_s"])
            if firsts[-1] * 1000 >= LATENCY_MS:
                raise RuntimeError("the first tree came after the server's answer, not the cache")
    ratios = [a / b for a, b in zip(firsts, bares, strict=True)]
    runs = len(firsts)
    return [
        Figure(
            "cache",
            f"open the cache and read what a start shows ({CACHED_JOBS:,} jobs)",
            median(reads) * 1000,
            "ms",
            target=100,
            samples=[r * 1000 for r in reads],
            note="in-process, on the thread that owns the cache (off the event loop): "
            "projects, listing, every job parsed, names",
        ),
        Figure(
            "cache",
            f"start to first tree from the cache ({CACHED_JOBS:,} jobs, server 3 s late)",
            median(firsts),
            "s",
            target=0.5,
            samples=firsts,
            note=f"median of {runs} fresh processes with a key, from spawn to the first frame "
            f"showing jobs; the server answers {LATENCY_MS} ms late, so they come from the cache",
        ),
        Figure(
            "cache",
            "start to first tree from the cache / bare Textual app first paint",
            median(ratios),
            "x",
            target=2.5,
            samples=ratios,
            min_value=min_ratio(firsts, bares),
            note=f"median of {runs} per-run ratios (the bare app started just before each); "
            f"smallest per-run ratio {minimum(ratios):.2f}x",
        ),
    ]

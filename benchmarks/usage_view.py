"""The Usage view over 10,000 jobs already listed: from handing them to the view to the chart.

A fresh process starts the explorer against the demo simulator, builds 10,000 varied
:class:`~explorer.core.fleet.FleetJob` rows in-process (six weeks of jobs over four projects,
a dozen configurations, four tiers; failures, running jobs, estimated credits, some with a
confidence), puts them in the app's fleet cache as a finished listing and opens the Usage view
(``$``). The time runs from pushing the screen to the first frame written with the credits
chart and the table filled: the report is made in a thread, the DataTable and the Sparklines
drawn on the event loop. The first open in a process pays for the view's imports and CSS (what
a user's first ``$`` costs); the opens after it are timed apart.

The yardstick, in the same process: :func:`explorer.core.usage.usage_report` over the same
jobs alone, so the ratio is what the screen adds to the arithmetic.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure
    from explorer.core.fleet import FleetJob

SIZE = (120, 40)
JOBS = 10_000
#: The issue's target: the chart on screen within a second.
TARGET_S = 1.0
#: Opens timed per process after the first.
WARM_OPENS = 3


def build_jobs(count: int, now: float, seed: int = 7) -> list[FleetJob]:
    """``count`` varied fleet rows created over the 42 days before ``now``, newest first."""
    import random

    from explorer.core.fleet import FleetJob

    rng = random.Random(seed)
    tiers = ("cost_effective", "agentic", "agentic_plus", "fast")
    rates = {"cost_effective": 1.0, "agentic": 3.0, "agentic_plus": 6.0, "fast": 0.5}
    configs = [(f"cfg-{i:04d}", f"Configuration {i}", tiers[i % 4]) for i in range(12)]
    errors = (
        "Upstream model provider returned 529 (overloaded) on all {n} retries.",
        "Extraction timed out after 900 s on page {n} of 412.",
        "File claim-{n}.pdf could not be read: PDF is encrypted.",
    )
    jobs = []
    for i in range(count):
        created = now - rng.uniform(0, 42 * 86_400)
        config_id, label, tier = rng.choice(configs)
        roll = rng.random()
        status = (
            "FAILED"
            if roll < 0.08
            else "CANCELLED"
            if roll < 0.1
            else "RUNNING"
            if roll < 0.11
            else "COMPLETED"
        )
        done = status != "RUNNING"
        pages = rng.randint(1, 40) if done else None
        estimated = done and rng.random() < 0.2
        credits = pages * rates[tier] if pages is not None else None
        jobs.append(
            FleetJob(
                id=f"ext-bench-{i:06d}",
                project_id=f"prj-{i % 4}",
                status=status,
                created=created,
                updated=created + rng.uniform(5, 600) if done else None,
                configuration_id=config_id,
                configuration=label,
                tier=tier,
                parse_tier=None,
                document=f"dfl-{i:06d}",
                file_name=f"claim-{i}.pdf",
                error_message=rng.choice(errors).format(n=i % 97) if status == "FAILED" else None,
                credits=credits,
                credits_estimated=estimated,
                pages=pages,
                confidence=round(rng.uniform(0.5, 1.0), 3) if rng.random() < 0.3 else None,
            )
        )
    jobs.sort(key=lambda j: j.created, reverse=True)
    return jobs


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: open the Usage view over the built jobs, first and again."""
    return asyncio.run(_measure(args))


async def _measure(args: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.appkit import build_app, drive, wait_for, wait_started
    from benchmarks.frames import FrameLog
    from explorer.core.usage import usage_report
    from explorer.tui.fleet_load import FleetData, fleet_cache, since_of

    log = FrameLog()
    app = build_app(args["url"], log)

    async def open_once(jobs: list[Any]) -> float:
        from textual.widgets import DataTable, Sparkline

        from explorer.tui.screens.usage import UsageScreen

        now = app.now()
        cache = fleet_cache(app)
        cache.clear()
        cache.since_key = "90d"
        names = {f"prj-{i}": f"Project {i}" for i in range(4)}
        cache.put(FleetData("90d", since_of("90d", now), jobs, [], 0, 1, 4, now, names))

        def drawn() -> bool:
            screen = app.screen
            if not isinstance(screen, UsageScreen) or screen.result is None or screen.busy:
                return False
            table = screen.query_one("#usage-table", DataTable)
            return table.row_count > 0 and bool(screen.query_one("#usage-credits", Sparkline).data)

        painted = log.watch(drawn)
        start = time.perf_counter()
        app.main.action_usage()
        at = await asyncio.wait_for(painted, 120)
        elapsed = at - start
        app.pop_screen()
        await wait_for(lambda: not isinstance(app.screen, UsageScreen), 30, "view closed")
        await log.quiet(0.3, timeout=30)
        return elapsed

    async def script(pilot: Any) -> dict[str, Any]:
        await wait_started(app)
        app.watcher.paused = True  # nothing else redraws while the view is timed
        await log.quiet(0.3, timeout=60)
        jobs = build_jobs(int(args["jobs"]), app.now().timestamp())
        first = await open_once(jobs)
        warm = [await open_once(jobs) for _ in range(int(args["warm"]))]
        start = time.perf_counter()
        usage_report(jobs, "day", now=app.now().timestamp(), since=None)
        report_s = time.perf_counter() - start
        return {"jobs": len(jobs), "first_s": first, "warm_s": warm, "report_s": report_s}

    return await drive(app, SIZE, script)


def run(ctx: Context) -> list[Figure]:
    """Parent side: one fresh process per run against the demo simulator."""
    from benchmarks.child import run_child
    from benchmarks.report import Figure, exit_errors
    from benchmarks.simhost import serving
    from benchmarks.stats import median, min_ratio
    from explorer.sim import SimConfig

    runs = 2 if ctx.plan.quick else 5
    with serving(SimConfig()) as server:
        args = {"url": server.url, "jobs": JOBS, "warm": WARM_OPENS}
        results = [run_child("usage_view", args) for _ in range(runs)]
    n = results[0]["jobs"]
    first = [r["first_s"] for r in results]
    warm = [min(r["warm_s"]) for r in results]
    report = [r["report_s"] for r in results]
    ratios = [f / b for f, b in zip(first, report, strict=True)]
    return [
        Figure(
            "usage",
            f"usage view, {n:,} jobs listed: open to the first chart",
            median(first),
            "s",
            target=TARGET_S,
            samples=first,
            note=f"'$' with the jobs in the fleet cache, to the first frame with the credits chart "
            f"and the table filled (the report in a thread), the view's first open in a fresh "
            f"process; opened again: {median(warm):.3f} s (best of {WARM_OPENS} per process); "
            f"median of {runs} processes" + exit_errors(results),
        ),
        Figure(
            "usage",
            "usage view open / usage_report of the same jobs (ratio)",
            median(ratios),
            "x",
            samples=ratios,
            min_value=min_ratio(first, report),
            note=f"the yardstick groups the same {n:,} jobs by day in the same process "
            f"({median(report) * 1000:.0f} ms)",
        ),
    ]


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

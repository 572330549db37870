"""Figures 2-4: the big per_table_row job, opened in the app.

2. open it until its rows are on screen, against ``orjson.loads`` of the same bytes (ratio);
3. key press to screen update with it open (p50 / p95);
4. peak memory while opening it, per MB of the JSON received.

Each run is two fresh processes: one opens the job in the app (and then times keys), one only
fetches the same body and times ``orjson.loads`` on it. Alternating them in one harness run is
what "measured in the same run" means here; fresh processes give both sides the same cold heap.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

#: Terminal size of the open and key figures (the snapshot size of the main views).
SIZE = (120, 40)


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: ``side`` is "app" (open + memory + keys) or "orjson" (parse only)."""
    if args["side"] == "orjson":
        return _measure_orjson(args["url"], args["job_id"], args["project_id"])
    return asyncio.run(_measure_app(args))


def _measure_orjson(url: str, job_id: str, project_id: str) -> dict[str, Any]:
    import gc

    import orjson

    from benchmarks.appkit import memory_kb, reset_peak_memory
    from benchmarks.simhost import fetch_job_bytes

    body = fetch_job_bytes(url, job_id, project_id)
    reset_peak_memory()
    before = memory_kb()["VmRSS"]
    # The machine's limit is the parse itself: with the collector on, a fresh heap pays ~2x
    # more in GC passes over the objects being built, and that cost is the app's to avoid.
    gc.disable()
    start = time.perf_counter()
    data = orjson.loads(body)
    elapsed = time.perf_counter() - start
    peak = memory_kb()["VmHWM"]
    rows = len(data.get("extract_result") or [])
    del data
    # Once more on a warm heap: how far the cold parse (the baseline) is from the best case.
    start = time.perf_counter()
    orjson.loads(body)
    warm = time.perf_counter() - start
    gc.enable()
    return {
        "parse_s": elapsed,
        "warm_parse_s": warm,
        "bytes": len(body),
        "rows": rows,
        "peak_kb": peak - before,
    }


async def _measure_app(args: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.appkit import (
        build_app,
        drive,
        memory_kb,
        reset_peak_memory,
        time_keys,
        wait_started,
    )
    from benchmarks.frames import FrameLog
    from explorer.tui.widgets.result_view import ResultView

    job_id, rows = args["job_id"], int(args["rows"])
    log = FrameLog()
    app = build_app(args["url"], log)

    async def script(pilot: Any) -> dict[str, Any]:
        await wait_started(app)
        app.main.action_show_tab("results")
        await pilot.pause()
        await log.quiet(0.2)
        view = app.query_one(ResultView)

        def rows_shown() -> bool:
            value = view.value
            return (
                app.main.panes.job_id == job_id
                and isinstance(value, list)
                and len(value) == rows
                and view.line_count > 1
            )

        painted = log.watch(rows_shown)
        in_tree = job_id in app.main.tree._job_nodes
        peak_reset = reset_peak_memory()
        before = memory_kb()["VmRSS"]
        start = time.perf_counter()
        app.goto_job(job_id)
        open_s = await asyncio.wait_for(painted, 600) - start
        # whatever the app does right after the first frame (tables, annotations) counts too
        await log.quiet(0.5, timeout=60)
        peak = memory_kb()["VmHWM"]
        view.focus()
        await pilot.pause()
        await log.quiet(0.2)
        times = await time_keys(pilot, log, "down", int(args["keys"]))
        # Then `A` (analyse every field) and keys while it runs, until it is done: the UI
        # must stay responsive while a thread builds the field table of the whole job.
        panes = app.main.panes
        panes.analyses.pop(job_id, None)  # a small job analysed itself on open: again
        start = time.perf_counter()
        await pilot.press("A")
        during: list[float] = []
        while job_id not in panes.analyses and time.perf_counter() - start < 900:
            key = "up" if len(during) % 2 else "down"
            during += (await time_keys(pilot, log, key, 1, gap=0.05)).latencies
        analysed_s = time.perf_counter() - start
        return {
            "analyse_s": analysed_s,
            "during_analysis": during,
            "open_s": open_s,
            "in_tree": in_tree,
            "peak_kb": peak - before,
            "peak_reset": peak_reset,
            "rss_before_kb": before,
            "latencies": times.latencies,
            "key_bytes": times.sizes,
        }

    return await drive(app, SIZE, script)


def run(ctx: Context) -> list[Figure]:
    """Parent side: alternate app and orjson processes, report medians and the ratio."""
    from benchmarks.child import run_child
    from benchmarks.report import Figure, exit_errors
    from benchmarks.stats import median, min_ratio, percentile

    plan = ctx.plan
    big = ctx.big_job()
    base = {
        "url": big.url,
        "job_id": big.job_id,
        "project_id": big.project_id,
        "rows": big.rows,
        "keys": plan.key_presses,
    }
    apps, parses = [], []
    for _ in range(plan.big_runs):
        parses.append(run_child("big_job", {**base, "side": "orjson"}))
        apps.append(run_child("big_job", {**base, "side": "app"}))
    opens = [r["open_s"] for r in apps]
    loads = [r["parse_s"] for r in parses]
    warm = [r["warm_parse_s"] for r in parses]
    ratios = [a / b for a, b in zip(opens, loads, strict=True)]
    mb = big.megabytes
    size = f"{mb:.1f} MB per_table_row job, {big.rows:,} rows"
    runs = len(apps)
    p50s = [percentile(r["latencies"], 50) * 1000 for r in apps]
    p95s = [percentile(r["latencies"], 95) * 1000 for r in apps]
    per_mb = [r["peak_kb"] / 1024 / mb for r in apps]
    orjson_per_mb = [r["peak_kb"] / 1024 / mb for r in parses]
    presses = sum(len(r["latencies"]) for r in apps)
    during_p95 = [percentile(r["during_analysis"], 95) * 1000 for r in apps if r["during_analysis"]]
    analysed = [r["analyse_s"] for r in apps]
    how = "found in the tree" if apps[0]["in_tree"] else "fetched by id"
    return [
        Figure(
            "open",
            f"open {size}: app, to rows on screen",
            median(opens),
            "s",
            samples=opens,
            note=f"app.goto_job ({how}) to the first frame with the rows; median of {runs}"
            + exit_errors(apps),
        ),
        Figure(
            "open",
            f"open {size}: orjson.loads of the same bytes",
            median(loads),
            "s",
            samples=loads,
            note=f"first parse in a fresh process, GC paused; median of {runs} "
            f"(a second parse on the warm heap: {median(warm):.2f} s)",
        ),
        Figure(
            "open",
            "open big job: app / orjson.loads (ratio)",
            median(ratios),
            "x",
            target=0.5,
            samples=ratios,
            min_value=min_ratio(opens, loads),
            note="median of per-run ratios; HTTP transfer is on the app's side only",
        ),
        Figure(
            "keys",
            "key press to screen update, big job open: p50",
            median(p50s),
            "ms",
            target=8.0,
            samples=p50s,
            note=f"'down' in the result view, {presses} presses over {runs} processes, "
            "press to the first frame written; median of per-process p50s",
        ),
        Figure(
            "keys",
            "key press to screen update, big job open: p95",
            median(p95s),
            "ms",
            target=8.0,
            samples=p95s,
            note="median of per-process p95s",
        ),
        Figure(
            "keys",
            "key press to screen update while `A` analyses the big job: p95",
            median(during_p95),
            "ms",
            target=16.0,
            samples=during_p95,
            note=f"'down'/'up' in the result view while the analysis thread runs "
            f"({median(analysed):.1f} s in the app, {mb:.1f} MB); median of per-process p95s",
        ),
        Figure(
            "memory",
            "peak memory opening the big job, per MB of JSON",
            median(per_mb),
            "x",
            target=2.0,
            samples=per_mb,
            note=f"peak RSS growth (VmHWM, reset before opening) / {mb:.1f} MB received; "
            f"orjson.loads alone, same bytes: {median(orjson_per_mb):.2f}x"
            + ("" if all(r["peak_reset"] for r in apps) else "; VmHWM could not be reset"),
        ),
    ]


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

"""The figures of issue 6, each measured against the simulator on loopback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time

import httpx
import orjson

from benchmarks.common import Figure, key_latency, median, percentile, sim_app, wait_until
from explorer.sim import SimConfig, SimServer

STARTUP_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, time
    start = float(sys.argv[1])
    from explorer.settings import Settings
    from explorer.backend import start_backend
    from explorer.core.source import ApiJobSource
    from explorer.tui.app import ExplorerApp

    async def main():
        settings = Settings(animation=False)
        backend = start_backend(settings)
        client = backend.client(settings)
        app = ExplorerApp(settings, ApiJobSource(client), demo_url=backend.base_url,
                          on_close=client.aclose)
        async with app.run_test(size=(120, 40)) as pilot:
            while not app.tree._job_nodes:
                await asyncio.sleep(0.002)
            print("READY", time.time() - start, flush=True)
        backend.stop()

    asyncio.run(main())
    """
)


def first_paint(runs: int) -> Figure:
    """Process start (interpreter included) to a painted job tree, demo world, 120x40."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", STARTUP_SCRIPT, str(time.time())],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        for line in out.splitlines():
            if line.startswith("READY"):
                times.append(float(line.split()[1]))
    value = median(times)
    return Figure(
        "start to first painted tree (demo, 120x40, headless)",
        f"{value:.2f} s",
        "<= 0.5 s",
        value <= 0.5,
        f"median of {len(times)}, interpreter start included",
        {"seconds": times},
    )


async def _open_big(sim: SimServer, rows: int) -> tuple[float, float, list[float]]:
    """Seconds from asking for the big job to its rows on screen; key latencies after."""
    from explorer.tui.widgets.result_view import ResultView

    big = sim.state.notable["big"]
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.tree._job_nodes))
        start = time.perf_counter()
        app.goto_job(big)
        app.action_show_tab("results")
        view = app.query_one(ResultView)
        await wait_until(pilot, lambda: view.line_count >= rows)
        await pilot.pause()
        opened = time.perf_counter() - start
        await wait_until(pilot, lambda: view.has_focus)
        latencies = []
        for key in ["down"] * 60 + ["pagedown"] * 20:
            latencies.append(await key_latency(app, key))
            await pilot.pause(0.02)
        return opened, view.line_count, latencies


def big_job(rows: int, runs: int) -> list[Figure]:
    """Open a big per_table_row job vs orjson.loads of its bytes; key latency with it open."""
    with SimServer(SimConfig(big_rows=rows)) as sim:
        big = sim.state.notable["big"]
        url = f"{sim.url}/api/v2/extract/{big}"
        params = [("expand", e) for e in ("configuration", "extract_metadata", "usage")]
        body = httpx.get(url, params=params, headers={"Authorization": "Bearer b"}).content
        parse = median([_time(lambda: orjson.loads(body)) for _ in range(runs)])
        opens, latencies = [], []
        for _ in range(runs):
            opened, _, keys = asyncio.run(_open_big(sim, rows))
            opens.append(opened)
            latencies += keys
    mb = len(body) / 1e6
    ratio = median(opens) / parse
    p50, p95 = percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000
    return [
        Figure(
            f"open a {mb:.0f} MB per_table_row job ({rows:,} rows) until rows on screen",
            f"{median(opens):.2f} s = {ratio:.1f}x orjson.loads ({parse:.2f} s)",
            "<= 2.0x orjson.loads",
            ratio <= 2.0,
            "same run; the simulator serves from the same process",
            {"open_s": opens, "orjson_s": parse, "bytes": len(body)},
        ),
        Figure(
            "key press to screen update, job open (p50 / p95)",
            f"{p50:.1f} / {p95:.1f} ms",
            "<= 8 / 16 ms",
            p50 <= 8 and p95 <= 16,
            f"{len(latencies)} presses (down, pagedown), key event to the end of the repaint",
            {"ms": [x * 1000 for x in latencies]},
        ),
    ]


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


MEMORY_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from benchmarks.common import sim_app, wait_until
    from explorer.sim import SimConfig, SimServer

    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM"):
                return int(line.split()[1]) * 1024

    rows = int(sys.argv[1])
    with SimServer(SimConfig(big_rows=rows)) as sim:
        big = sim.state.notable["big"]
        import httpx
        size = len(httpx.get(f"{sim.url}/api/v2/extract/{big}",
            params=[("expand", "configuration"), ("expand", "extract_metadata")],
            headers={"Authorization": "Bearer b"}).content)
        from explorer.tui.widgets.result_view import ResultView

        async def main():
            app = sim_app(sim)
            async with app.run_test(size=(120, 40)) as pilot:
                await wait_until(pilot, lambda: bool(app.tree._job_nodes))
                before = hwm()
                app.goto_job(big)
                view = app.query_one(ResultView)
                await wait_until(pilot, lambda: view.line_count >= rows)
                await pilot.pause(0.5)
                return before, hwm()

        before, after = asyncio.run(main())
    print(json.dumps({"before": before, "after": after, "bytes": size}))
    """
)


def memory(rows: int) -> Figure:
    """Peak RSS growth while the big job opens, per MB of its JSON (fresh process)."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(rows)], capture_output=True, text=True
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    ratio = (data["after"] - data["before"]) / data["bytes"]
    return Figure(
        "peak memory with that job open, per MB of JSON",
        f"{ratio:.1f}x ({(data['after'] - data['before']) / 1e6:.0f} MB for "
        f"{data['bytes'] / 1e6:.0f} MB)",
        "<= 4x",
        ratio <= 4,
        "VmHWM growth; includes the in-process simulator's copy of the bytes",
        data,
    )

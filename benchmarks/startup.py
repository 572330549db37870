"""Figure 1: start to first painted tree (demo world, 120x40), measured from process start.

Each run is a fresh ``python -m benchmarks.startup`` doing what ``extract-explorer`` does with no
API key (start the simulator's process and the first requests, import the app, run it) with a
driver that encodes frames like a terminal's. The clock starts in the parent just before it
spawns the child (CLOCK_MONOTONIC is shared by processes), so interpreter start-up counts too.

The machine's speed drifts between runs, so the figure with a target that can hold anywhere is a
ratio: each explorer run is paired with a fresh :mod:`benchmarks.bare_app` started just before
it (Textual alone, an app of the same size, the same driver and the same frame test), and the
ratio is the median of the per-pair ratios.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

SIZE = (120, 40)


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: seconds from spawn to imports done, and to the first frame showing jobs."""
    spawned = float(args["spawned_at"])
    started = time.monotonic()
    import os

    # (benchmarks.cache_start: a key, a slow server's URL and a cache home filled beforehand)
    os.environ.update(args.get("env", {}))
    # What ``extract-explorer`` does (explorer.tui.run.build_api_app): start the simulator's
    # process (no key) and the first requests, import the app, build it: the cost measured.
    from explorer.settings import Settings
    from explorer.tui.run import build_api_app

    app, backend = build_api_app(Settings(**args.get("settings", {})))
    imported = time.monotonic()
    from benchmarks.appkit import wait_for
    from benchmarks.frames import Frame, FrameLog, counting_driver
    from explorer.tui.widgets.job_tree import JobNode, JobTree

    # perf_counter stamps frames; convert to the monotonic clock the parent started
    offset = time.monotonic() - time.perf_counter()
    painted: list[float] = []
    any_frame: list[float] = []

    def tree_shows_jobs() -> bool:
        try:
            tree = app.query_one(JobTree)
        except Exception:
            return False
        lines = range(min(tree.last_line + 1, SIZE[1]))
        return any(
            isinstance(getattr(tree.get_node_at_line(i), "data", None), JobNode) for i in lines
        )

    def on_frame(frame: Frame) -> None:
        if not any_frame:
            any_frame.append(frame.at + offset)
        if not painted and tree_shows_jobs():
            painted.append(frame.at + offset)

    log = FrameLog(on_frame=on_frame)
    app.driver_class = counting_driver(log)

    async def until_painted(pilot: object) -> None:
        await wait_for(lambda: painted, 60, "a frame with jobs in the tree")
        app.exit()

    try:
        app.run(size=SIZE, auto_pilot=until_painted)
    finally:
        backend.stop()
    if not painted:
        raise RuntimeError("the app exited before painting a tree with jobs")
    return {
        "interpreter_s": started - spawned,
        "import_s": imported - spawned,
        "first_frame_s": any_frame[0] - spawned,
        "first_tree_s": painted[0] - spawned,
        "frames": len(log.frames),
    }


def run(ctx: Context) -> list[Figure]:
    """Parent side: fresh processes, the explorer's alternating with a bare Textual app's."""
    from benchmarks.bare_app import tree_lines
    from benchmarks.child import run_child
    from benchmarks.report import Figure
    from benchmarks.stats import median, min_ratio, minimum

    # a first start of each writes the bytecode cache, as a user's first run
    run_child("startup", {})
    run_child("bare_app", {})
    results, bares = [], []
    for _ in range(ctx.plan.startup_runs):
        bares.append(run_child("bare_app", {}))
        results.append(run_child("startup", {}))
    imports = [r["import_s"] for r in results]
    firsts = [r["first_tree_s"] for r in results]
    bare = [r["first_paint_s"] for r in bares]
    ratios = [a / b for a, b in zip(firsts, bare, strict=True)]
    runs = len(results)
    return [
        Figure(
            "startup",
            "start: interpreter, imports, simulator spawned, app built",
            median(imports),
            "s",
            samples=imports,
            note=f"median of {runs} fresh processes; context for the next line",
        ),
        Figure(
            "startup",
            "start to first painted tree (demo, 120x40)",
            median(firsts),
            "s",
            target=0.5,
            samples=firsts,
            note=f"median of {runs} fresh processes (after one that writes the bytecode cache), "
            "from spawn to the first frame showing jobs",
        ),
        Figure(
            "startup",
            "bare Textual app: start to first paint (120x40)",
            median(bare),
            "s",
            samples=bare,
            note=f"benchmarks.bare_app: Textual alone, a tree of {tree_lines()} lines and a "
            "Static beside it, same driver, same clock and same test (a job in the tree); "
            f"median of {runs}, each run just before one of the explorer's",
        ),
        Figure(
            "startup",
            "start to first tree / bare Textual app first paint",
            median(ratios),
            "x",
            target=2.0,
            samples=ratios,
            min_value=min_ratio(firsts, bare),
            note=f"median of {runs} per-run ratios (explorer / the bare app started just before "
            f"it); min: the explorer's fastest over the bare app's (the smallest per-run ratio "
            f"{minimum(ratios):.2f}x)",
        ),
    ]


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

"""Figure 5: the job tree with 100,000 jobs loaded: expand, collapse and cursor key p95.

Paging 100,000 jobs into the app at 50 a page would rebuild the project 2,000 times, so the
jobs are fetched once over HTTP with our client (``iter_jobs``, 100 a page, timed and reported),
saved, and each fresh app process loads them into its store at once and calls
``JobTree.rebuild_project``: the state a user reaches after paging through the whole project.
Keys go through the Pilot to the focused tree; each is timed to the first frame written.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

SIZE = (120, 40)


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: load the saved jobs into the app, then time toggles and cursor keys."""
    return asyncio.run(_measure(args))


async def _measure(args: dict[str, Any]) -> dict[str, Any]:
    import orjson

    from benchmarks.appkit import build_app, drive, time_keys, wait_started
    from benchmarks.frames import FrameLog
    from explorer.api.models import ExtractJob
    from explorer.tui.widgets.job_tree import GroupNode

    project_id = args["project_id"]
    log = FrameLog()
    app = build_app(args["url"], log)

    async def script(pilot: Any) -> dict[str, Any]:
        await wait_started(app)
        await log.quiet(0.2)
        start = time.perf_counter()
        jobs = [
            ExtractJob.from_json(item) for item in orjson.loads(Path(args["path"]).read_bytes())
        ]
        parsed = time.perf_counter()
        tree = app.main.tree
        mark = log.mark()
        app.store.add_page(project_id, jobs, None, len(jobs), first=True)
        tree.rebuild_project(project_id)
        project = tree._project_nodes[project_id]
        project.expand()
        built = time.perf_counter()
        painted = (await log.next_frame(mark, timeout=600)).at
        groups = [c for c in project.children if isinstance(c.data, GroupNode)]
        group = max(groups, key=lambda g: len(g.children))
        if not group.is_expanded:
            group.expand()
        visible = len(group.children)
        tree.focus()
        # a node knows its line only once the tree has re-walked its lines (at the next paint)
        await log.quiet(0.3, timeout=60)
        await _cursor_to(pilot, log, tree, group)

        expand: list[float] = []
        collapse: list[float] = []
        wanted = int(args["toggles"])
        for _ in range(3 * wanted):
            if len(expand) >= wanted:
                break
            # The demo world's jobs still finish in the first seconds; each finish rebuilds the
            # default project and puts the cursor back on the selected job. A toggle the cursor
            # was taken from measured nothing: put things back and try again.
            if not group.is_expanded:
                group.expand()
            if tree.cursor_node is not group:
                await _cursor_to(pilot, log, tree, group)
            folded = await time_keys(pilot, log, "left", 1, settle=0.1)
            if group.is_expanded or tree.cursor_node is not group:
                continue
            unfolded = await time_keys(pilot, log, "right", 1, settle=0.1)
            if not group.is_expanded:
                continue
            collapse += folded.latencies
            expand += unfolded.latencies
        if not expand:
            raise RuntimeError("no expand/collapse could be timed: the cursor kept moving")

        await _cursor_to(pilot, log, tree, group.children[len(group.children) // 2])
        keys = await time_keys(pilot, log, "down", int(args["keys"]))
        return {
            "jobs": len(jobs),
            "group_jobs": visible,
            "from_json_s": parsed - start,
            "rebuild_s": built - parsed,
            "load_to_paint_s": painted - parsed,
            "expand": expand,
            "collapse": collapse,
            "keys": keys.latencies,
        }

    return await drive(app, SIZE, script)


async def _cursor_to(pilot: Any, log: Any, tree: Any, node: Any) -> None:
    """Put the tree's cursor on ``node`` and let the app settle (fails loudly if it won't)."""
    for _ in range(5):
        tree.move_cursor(node, animate=False)
        await pilot.pause()
        await log.quiet(0.3, timeout=60)
        # a rebuild of another project can take the cursor back to the selected job
        if tree.cursor_node is node:
            return
    raise RuntimeError(f"the cursor does not stay on {node.label.plain!r}")


async def _fetch_all(url: str, project_id: str) -> list[dict[str, Any]]:
    from explorer.api.client import MAX_PAGE_SIZE, ExtractClient

    async with ExtractClient("bench-key", url) as client:
        # the whole bulk project, past the default page cap (100 pages) on purpose
        pages = client.iter_jobs(project_id=project_id, page_size=MAX_PAGE_SIZE, max_pages=10_000)
        return [job.to_json_dict() async for job in pages]


def run(ctx: Context) -> list[Figure]:
    """Parent side: fetch once, then one fresh app process per run; medians of p95s."""
    import orjson

    from benchmarks.child import run_child
    from benchmarks.report import Figure, exit_errors
    from benchmarks.simhost import bulk_project_id, serving
    from benchmarks.stats import median, percentile
    from explorer.sim import SimConfig

    plan = ctx.plan
    results = []
    with (
        serving(SimConfig(bulk_jobs=plan.bulk_jobs)) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        project_id = bulk_project_id(server)
        before = server.state.requests
        start = time.perf_counter()
        items = asyncio.run(_fetch_all(server.url, project_id))
        fetch_s = time.perf_counter() - start
        pages = server.state.requests - before
        path = Path(tmp) / "jobs.json"
        path.write_bytes(orjson.dumps(items))
        del items
        args = {
            "url": server.url,
            "project_id": project_id,
            "path": str(path),
            "toggles": plan.tree_toggles,
            "keys": plan.tree_keys,
        }
        results = [run_child("job_tree", args) for _ in range(plan.tree_runs)]
    n = results[0]["jobs"]
    runs = len(results)

    def p95(name: str) -> list[float]:
        return [percentile(r[name], 95) * 1000 for r in results]

    loads = [r["load_to_paint_s"] for r in results]
    rebuilds = [r["rebuild_s"] for r in results]
    expand, collapse, keys = p95("expand"), p95("collapse"), p95("keys")
    how = (
        f"{n:,} jobs fetched once over HTTP ({pages} requests of 100, {fetch_s:.1f} s), "
        "loaded into the store at once + JobTree.rebuild_project"
    )
    toggles = plan.tree_toggles
    return [
        Figure(
            "tree",
            f"job tree, {n:,} jobs: load into the tree to first paint",
            median(loads),
            "s",
            samples=loads,
            note=f"{how}; rebuild_project alone {median(rebuilds):.2f} s; median of {runs}"
            + exit_errors(results),
        ),
        Figure(
            "tree",
            f"job tree, {n:,} jobs: expand p95",
            median(expand),
            "ms",
            target=100.0,
            samples=expand,
            note=f"'right' on the biggest group ({results[0]['group_jobs']:,} lines: the tree "
            f"shows a big group in chunks), {toggles} times per process, to the first frame; "
            f"median of {runs} per-process p95s",
        ),
        Figure(
            "tree",
            f"job tree, {n:,} jobs: collapse p95",
            median(collapse),
            "ms",
            target=100.0,
            samples=collapse,
            note=f"'left' on that group, {toggles} times per process",
        ),
        Figure(
            "tree",
            f"job tree, {n:,} jobs: cursor key p95",
            median(keys),
            "ms",
            target=16.0,
            samples=keys,
            note=f"'down' from the middle of the expanded group, {plan.tree_keys} presses per "
            "process (the panes follow once the cursor rests)",
        ),
    ]


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

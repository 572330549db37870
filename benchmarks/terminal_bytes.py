"""Figure 6: bytes written to the terminal per cursor move and per page (200x50, no animation).

The app renders through a driver that encodes frames exactly as for a terminal (truecolor, as
``COLORTERM=truecolor`` asks) and counts the UTF-8 bytes of every write. A press's bytes are
everything written from the key until the terminal has been quiet for a moment, so follow-up
frames (the field-metadata pane catching up with the cursor) count too. The medians make the
once-a-second status-line repaint that sometimes lands in a window irrelevant.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

SIZE = (200, 50)
#: Rows of the job moved through: the bytes of a frame do not depend on the job's size.
ROWS = 2_000
#: Quiet time that ends a press: longer than a frame (1/60 s) plus a pane's follow-up frame.
SETTLE = 0.15
#: A tree move fetches the job it lands on (after a 0.1 s debounce): wait for that repaint too.
TREE_SETTLE = 0.4


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: bytes per 'down' and per 'pagedown' in the result view, per tree move."""
    return asyncio.run(_measure(args))


async def _measure(args: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.appkit import build_app, drive, time_keys, wait_for, wait_started
    from benchmarks.frames import FrameLog
    from explorer.tui.widgets.result_view import ResultView

    job_id, count = args["job_id"], int(args["keys"])
    log = FrameLog()
    app = build_app(args["url"], log)

    async def script(pilot: Any) -> dict[str, Any]:
        await wait_started(app)
        app.main.action_show_tab("results")
        # the tree first: moving through jobs is the other cursor users move all day
        app.main.tree.focus()
        await log.quiet(0.3, timeout=30)
        tree = await time_keys(pilot, log, "down", count, settle=TREE_SETTLE)
        view = app.query_one(ResultView)
        app.goto_job(job_id)
        await wait_for(
            lambda: app.main.panes.job_id == job_id and view.line_count > ROWS, 60, "rows shown"
        )
        view.focus()
        await log.quiet(0.3, timeout=30)
        moves = await time_keys(pilot, log, "down", count, settle=SETTLE)
        pages = await time_keys(pilot, log, "pagedown", count, settle=SETTLE)
        return {"moves": moves.sizes, "pages": pages.sizes, "tree_moves": tree.sizes}

    return await drive(app, SIZE, script)


def run(ctx: Context) -> list[Figure]:
    """Parent side: one fresh app process; medians over the presses."""
    from benchmarks.child import run_child
    from benchmarks.report import Figure, exit_errors
    from benchmarks.simhost import serving
    from benchmarks.stats import median
    from explorer.sim import SimConfig

    count = ctx.plan.byte_keys
    with serving(SimConfig(big_rows=ROWS)) as server:
        args = {"url": server.url, "job_id": server.state.notable["big"], "keys": count}
        result = run_child("terminal_bytes", args)
    moves = [b / 1024 for b in result["moves"]]
    pages = [b / 1024 for b in result["pages"]]
    tree = [b / 1024 for b in result["tree_moves"]]
    where = f"200x50, animations off, truecolor; median of {count} presses"
    return [
        Figure(
            "bytes",
            "bytes to the terminal per cursor move (result view)",
            median(moves),
            "KB",
            target=1.0,
            samples=moves,
            note=f"'down' in the Results tree of a {ROWS:,}-row job, {where}"
            + exit_errors([result]),
        ),
        Figure(
            "bytes",
            "bytes to the terminal per page (result view)",
            median(pages),
            "KB",
            target=25.0,
            samples=pages,
            note=f"'pagedown' there, {where}",
        ),
        Figure(
            "bytes",
            "bytes to the terminal per job-tree move (opens the job)",
            median(tree),
            "KB",
            samples=tree,
            note=f"'down' in the job tree with the Results tab shown, including the repaint "
            f"once the job arrives; {where}",
        ),
    ]


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

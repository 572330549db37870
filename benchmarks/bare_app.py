"""The yardstick of the start-up figure: a bare Textual app, from process start to first paint.

A fresh ``python -m benchmarks.bare_app`` imports Textual alone (no explorer, no simulator),
builds an app of the explorer's first screen's size (a bordered tree of projects, status
groups and jobs on the left, a bordered ``Static`` of key/value lines on the right, 120x40)
and runs it with the driver the start-up figure uses, stamping the first frame whose tree shows
a job: the same clock (the parent's spawn time) and the same test as for the explorer, so the
ratio of the two is what the explorer adds to what any Textual app costs.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

#: The start-up figure's terminal size.
SIZE = (120, 40)
#: Status groups and their job counts: the demo world's default project at first paint.
GROUPS = (("RUNNING", 2), ("PENDING", 1), ("THROTTLED", 1), ("FAILED", 3), ("COMPLETED", 16))
#: Groups open at first paint (the explorer opens those with jobs in flight).
OPEN_GROUPS = 3
OTHER_PROJECTS = ("Finance ops", "HR intake")


class Job:
    """What a job line's node carries (the explorer's tree carries a ``JobNode``)."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id


def tree_lines() -> int:
    """Lines the bare app's tree shows at first paint."""
    opened = sum(count for _, count in GROUPS[:OPEN_GROUPS])
    return 1 + len(GROUPS) + opened + len(OTHER_PROJECTS)


def build() -> App[None]:
    """The bare app: a tree of the explorer's first tree's size and a pane of text beside it."""
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal
    from textual.widgets import Static, Tree

    class BareApp(App[None]):
        CSS = """
        Tree { width: 54; border: round $primary; }
        Static { width: 1fr; height: 1fr; border: round $primary; padding: 0 1; }
        """

        def compose(self) -> ComposeResult:
            tree: Tree[Job | None] = Tree("Projects")
            tree.show_root = False
            total = sum(count for _, count in GROUPS)
            default = tree.root.add(f"Default (default)  {total}", expand=True)
            n = 0
            for index, (status, count) in enumerate(GROUPS):
                group = default.add(f"{status} ({count})", expand=index < OPEN_GROUPS)
                for _ in range(count):
                    job_id = f"ext-{n:06x}"
                    group.add_leaf(f"{job_id} invoice-{n:04}.pdf {status} 1m", data=Job(job_id))
                    n += 1
            for name in OTHER_PROJECTS:
                tree.root.add(name)
            lines = [f"{'Field ' + str(i):<14} value {i} of the selected job" for i in range(20)]
            with Horizontal():
                yield tree
                yield Static("\n".join(lines))

    return BareApp()


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: seconds from spawn to imports done, and to the first frame showing a job."""
    spawned = float(args["spawned_at"])
    started = time.monotonic()
    app = build()
    imported = time.monotonic()
    import asyncio

    from textual.widgets import Tree

    from benchmarks.frames import Frame, FrameLog, counting_driver

    offset = time.monotonic() - time.perf_counter()
    painted: list[float] = []

    def tree_shows_jobs() -> bool:
        try:
            tree = app.query_one(Tree)
        except Exception:
            return False
        lines = range(min(tree.last_line + 1, SIZE[1]))
        return any(isinstance(getattr(tree.get_node_at_line(i), "data", None), Job) for i in lines)

    def on_frame(frame: Frame) -> None:
        if not painted and tree_shows_jobs():
            painted.append(frame.at + offset)

    log = FrameLog(on_frame=on_frame)
    app.driver_class = counting_driver(log)

    async def until_painted(pilot: object) -> None:
        deadline = time.monotonic() + 60
        while not painted:
            if time.monotonic() > deadline:
                raise TimeoutError("no frame with a job in the tree within 60 s")
            await asyncio.sleep(0.01)
        app.exit()

    app.run(size=SIZE, auto_pilot=until_painted)
    if not painted:
        raise RuntimeError("the app exited before painting a tree with jobs")
    return {
        "interpreter_s": started - spawned,
        "import_s": imported - spawned,
        "first_paint_s": painted[0] - spawned,
        "frames": len(log.frames),
    }


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

"""The job tree's cursor keys: held over many jobs, the panes follow where the cursor stops;
what a scrolled tree paints (reused lines, the scrollbar's thumb) is what a fresh paint shows;
ages move on in every open group, in view or not.

The simulator's clock is frozen, so no job changes group while keys are pressed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.geometry import Region

from explorer.tui.widgets.job_tree import GroupNode, JobNode, JobTree, job_label
from explorer.tui.widgets.panes import OverviewPane
from tests.tui.helpers import FROZEN_NOW, frozen_simulator, sim_app, static_text, wait_until

NOW = FROZEN_NOW


@pytest.fixture(scope="module")
def frozen_sim():
    with frozen_simulator() as server:
        yield server


async def open_every_group(pilot, app) -> JobTree:
    """The default project with all its groups open, the cursor on its first job."""
    tree = app.main.tree
    await wait_until(pilot, lambda: app.main.panes.job_id is not None and bool(tree._job_nodes))
    app.watcher.paused = True
    project = tree._project_nodes[app.default_project]
    for group in project.children:
        if isinstance(group.data, GroupNode):
            group.expand()
    await pilot.pause()
    first = next(line for line in range(tree.last_line + 1) if job_at(tree, line) is not None)
    tree.move_cursor_to_line(first)
    await wait_until(pilot, lambda: app.main.panes.job_id == job_at(tree, first))
    return tree


def job_at(tree: JobTree, line: int) -> str | None:
    node = tree.get_node_at_line(line)
    return node.data.job_id if node is not None and isinstance(node.data, JobNode) else None


def painted(widget) -> list:
    """The widget's lines as the screen has them (what the compositor would paint now)."""
    return widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))


def freshly_painted(tree: JobTree) -> list:
    """The tree's lines painted from scratch: no line reused."""
    tree._finished_for = None
    tree.refresh()
    return painted(tree)


async def test_holding_down_moves_the_cursor_and_the_panes_show_where_it_stops(
    frozen_sim,
) -> None:
    app = sim_app(frozen_sim, now=lambda: NOW)
    async with app.run_test(size=(100, 20)) as pilot:
        tree = await open_every_group(pilot, app)
        start = tree.cursor_line
        jobs = [line for line in range(tree.last_line + 1) if job_at(tree, line)]
        stop = jobs[-2]
        assert stop - start > tree.size.height, "the cursor is to scroll the tree"
        # One call: the presses follow each other as fast as the app takes them.
        await pilot.press(*["down"] * (stop - start))
        assert tree.cursor_line == stop
        target = job_at(tree, stop)
        await wait_until(pilot, lambda: app.main.panes.job_id == target)
        overview = app.query_one(OverviewPane)
        await wait_until(pilot, lambda: target in static_text(overview))
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == target)

        # and back up, with the other key
        back = jobs[1]
        await pilot.press(*["up"] * (stop - back))
        assert tree.cursor_line == back
        await wait_until(pilot, lambda: app.main.panes.job_id == job_at(tree, back))
        await wait_until(pilot, lambda: job_at(tree, back) in static_text(overview))


async def test_a_scrolled_tree_paints_what_a_fresh_paint_shows(frozen_sim) -> None:
    app = sim_app(frozen_sim, now=lambda: NOW)
    async with app.run_test(size=(100, 20)) as pilot:
        tree = await open_every_group(pilot, app)
        bar = tree.vertical_scrollbar
        for presses in (tree.size.height, 3, 5):
            before = tree.scroll_offset.y
            await pilot.press(*["down"] * presses)
            await pilot.pause(0.1)
            assert tree.scroll_offset.y > before
            lines = painted(tree)
            assert lines == freshly_painted(tree)
            # The thumb follows the lines a frame later: then it is where a fresh bar draws it.
            await wait_until(pilot, lambda: not tree._thumb_from)
            thumb = painted(bar)
            bar.refresh()
            assert thumb == painted(bar)

        # A line reused from before changes when its job does (here: marked for a diff).
        job_id = job_at(tree, tree.cursor_line)
        assert job_id is not None
        await pilot.press("m")
        await wait_until(pilot, lambda: job_id in tree.marked)
        await pilot.pause(0.1)
        cursor_row = tree.cursor_line - tree.scroll_offset.y
        assert "◆" in painted(tree)[cursor_row].text
        assert painted(tree) == freshly_painted(tree)


async def test_ages_move_on_for_every_job_of_an_open_group(frozen_sim) -> None:
    clock = {"now": NOW}
    app = sim_app(frozen_sim, now=lambda: clock["now"])
    async with app.run_test(size=(100, 20)) as pilot:
        tree = await open_every_group(pilot, app)
        shown = [j for line in range(tree.last_line + 1) if (j := job_at(tree, line))]
        assert len(shown) > tree.size.height, "some jobs are out of view"

        def labels_now() -> bool:
            return all(
                tree._job_nodes[j].label
                == job_label(app.store.jobs[j], clock["now"], tree.label_width, j in tree.marked)
                for j in shown
            )

        assert labels_now()
        clock["now"] += timedelta(days=3)
        assert not labels_now()
        tree.relabel_ages()
        await wait_until(pilot, labels_now)

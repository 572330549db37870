"""The state bugs users hit, each reproduced through the app as a user drives it.

One current job (JobPanes.job_id) decides what every pane shows; these tests check what is on
screen after the moves that used to leave panes, the tree or the header disagreeing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from explorer.tui.screens.confirm import ConfirmScreen
from explorer.tui.widgets.fields_pane import FieldsPane
from explorer.tui.widgets.job_tree import ProjectNode
from explorer.tui.widgets.panes import OverviewPane
from explorer.tui.widgets.results_pane import ResultsPane
from tests.tui.helpers import (
    file_app,
    settled_cursor_job,
    sim_app,
    static_text,
    tree_lines,
    wait_until,
)


def overview(app) -> str:
    return static_text(app.main.panes.overview)


async def in_fields(pilot, app, job_id: str):
    """Wait for the job's analysis, then open the Fields view with the keyboard in its table;
    returns the panes."""
    panes = app.main.panes
    await wait_until(pilot, lambda: job_id in panes.analyses)
    await pilot.press("4")
    await wait_until(pilot, lambda: panes.fields.table.has_focus)
    return panes


def header_counts(app, project_id: str) -> tuple[int, int | None]:
    state = app.store.projects[project_id]
    return len(state.job_ids), state.total


async def test_a_job_deleted_elsewhere_leaves_the_tree_the_header_and_the_panes(
    sim, held_job
) -> None:
    job_id = held_job(sim)
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == job_id, timeout=30)
        await wait_until(pilot, lambda: job_id in app.watcher.active_ids, timeout=30)
        project = app.store.project_of(job_id)
        assert project is not None
        rec = sim.state.record(job_id)
        sim.state.delete_job(rec, force=True)  # someone else, with the web UI
        short = job_id[:10]
        await wait_until(pilot, lambda: job_id not in app.store.jobs, timeout=30)
        await wait_until(pilot, lambda: not any(short in line for line in tree_lines(app)))
        assert job_id not in app.watcher.active_ids
        loaded, total = header_counts(app, project)
        assert total is None or loaded <= total
        # The panes no longer show it: every one says what happened.
        assert app.main.panes.job_id is None
        assert "deleted" in overview(app) or "no longer" in overview(app)
        assert app.main.panes.fields.analysis is None


async def test_a_server_that_forgot_jobs_leaves_no_ghosts_in_the_header(sim) -> None:
    app = sim_app(sim, list_refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.default_project in app.store.projects)
        project = app.default_project
        await wait_until(pilot, lambda: app.store.projects[project].loaded)
        victims = app.store.projects[project].job_ids[:3]
        for job_id in victims:
            rec = sim.state.record(job_id)
            if rec is not None:
                sim.state.delete_job(rec, force=True)
        await wait_until(
            pilot, lambda: not set(victims) & set(app.store.projects[project].job_ids), timeout=30
        )
        loaded, total = header_counts(app, project)
        assert total is None or loaded <= total


async def test_l_on_an_unloaded_project_keeps_the_cursor_on_it(sim) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.main.panes.shown_job_id is not None)
        tree = app.main.tree
        others = [p for p, s in app.store.projects.items() if not s.loaded]
        assert others, "the simulator has projects beyond the default one"
        target = tree._project_nodes[others[0]]
        tree.focus()
        # Walk the cursor there with keys, as a user does.
        for _ in range(200):
            if tree.cursor_node is target:
                break
            await pilot.press("down")
        assert tree.cursor_node is target
        await pilot.press("l")
        await wait_until(pilot, lambda: app.store.projects[others[0]].loaded, timeout=20)
        await pilot.pause(0.3)
        assert tree.cursor_node is target
        assert isinstance(tree.cursor_node.data, ProjectNode)


async def test_slash_with_the_tree_hidden_filters_the_pane_in_view(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        panes = await in_fields(pilot, app, job_id)
        await pilot.press("t")
        assert not app.main.sidebar.display
        total = len(panes.fields.shown_rows)
        await pilot.press("slash", *"total")
        await pilot.pause(0.2)
        # The Fields filter got the text: its table narrowed; the tree filter got nothing.
        fields: FieldsPane = panes.fields
        assert fields.text == "total"
        assert 0 < len(fields.shown_rows) < total
        assert app.main.tree.filter_text == ""
        assert panes.job_id == job_id
        await pilot.press("t")  # typed into the Fields filter, not a toggle
        assert fields.text == "totalt"
        assert not app.main.sidebar.display


async def test_delete_clears_every_pane_after_yes(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        panes = app.main.panes
        await wait_until(pilot, lambda: job_id in panes.analyses)
        await pilot.press("3")
        await wait_until(pilot, lambda: panes.results.view.line_count > 3)
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: job_id not in app.store.jobs)
        assert panes.job_id is None
        assert "deleted" in overview(app)
        results: ResultsPane = panes.results
        assert results.view.line_count <= 1  # the message, not the job's fields
        assert "deleted" in static_text(results.query_one("#results-header"))
        await pilot.press("4")
        await pilot.pause(0.1)
        assert panes.fields.analysis is None and panes.fields.shown_rows == []


async def test_overview_times_move_on(sim, held_job) -> None:
    job_id = held_job(sim)
    clock = {"now": datetime.now(UTC)}
    app = sim_app(sim, job_id=job_id, now=lambda: clock["now"])
    async with app.run_test(size=(120, 40)) as pilot:
        pane: OverviewPane = app.main.panes.overview
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == job_id, timeout=30)
        before = static_text(pane)
        clock["now"] += timedelta(minutes=5)
        # Nothing else happens: the Overview redraws itself as the clock moves on.
        await wait_until(pilot, lambda: static_text(pane) != before, timeout=5)
        assert "min" in static_text(pane)
        sim.state.cancel_job(sim.state.record(job_id))


async def test_enter_on_a_job_at_40x12_shows_its_results(sim) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(40, 12)) as pilot:
        tree = app.main.tree
        # The tree has settled: its cursor is on the job it selected (while a rebuild replaces
        # the nodes, the cursor line can point at another job for a frame).
        await wait_until(pilot, lambda: settled_cursor_job(tree) is not None)
        job_id = settled_cursor_job(tree)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == job_id)
        assert not app.main.sidebar.display, "the panes get the whole width"
        assert app.main.panes.active == "results"
        results = app.main.panes.results
        await wait_until(pilot, lambda: results.view.region.width > 20)
        await pilot.press("escape")
        assert app.main.sidebar.display


async def test_a_new_running_job_opens_its_collapsed_group(sim, held_job) -> None:
    app = sim_app(sim, list_refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.tree
        await wait_until(pilot, lambda: any("RUNNING (" in line for line in tree_lines(app)))
        project = tree._project_nodes[app.default_project]
        for group in project.children:
            group.collapse()
        await pilot.pause(0.1)
        job_id = held_job(sim)
        # Without a key: the RUNNING group opens to show the job that arrived in it.
        await wait_until(
            pilot, lambda: any(job_id[:10] in line for line in tree_lines(app)), timeout=30
        )
        sim.state.cancel_job(sim.state.record(job_id))


async def test_follow_mode_opens_a_new_running_job(sim, held_job) -> None:
    app = sim_app(sim, list_refresh=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.main.panes.shown_job_id is not None)
        await pilot.press("f")
        assert app.main.following
        assert "follow" in static_text(app.query_one("#status-left"))
        job_id = held_job(sim)
        await wait_until(pilot, lambda: app.main.panes.job_id == job_id, timeout=30)
        sim.state.cancel_job(sim.state.record(job_id))


def big_job(rows: int) -> dict:
    result = [{"name": f"row {i}", "amount": i} for i in range(rows)]
    meta = [
        {
            "name": {"confidence": 0.5, "citation": [{"page": 1, "matching_text": f"row {i}"}]},
            "amount": {"confidence": 0.9},
        }
        for i in range(rows)
    ]
    return {
        "id": "ext-bigcopy",
        "project_id": "prj-1",
        "status": "COMPLETED",
        "created_at": "2026-11-01T10:00:00Z",
        "configuration": {"extraction_target": "per_table_row", "data_schema": {}},
        "extract_result": result,
        "extract_metadata": {"field_metadata": {"row_metadata": meta}},
    }


async def test_copy_on_a_big_job_says_why_and_a_row_keeps_its_metadata(tmp_path) -> None:
    import json

    from explorer.core.files import load_paths

    path = tmp_path / "big.json"
    path.write_text(json.dumps(big_job(30_000)))
    app = file_app(load_paths([str(path)]), job_id="ext-bigcopy")
    sent: list[str] = []
    app.copy_to_clipboard = lambda text: sent.append(text)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        panes = app.main.panes
        await wait_until(pilot, lambda: panes.shown_job_id == "ext-bigcopy", timeout=20)
        assert "ext-bigcopy" not in panes.analyses  # large: not analysed by itself
        await pilot.press("3")
        view = panes.results.view
        await wait_until(pilot, lambda: view.has_focus)
        assert view.select_path((1, "name"))
        await pilot.press("y", "r")
        await wait_until(pilot, lambda: len(sent) == 1)
        row = json.loads(sent[0])
        assert row["confidence"] == 0.5 and row["citations"][0]["matching_text"] == "row 1"
        await pilot.press("y", "j")
        await wait_until(
            pilot, lambda: any("too big" in str(n.message) for n in app._notifications)
        )
        assert len(sent) == 1  # nothing half-copied


async def test_threshold_keys_update_one_line_instead_of_stacking_toasts(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        panes = await in_fields(pilot, app, job_id)
        await pilot.press("right_square_bracket", "right_square_bracket", "left_square_bracket")
        await pilot.pause(0.1)
        assert not [n for n in app._notifications if "threshold" in str(n.message).lower()]
        assert "X 0.75" in static_text(panes.fields.query_one("#fields-state"))


async def test_focus_is_visible_on_the_pane_that_has_it(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.main
        await wait_until(pilot, lambda: main.panes.shown_job_id == job_id)
        main.tree.focus()
        await pilot.pause(0.1)
        tree_border = main.sidebar.styles.border_top[1]
        panes_border = main.panes.styles.border_top[1]
        assert tree_border != panes_border
        await pilot.press("tab")  # one Tab: into the pane in view, not onto the tab row
        await pilot.pause(0.1)
        assert main.panes.has_focus_within
        assert main.panes.styles.border_top[1] == tree_border


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_demo_banner_is_whole(sim, size) -> None:
    app = sim_app(sim)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: bool(app.store.jobs))
        await pilot.pause(0.1)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        text = " ".join(line.strip() for line in lines[:3])
        assert "LLAMA_CLOUD_API_KEY for your jobs" in text, lines[:3]
        assert sim.url in text


def test_keymap_ids_given_without_their_place_or_as_a_toml_table_apply() -> None:
    from explorer.tui.app import ExplorerApp
    from explorer.tui.keymap import binding_chains, check_keymap
    from explorer.tui.main_screen import MainScreen

    chains = binding_chains(ExplorerApp, MainScreen)
    # `refresh = "ctrl+r"` (the old help's example) and an unquoted `app.pause = "f6"`, which
    # TOML reads as a table `app` holding `pause`.
    check = check_keymap({"refresh": "ctrl+r", "app": {"pause": "f6"}}, chains)
    assert check.accepted == {"app.refresh": "ctrl+r", "app.pause": "f6"}
    assert check.problems == []


async def test_offline_status_counts_unreadable_files(tmp_path) -> None:
    from explorer.core.files import load_paths

    good = tmp_path / "job.json"
    good.write_text(
        '{"id": "ext-1", "status": "COMPLETED", "project_id": "prj-1", "extract_result": {}}'
    )
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    app = file_app(load_paths([str(good), str(bad)]))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.store.jobs))
        right = static_text(app.query_one("#status-right"))
        assert "1 jobs" in right and "1 unreadable" in right


def test_the_keys_of_the_rerun_form_and_fleet_views_can_be_remapped() -> None:
    from explorer.tui.app import ExplorerApp
    from explorer.tui.keymap import binding_chains, check_keymap
    from explorer.tui.main_screen import MainScreen

    chains = binding_chains(ExplorerApp, MainScreen)
    wanted = {"app.rerun": "f7", "rerun.run": "f8", "usage.week": "W", "failures.copy": "Y"}
    check = check_keymap(wanted, chains)
    assert check.accepted == wanted
    assert check.problems == []

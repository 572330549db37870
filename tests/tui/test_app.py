"""Pilot tests: the explorer against the simulator over loopback HTTP."""

from __future__ import annotations

from explorer.tui.widgets.field_meta import FieldMetadataPane
from explorer.tui.widgets.panes import ConfigurationPane, OverviewPane
from explorer.tui.widgets.result_view import ResultView
from tests.tui.helpers import (
    default_project_loaded,
    sim_app,
    static_text,
    tree_lines,
    wait_until,
)


def overview_text(app) -> str:
    return static_text(app.query_one(OverviewPane))


async def test_tree_groups_jobs_by_status_with_counts(sim) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any("COMPLETED (" in line for line in tree_lines(app)))
        state = app.store.projects[app.default_project]

        def counts() -> tuple[int, int]:
            # Jobs finish while the test runs: the group's count and the store are compared
            # once the tree has caught up with the store.
            groups = [g for g in tree_lines(app) if g.split(" ")[0] in "◐○◔✘✔⊘" and "(" in g]
            completed = next(g for g in groups if "COMPLETED" in g)
            done = [j for j in state.job_ids if app.store.jobs[j].status == "COMPLETED"]
            return int(completed.split("(")[1].rstrip("+)")), len(done)

        await wait_until(pilot, lambda: counts()[0] == counts()[1] > 0, timeout=30)
        lines = tree_lines(app)
        assert lines[0].startswith("Default") and "(default)" in lines[0]
        assert any("FAILED (" in line for line in lines)
        assert "Finance ops" in " ".join(lines)


async def test_moving_to_a_job_fills_every_pane(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: job_id in app.store.details)
        await wait_until(pilot, lambda: job_id in overview_text(app))
        text = overview_text(app)
        assert "COMPLETED" in text and "Tier" in text and "Usage" in text
        assert "fields" in text
        app.main.action_show_tab("configuration")
        await pilot.pause()
        config = app.query_one(ConfigurationPane)
        schema_tree = config.query_one("#config-schema")
        labels = [child.label.plain for child in schema_tree.root.children]
        assert any(label.startswith("invoice_number") for label in labels)
        app.main.action_show_tab("results")
        view = app.query_one(ResultView)
        await wait_until(pilot, lambda: view.has_focus)
        assert view.line_count > 5
        await pilot.press("down")
        await wait_until(
            pilot, lambda: "confidence" in static_text(app.query_one(FieldMetadataPane))
        )
        meta = static_text(app.query_one(FieldMetadataPane))
        assert "Citations" in meta and "page" in meta


async def test_created_job_completes_on_screen_without_a_keypress(sim) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: default_project_loaded(app),
        )
        created = sim.state.create_job(
            {
                "file_input": "dfl-live-1",
                "configuration": {
                    "data_schema": {"type": "object", "properties": {"total": {"type": "number"}}}
                },
            },
            project_id=None,
        )
        job_id = created["id"]
        await wait_until(pilot, lambda: job_id in app.store.jobs, timeout=30)
        await wait_until(pilot, lambda: app.store.jobs[job_id].status == "COMPLETED", timeout=30)
        await wait_until(
            pilot,
            lambda: any(job_id[:10] in line and "COMPLETED" in line for line in tree_lines(app)),
            timeout=30,
        )
        await wait_until(
            pilot, lambda: "refreshed" in static_text(app.query_one("#status-right")), timeout=30
        )


def _group_line_open(app, status: str) -> bool:
    """Whether the default project's group of `status` is expanded."""
    project = app.main.tree._project_nodes[app.default_project]
    return any(g.data.key == status and g.is_expanded for g in project.children if g.data)


async def _on_project_line_with_completed_closed(sim, app, pilot) -> None:
    """The user has moved onto the project line and closed the COMPLETED group: no job under
    the cursor will pull a group open, and a job landing in COMPLETED is out of sight."""
    await wait_until(
        pilot,
        lambda: default_project_loaded(app),
    )

    # The world's own quick jobs finish first (each would open COMPLETED as it lands there),
    # and the app has seen them finish; what still runs after that is held for hours.
    def settled() -> bool:
        now = sim.state.now()
        for job in app.store.jobs.values():
            rec = sim.state.record(job.id)
            if rec is None:
                continue
            end = rec.phases[-1][0]
            if now < end < now + 3600 or (end <= now and job.status != rec.phases[-1][1]):
                return False
        return True

    await wait_until(pilot, settled, timeout=60)
    tree = app.main.tree
    project = tree._project_nodes[app.default_project]
    tree.focus()
    tree.move_cursor(project, animate=False)
    tree.selected_job_id = None
    for group in project.children:
        if group.data is not None and getattr(group.data, "key", "") == "COMPLETED":
            group.collapse()
    await wait_until(pilot, lambda: not _group_line_open(app, "COMPLETED"))


SCHEMA_ONLY = {"data_schema": {"type": "object", "properties": {"total": {"type": "number"}}}}


async def test_a_job_created_and_finished_between_refreshes_is_in_sight(sim) -> None:
    """A job created meanwhile that is already COMPLETED when the app first sees it opens its
    group (it is new to the user, however fast it ran)."""
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await _on_project_line_with_completed_closed(sim, app, pilot)
        job_id = sim.state.create_job(
            {"file_input": "dfl-quick-1", "configuration": SCHEMA_ONLY}, project_id=None
        )["id"]
        rec = sim.state.record(job_id)
        at = rec.created
        rec.phases = [(at - 2, "PENDING"), (at - 1, "RUNNING"), (at, "COMPLETED")]
        await wait_until(pilot, lambda: job_id in app.store.jobs, timeout=30)
        assert app.store.jobs[job_id].status == "COMPLETED"
        await wait_until(
            pilot, lambda: any(job_id[:10] in line for line in tree_lines(app)), timeout=30
        )
        assert _group_line_open(app, "COMPLETED")


async def test_a_watched_job_that_finishes_stays_in_sight(sim) -> None:
    """A running job on screen that finishes moves to COMPLETED, which opens to show it even
    when the user had closed it and the cursor is elsewhere."""
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await _on_project_line_with_completed_closed(sim, app, pilot)
        job_id = sim.state.create_job(
            {"file_input": "dfl-hold-1", "configuration": SCHEMA_ONLY}, project_id=None
        )["id"]
        await wait_until(
            pilot,
            lambda: any(
                job_id[:10] in line and "COMPLETED" not in line for line in tree_lines(app)
            ),
            timeout=30,
        )
        assert not _group_line_open(app, "COMPLETED")
        rec = sim.state.record(job_id)
        rec.phases = [(at, s) for at, s in rec.phases if s != "COMPLETED"] + [
            (sim.state.now(), "COMPLETED")
        ]
        await wait_until(
            pilot,
            lambda: any(job_id[:10] in line and "COMPLETED" in line for line in tree_lines(app)),
            timeout=30,
        )


async def test_filter_narrows_the_tree(sim) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any("COMPLETED" in line for line in tree_lines(app)))
        before = len(tree_lines(app))
        await pilot.press("slash")
        await pilot.press(*"invoice-2041")

        def job_lines() -> list[str]:
            return [
                line
                for line in tree_lines(app)
                if line.startswith(("✔", "✘", "◐", "○", "⊘", "◔")) and "ext-" in line
            ]

        # Every job line left matches (the filter applies as the user types).
        await wait_until(
            pilot, lambda: job_lines() and all("invoice-2041" in line for line in job_lines())
        )
        assert len(tree_lines(app)) < before
        await pilot.press("escape")
        # Every job line is back (groups of jobs that finished meanwhile may have gone).
        await wait_until(
            pilot, lambda: any("invoice-2041" not in line for line in job_lines()), timeout=30
        )
        assert not app.main.tree.filter_text


async def test_opens_straight_at_a_job_not_on_the_first_page(sim) -> None:
    # Page size 5: the oldest job is many pages away.
    oldest = sim.state.notable["big"]
    app = sim_app(sim, job_id=oldest, page_size=5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot, lambda: app.main.panes.job_id == oldest and oldest in app.store.details
        )
        await wait_until(
            pilot,
            lambda: (
                app.main.tree.cursor_node is not None
                and getattr(app.main.tree.cursor_node.data, "job_id", None) == oldest
            ),
        )
        assert oldest in overview_text(app)


async def test_big_job_opens_and_scrolls(sim) -> None:
    big = sim.state.notable["big"]
    app = sim_app(sim, job_id=big)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: big in app.store.details)
        app.main.action_show_tab("results")
        view = app.query_one(ResultView)
        await wait_until(pilot, lambda: view.has_focus)
        rows = len(app.store.details[big].extract_result)
        assert view.line_count >= rows
        await pilot.press("end")
        await pilot.pause()
        assert view.cursor_path is not None and view.cursor_path[0] == rows - 1
        await pilot.press("pageup", "up")
        await pilot.pause()
        assert view.cursor_path[0] < rows - 1


async def test_unknown_status_and_failed_job_show(sim) -> None:
    failed = sim.state.notable["failed"]
    app = sim_app(sim, job_id=failed)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                failed in app.store.details
                and failed in overview_text(app)
                and "Loading" not in overview_text(app)
            ),
        )
        text = overview_text(app)
        assert "FAILED" in text and "Error" in text
        app.goto_job(sim.state.notable["unknown_status"])
        await wait_until(pilot, lambda: "does not know" in overview_text(app))


async def test_starts_while_the_server_is_down_and_recovers(sim) -> None:
    sim.config.faults.down = True
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot, lambda: "offline" in static_text(app.query_one("#status-right")), timeout=15
        )
        assert app.is_running and not app.store.jobs
        sim.config.faults.down = False
        await wait_until(pilot, lambda: bool(app.store.jobs), timeout=20)
        await wait_until(pilot, lambda: any("COMPLETED" in line for line in tree_lines(app)))


async def test_command_palette_goes_to_a_job_by_id(sim) -> None:
    target = sim.state.notable["failed"]
    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.store.jobs))
        await pilot.press("colon")
        await pilot.pause(0.3)
        await pilot.press(*target)  # not loaded yet (another project): fetched by id
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.main.panes.job_id == target)
        await wait_until(pilot, lambda: target in overview_text(app))


async def test_help_lists_every_binding_with_its_id(sim) -> None:
    from explorer.tui.screens.help import HelpScreen

    app = sim_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.store.jobs))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        listed = [b for _, bindings in app.screen.sections for b in bindings]
        ids = {b.id for b in listed}
        from explorer.tui.main_screen import MainScreen
        from explorer.tui.widgets.fields_pane import FieldsPane
        from explorer.tui.widgets.job_tree import JobTree
        from explorer.tui.widgets.result_view import ResultView
        from explorer.tui.widgets.results_pane import ResultsPane
        from explorer.tui.widgets.row_table import RowTable

        # Every binding of every place the keyboard can be, the Fields view's included.
        for cls in (type(app), MainScreen, JobTree, ResultsPane, ResultView, RowTable, FieldsPane):
            assert {b.id for b in cls.BINDINGS} <= ids, cls.__name__
        assert {"fields.sort", "fields.below", "fields.problems", "app.mark"} <= ids
        keys = {b.key for b in listed}
        assert {"tab", "shift+tab", "ctrl+p"} <= keys
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen))

"""The debugger: Fields view, marks with n, copy through OSC 52, export, diff."""

from __future__ import annotations

import json

from explorer.tui.screens.diff import DiffScreen
from explorer.tui.widgets.fields_pane import FieldsPane
from explorer.tui.widgets.result_view import ResultView
from explorer.tui.widgets.row_table import RowTable
from tests.tui.helpers import sim_app, wait_until


async def open_analysed(pilot, app, job_id: str) -> None:
    await wait_until(
        pilot, lambda: job_id in app.store.details and job_id in app.main.panes.analyses
    )


async def focus_results(pilot, app) -> ResultView:
    """Switch to Results and wait until the tree view really has the keyboard."""
    app.main.action_show_tab("results")
    view = app.query_one(ResultView)
    await wait_until(pilot, lambda: view.has_focus)
    return view


async def test_fields_view_filters_to_low_confidence(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_analysed(pilot, app, job_id)
        app.main.action_show_tab("fields")
        fields = app.query_one(FieldsPane)
        await wait_until(pilot, lambda: fields.table.has_focus)
        total = len(fields.shown_rows)
        assert total == len(app.main.panes.analyses[job_id].rows) > 10
        await pilot.press("b")
        low = fields.shown_rows
        assert 0 < len(low) < total
        assert all(r.confidence is not None and r.confidence < 0.7 for r in low)
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert fields.below == 0.8 and len(fields.shown_rows) >= len(low)
        await pilot.press("s")  # sort by confidence
        values = [r.confidence for r in fields.shown_rows]
        assert values == sorted(values)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#panes").active == "results"
        assert app.query_one(ResultView).cursor_path == fields.shown_rows[0].path


async def test_n_lands_on_a_marked_leaf(sim) -> None:
    job_id = sim.state.notable["schema_breaking"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_analysed(pilot, app, job_id)
        analysis = app.main.panes.analyses[job_id]
        assert analysis.problems
        view = await focus_results(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        first = view.cursor_path
        assert first in analysis.flagged and first != ()
        flagged = [r for r in analysis.rows if r.path == first]
        assert flagged and (flagged[0].problems or flagged[0].confidence < 0.7)
        await pilot.press("n")
        await pilot.pause()
        assert view.cursor_path != first and view.cursor_path in analysis.flagged
        await pilot.press("N")
        await pilot.pause()
        assert view.cursor_path == first


async def test_copy_sends_the_value_to_the_clipboard(sim) -> None:
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_analysed(pilot, app, job_id)
        view = await focus_results(pilot, app)
        await pilot.press("down")
        await pilot.pause()
        path, value = view.cursor_path, view.cursor_value
        await pilot.press("y", "v")
        await pilot.pause()
        assert app.clipboard == value
        await pilot.press("y", "p")
        await pilot.pause()
        assert app.clipboard == "." + path[0]
        await pilot.press("y", "j")
        await pilot.pause()
        assert json.loads(app.clipboard)["id"] == job_id


async def test_export_writes_the_field_table(sim, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    job_id = sim.state.notable["invoice_cited"]
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_analysed(pilot, app, job_id)
        await pilot.press("E")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / f"{job_id}.json").exists())
        saved = json.loads((tmp_path / f"{job_id}.json").read_text())
        assert saved["id"] == job_id and saved["extract_result"]


async def test_diff_of_two_runs_of_one_document_shows_changes(sim) -> None:
    a = sim.state.notable["invoice_cited"]
    b = sim.state.notable["invoice_rerun"]
    app = sim_app(sim, job_id=a)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: a in app.store.details)
        app.main.tree.focus()
        await pilot.press("m")
        app.goto_job(b)
        await wait_until(pilot, lambda: app.main.tree.selected_job_id == b)
        await pilot.pause(0.2)
        await pilot.press("m")
        assert app.main.tree.marked == (a, b)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen))
        screen = app.screen
        changed = [c for c in screen.shown if c.kind == "changed"]
        assert changed, "the two tiers extracted some fields differently"
        table = screen.query_one(RowTable)
        assert table.row_count == len(screen.shown)
        await pilot.press("a")
        assert len(screen.shown) >= len(changed)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DiffScreen)

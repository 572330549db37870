"""Snapshot tests of the main screens at 120x40 and 80x24 (review every change).

The simulator's clock is frozen and the app's "now" pinned to it, so ages, statuses and ids are
the same on every run; the demo banner shows a fixed URL instead of the random port.
"""

from __future__ import annotations

import pytest

from explorer.tui.widgets.result_view import ResultView
from tests.tui.helpers import (
    FROZEN_NOW,
    documents_settled,
    frozen_simulator,
    sim_app,
    static_text,
    wait_until,
)

NOW = FROZEN_NOW


@pytest.fixture(scope="module")
def frozen_sim():
    with frozen_simulator() as server:
        yield server


def app_at(sim, role: str | None, **settings):
    job_id = sim.state.notable[role] if role else None
    app = sim_app(sim, job_id=job_id, now=lambda: NOW, demo_url="http://127.0.0.1:8321", **settings)
    return app, job_id


def settle(app, job_id: str | None, tab: str = "overview", keys: tuple[str, ...] = ()):
    async def run_before(pilot) -> None:
        app.watcher.paused = True
        if job_id:
            await wait_until(pilot, lambda: job_id in app.store.details)
        else:
            await wait_until(pilot, lambda: app.main.panes.job_id in app.store.details)
        shown = job_id or app.main.panes.job_id
        # The tree's cursor settles after a refresh: wait until it sits on the job.
        await wait_until(
            pilot,
            lambda: (
                app.main.tree.cursor_node is not None
                and getattr(app.main.tree.cursor_node.data, "job_id", None) == shown
            ),
        )
        # The field analysis runs in a thread: wait for it so the picture is stable.
        await wait_until(
            pilot,
            lambda: (
                shown in app.main.panes.analyses or app.store.details[shown].extract_result is None
            ),
        )
        # The document is fetched after the analysis and its citations checked against it.
        await wait_until(pilot, lambda: documents_settled(app, shown))
        # Scroll the tree from a known place so the picture does not depend on load order.
        app.main.tree.scroll_to(y=0, animate=False, immediate=True)
        app.main.tree.scroll_to_node(app.main.tree.cursor_node, animate=False)
        await pilot.pause(0.1)
        app.main.action_show_tab(tab)
        if tab == "results":
            await wait_until(pilot, lambda: app.query_one(ResultView).has_focus)
        await pilot.pause(0.2)
        for key in keys:
            await pilot.press(key)
        # Let every pending message, layout and repaint land before the picture is taken.
        for _ in range(3):
            await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()

    return run_before


def test_overview_of_a_completed_invoice(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "invoice_cited")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle(app, job_id))


def test_results_with_field_metadata(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "invoice_cited")
    keys = ("down", "down")
    assert snap_compare(
        app, terminal_size=(120, 40), run_before=settle(app, job_id, "results", keys)
    )


def test_configuration(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "invoice_cited")
    assert snap_compare(
        app, terminal_size=(120, 40), run_before=settle(app, job_id, "configuration")
    )


def test_rows_job_in_table_view(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "big")
    assert snap_compare(
        app, terminal_size=(120, 40), run_before=settle(app, job_id, "results", ("v", "down"))
    )


def test_failed_job(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "failed")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle(app, job_id))


def test_running_job(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "long_running")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle(app, job_id, "results"))


def test_help(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, None)
    assert snap_compare(
        app, terminal_size=(120, 40), run_before=settle(app, job_id, keys=("question_mark",))
    )


def test_small_terminal(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "invoice_cited")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle(app, job_id, "results"))


def test_fields_view_low_confidence(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "schema_breaking")

    async def run_before(pilot) -> None:
        await settle(app, job_id, "fields")(pilot)
        app.query_one("#fields-table").focus()
        await pilot.press("b", "s")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def _source_view(app, job_id: str, path: tuple):
    async def run_before(pilot) -> None:
        from explorer.tui.screens.source import SourceScreen

        await settle(app, job_id, "results")(pilot)
        app.main.panes.results.select_path(path)
        await pilot.pause(0.1)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, SourceScreen))
        screen = app.screen
        await wait_until(pilot, lambda: screen.document is not None)
        await wait_until(pilot, lambda: "┌" in static_text(screen.query_one("#source-crop")))
        for _ in range(3):
            await pilot.pause(0.2)

    return run_before


def test_source_view_of_an_ungrounded_field(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "grounding_value_mismatch")
    run_before = _source_view(app, job_id, ("total",))
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_source_view_small_terminal(snap_compare, frozen_sim) -> None:
    app, job_id = app_at(frozen_sim, "invoice_cited")
    run_before = _source_view(app, job_id, ("total",))
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def _fleet_view(app, key: str):
    """The main view settled, then the Failures (F) or Usage ($) view with its numbers drawn."""

    async def run_before(pilot) -> None:
        await settle(app, None)(pilot)
        await pilot.press(key)
        await wait_until(
            pilot,
            lambda: getattr(app.screen, "result", None) is not None and not app.screen.busy,
        )
        for _ in range(3):
            await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()

    return run_before


def test_failures_view(snap_compare, frozen_sim) -> None:
    app, _ = app_at(frozen_sim, None)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_fleet_view(app, "F"))


def test_failures_view_small_terminal(snap_compare, frozen_sim) -> None:
    app, _ = app_at(frozen_sim, None)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_fleet_view(app, "F"))


def test_usage_view(snap_compare, frozen_sim) -> None:
    app, _ = app_at(frozen_sim, None)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_fleet_view(app, "dollar_sign"))


def test_usage_view_small_terminal(snap_compare, frozen_sim) -> None:
    app, _ = app_at(frozen_sim, None)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_fleet_view(app, "dollar_sign"))

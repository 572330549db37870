"""A big job waits for A, then says how far its analysis is, then shows every field."""

from __future__ import annotations

from explorer.api.lazy import LazyArray
from explorer.core import analysis as analysis_module
from explorer.tui.widgets import job_panes
from explorer.tui.widgets.fields_pane import FieldsPane
from tests.tui.helpers import sim_app, static_text, wait_until


async def test_a_big_job_analysed_with_a_shows_progress_then_the_fields(sim, monkeypatch) -> None:
    # The simulator's big job (2,000 rows, 16,000 fields) counts as big here; every progress
    # report is shown (no pause between them).
    monkeypatch.setattr(analysis_module, "AUTO_ANALYSIS_LEAVES", 1_000)
    monkeypatch.setattr(job_panes, "PROGRESS_EVERY", 0.0)
    shown: list[str] = []
    original = FieldsPane.show_message

    def recording(self, text, *args, **kwargs):
        shown.append(str(text))
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(FieldsPane, "show_message", recording)
    big = sim.state.notable["big"]
    app = sim_app(sim, job_id=big)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: big in app.store.details)
        # it arrived lazily: rows are parsed as they are looked at
        assert isinstance(app.store.details[big].extract_result, LazyArray)
        app.main.action_show_tab("fields")
        await wait_until(pilot, lambda: any("press A" in s for s in shown))
        assert big not in app.main.panes.analyses
        await pilot.press("A")
        await wait_until(pilot, lambda: big in app.main.panes.analyses, timeout=60)
        progress = [s for s in shown if "% done" in s]
        assert progress, shown
        assert all(s.startswith("Analysing every field") for s in progress)
        fields = app.query_one(FieldsPane)
        await wait_until(pilot, lambda: "16,000" in static_text(fields.query_one("#fields-state")))

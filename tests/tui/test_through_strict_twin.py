"""The TUI against what the real API is documented to send: the simulator behind its strict
twin (every field the SDK does not declare stripped)."""

from __future__ import annotations

from explorer.tui.widgets.panes import OverviewPane
from tests.tui.helpers import sim_app, static_text, tree_lines, wait_until


async def test_projects_jobs_and_file_names_through_the_strict_twin(strict_sim) -> None:
    cited = strict_sim.state.notable["invoice_cited"]
    # RUNNING for four hours, so its group is open whatever the timing
    running = strict_sim.state.notable["long_running"]
    app = sim_app(strict_sim, job_id=cited)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: any(running[:10] in x for x in tree_lines(app)))
        await wait_until(pilot, lambda: any("board-minutes" in x for x in tree_lines(app)))
        lines = tree_lines(app)
        assert lines[0].startswith("Default")
        assert any(x.startswith("Finance ops") for x in lines)
        assert any(x.startswith("HR intake") for x in lines)
        running_line = next(x for x in lines if running[:10] in x)
        assert "board-minutes" in running_line and "RUNNING" in running_line
        overview = app.query_one(OverviewPane)
        await wait_until(pilot, lambda: "invoice-2041.pdf" in static_text(overview))
        text = static_text(overview)
        assert "Invoices — standard" in text and "COMPLETED" in text
        assert any(cited[:10] in x and "invoice-2041.pdf" in x for x in tree_lines(app))


async def test_a_key_that_may_not_list_projects_shows_its_default_project_and_says_so() -> None:
    from explorer.sim import SimConfig, SimServer

    with SimServer(SimConfig(seed=7, key_kind="organization", big_rows=200)) as sim:
        app = sim_app(sim)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: any("RUNNING (" in x for x in tree_lines(app)))
            lines = tree_lines(app)
            assert lines[0].startswith("Default project of this key")
            notes = [str(n.message) for n in app._notifications]
            assert any("LLAMA_CLOUD_ORGANIZATION_ID" in n and "--organization" in n for n in notes)
            await wait_until(pilot, lambda: any(".pdf" in x for x in tree_lines(app)))

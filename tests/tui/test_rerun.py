"""The re-run form (R): pre-filled, plans as it is edited, validates the schema, and the diff
against the original opens by itself when the re-run finishes."""

from __future__ import annotations

import json

from textual.widgets import Button, Select, Static

from explorer.api.client import ALL_EXPANDS, ExtractClient
from explorer.tui.screens.diff import DiffScreen
from explorer.tui.screens.rerun import RerunScreen
from tests.tui.helpers import sim_app, wait_until


async def _completed_job(sim) -> str:
    async with ExtractClient("test-key", sim.url) as client:
        page = await client.list_jobs(page_size=100, status="COMPLETED")
        for item in page.items:
            job = await client.get_job(item.id, expand=ALL_EXPANDS)
            if job.parse_job_id and (job.tier or "") == "agentic":
                return job.id
    raise AssertionError("the simulator has no COMPLETED agentic job")


def _plan_text(screen: RerunScreen) -> str:
    return str(screen.query_one("#rerun-plan", Static).render())


async def _open_form(app, pilot, job_id: str) -> RerunScreen:
    await wait_until(pilot, lambda: app.main.panes.shown_job_id == job_id)
    app.main.panes.focus_tab()
    await pilot.press("R")
    await wait_until(pilot, lambda: isinstance(app.screen, RerunScreen))
    return app.screen  # type: ignore[return-value]


async def test_rerun_with_another_tier_opens_the_diff_when_it_finishes(sim) -> None:
    job_id = await _completed_job(sim)
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(app, pilot, job_id)
        assert "nothing yet" in _plan_text(form)
        form.query_one("#rerun-tier", Select).value = "agentic_plus"
        await wait_until(pilot, lambda: "tier: agentic → agentic_plus" in _plan_text(form))
        text = _plan_text(form)
        assert "reuses the original's parse job pjb-" in text
        # 15 -> 50 credits a page, over the original's pages
        assert "× 50 credits/page" in text
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen), timeout=60)
        diff = app.screen
        assert diff.a.id == job_id
        assert diff.b.id != job_id
        new = diff.b
        assert new.tier == "agentic_plus"
        assert new.document == form.plan.file_input and new.document.startswith("pjb-")
        # everything else as the original ran
        original = app.store.details[job_id]
        assert new.configuration.data_schema == original.configuration.data_schema
        assert new.configuration.extraction_target == original.configuration.extraction_target
        assert new.id in app.store.jobs, "the re-run joined the tree"


async def test_target_pages_parse_again_and_a_bad_schema_edit_is_kept(sim) -> None:
    job_id = await _completed_job(sim)
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(app, pilot, job_id)
        await pilot.click("#rerun-pages")
        await pilot.press("1", "-", "2")
        await wait_until(pilot, lambda: "parses dfl-" in _plan_text(form))
        assert "target_pages changed" in _plan_text(form)
        assert "2 pages ×" in _plan_text(form)

        seen: list[str] = []

        def broken_editor(text: str) -> str:
            seen.append(text)
            return text.replace("{", "{{", 1)  # not JSON any more

        form.editor = broken_editor
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert not form.ready
        assert form.query_one("#rerun-run", Button).disabled
        assert "not valid JSON (kept)" in str(form.query_one("#rerun-schema", Static).render())

        def fixing_editor(text: str) -> str:
            seen.append(text)
            schema = json.loads(text.replace("{{", "{", 1))
            schema["properties"]["reviewer_note"] = {"type": "string"}
            return json.dumps(schema)

        form.editor = fixing_editor
        await pilot.press("ctrl+o")
        assert seen[1].startswith("{{"), "the next edit starts from the user's broken text"
        await wait_until(pilot, lambda: form.ready)
        assert "added reviewer_note" in _plan_text(form)


async def test_a_schema_the_service_refuses_blocks_run(sim) -> None:
    job_id = await _completed_job(sim)
    app = sim_app(sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(app, pilot, job_id)
        form.editor = lambda text: json.dumps({"type": "array", "items": {"type": "string"}})
        await pilot.press("ctrl+o")
        schema_line = form.query_one("#rerun-schema", Static)
        await wait_until(pilot, lambda: "refused" in str(schema_line.render()))
        assert "type 'object'" in str(schema_line.render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RerunScreen), "nothing was sent"
        assert len([j for j in app.store.jobs.values() if j.document == form.plan.file_input]) <= 1


async def test_rerun_is_refused_in_read_only_mode(sim) -> None:
    job_id = await _completed_job(sim)
    app = sim_app(sim, job_id=job_id, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == job_id)
        await pilot.press("R")
        await pilot.pause()
        assert not isinstance(app.screen, RerunScreen)


async def test_a_hostile_multi_line_prompt_is_shown_inert_and_sent_as_it_was(sim) -> None:
    from textual.widgets import Input

    prompt = "Read totals.\n[bold red]PAID[/]\x1b[2J\u202e"
    async with ExtractClient("test-key", sim.url) as client:
        original = await client.get_job(await _completed_job(sim), expand=ALL_EXPANDS)
        config = original.to_json_dict()["configuration"]
        created = await client.create_job(
            original.document, configuration={**config, "system_prompt": prompt}
        )
    app = sim_app(sim, job_id=created.id)
    async with app.run_test(size=(120, 40)) as pilot:

        def finished() -> bool:
            detail = app.store.details.get(created.id)
            shown = app.main.panes.shown_job_id == created.id
            return shown and detail is not None and detail.status == "COMPLETED"

        await wait_until(pilot, finished, timeout=60)
        form = await _open_form(app, pilot, created.id)
        line = form.query_one("#rerun-prompt", Input).value
        assert "\x1b" not in line and "\n" not in line and "\u202e" not in line
        assert "[bold red]PAID[/]" in line  # literally, not as markup
        assert "nothing yet" in _plan_text(form)  # shown escaped, still the same prompt
        assert form.plan.configuration["system_prompt"] == prompt

        seen: list[str] = []

        def editor(text: str) -> str:
            seen.append(text)
            return "Read totals.\nAnd the due date.\n"

        form.editor = editor
        await pilot.click("#rerun-edit-prompt")
        await wait_until(pilot, lambda: "system prompt:" in _plan_text(form))
        assert seen == [prompt]
        assert form.plan.configuration["system_prompt"] == "Read totals.\nAnd the due date."

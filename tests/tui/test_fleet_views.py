"""The Failures (``F``) and Usage (``$``) views, driven through the Pilot.

The simulator's clock is frozen and the app's "now" pinned to it, so no job changes between
what the app lists and what the test counts through the client; a failing project is a source
whose listing of that one project raises, the others still going over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import DataTable

from explorer.api.client import ExtractClient
from explorer.api.errors import ServerError
from explorer.core.fleet import fleet_job
from explorer.core.source import FileJobSource
from explorer.settings import Settings
from explorer.tui.app import ExplorerApp
from explorer.tui.screens.failures import FailuresScreen
from explorer.tui.screens.usage import UsageScreen, credits_text
from tests.tui.helpers import FROZEN_NOW, frozen_simulator, sim_app, static_text, wait_until

HOSTILE = "[red]x[/]\x1b[2J boom [@click=app.quit]y[/]"


@pytest.fixture(scope="module")
def frozen_sim():
    with frozen_simulator() as server:
        yield server


def frozen_app(sim, **settings) -> ExplorerApp:
    return sim_app(sim, now=lambda: FROZEN_NOW, **settings)


async def listed(sim, days: int = 30) -> list:
    """Every job of every project created in the last ``days``, through the client."""
    since = (FROZEN_NOW - timedelta(days=days)).isoformat()
    jobs = []
    async with ExtractClient("test-key", sim.url) as client:
        for project in await client.list_projects():
            async for job in client.iter_jobs(
                project_id=project.id,
                created_at_on_or_after=since,
                expand=("configuration", "usage"),
            ):
                jobs.append(job)
    return jobs


def rows(table: DataTable) -> list[list[str]]:
    """The table's cells as the plain text on screen."""
    return [
        [getattr(c, "plain", str(c)) for c in table.get_row_at(i)] for i in range(table.row_count)
    ]


async def open_view(pilot, app, key: str, cls: type):
    await wait_until(pilot, lambda: bool(app.store.jobs))
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, cls))
    screen = app.screen
    await wait_until(pilot, lambda: screen.result is not None and not screen.busy)
    await pilot.pause(0.1)
    return screen


def assert_in_view(screen, *selectors: str) -> None:
    """Each widget is drawn (some height) and wholly inside the screen."""
    for selector in selectors:
        region = screen.query_one(selector).region
        assert region.height > 0 and screen.region.contains_region(region), selector


def file_source_app(tmp_path, jobs: list[dict]) -> ExplorerApp:
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(jobs))
    from explorer.core.files import load_paths

    return ExplorerApp(Settings(animation=False), FileJobSource(load_paths([str(path)])))


def file_job(job_id: str, status: str, error: str | None = None, hours_ago: float = 2) -> dict:
    created = datetime.now(UTC) - timedelta(hours=hours_ago)
    return {
        "id": job_id,
        "project_id": "prj-files",
        "status": status,
        "document_input_value": "dfl-00000000-0000-0000-0000-000000000001",
        "created_at": created.isoformat(),
        "updated_at": (created + timedelta(seconds=30)).isoformat(),
        "configuration": {"extraction_target": "per_doc", "tier": "agentic", "data_schema": {}},
        "error_message": error,
    }


# -- Failures ---------------------------------------------------------------------------------


async def test_failure_groups_add_up_to_the_failed_jobs_listed(frozen_sim) -> None:
    failed = [job for job in await listed(frozen_sim) if job.status == "FAILED"]
    assert failed  # the world has failures to group
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "F", FailuresScreen)
        groups = rows(screen.query_one("#failure-groups", DataTable))
        assert sum(int(row[0]) for row in groups) == len(failed)
        assert f"{len(failed)} failed" in static_text(screen.query_one("#fleet-title"))
        # the jobs listed under the groups, one group at a time, are exactly those failed
        table = screen.query_one("#failure-groups", DataTable)
        shown: set[str] = set()
        for index in range(len(groups)):
            table.move_cursor(row=index)
            await pilot.pause(0.05)
            shown |= {str(k.value) for k in screen.query_one("#failure-jobs", DataTable).rows}
        assert shown == {job.id for job in failed}
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, FailuresScreen))


async def test_enter_on_a_groups_job_goes_to_it_in_the_main_view(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "F", FailuresScreen)
        jobs = screen.query_one("#failure-jobs", DataTable)
        keys = [str(k.value) for k in jobs.rows]
        # a job other than the one the main view shows
        target = next(k for k in reversed(keys) if k != app.main.panes.job_id)
        jobs.focus()
        jobs.move_cursor(row=keys.index(target))
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, FailuresScreen))
        await wait_until(pilot, lambda: app.main.panes.job_id == target)
        await wait_until(pilot, lambda: app.main.tree.selected_job_id == target)


async def test_enter_on_a_group_goes_to_its_newest_job(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "F", FailuresScreen)
        groups = screen.query_one("#failure-groups", DataTable)
        assert groups.has_focus
        groups.move_cursor(row=1)
        await pilot.pause(0.05)
        newest = str(next(iter(screen.query_one("#failure-jobs", DataTable).rows)).value)
        assert newest == screen.result.groups[1].jobs[0].id
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, FailuresScreen))
        await wait_until(pilot, lambda: app.main.panes.job_id == newest)


async def test_the_command_palette_opens_both_views(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.store.jobs))
        for words, cls in (("Usage and credits", UsageScreen), ("Failures", FailuresScreen)):
            await pilot.press("ctrl+p")
            await pilot.pause(0.2)
            await pilot.press(*words)
            await pilot.pause(0.4)
            await pilot.press("enter")
            await wait_until(pilot, lambda cls=cls: isinstance(app.screen, cls))
            await pilot.press("q")  # q closes the view (it does not quit the app)
            await wait_until(pilot, lambda cls=cls: not isinstance(app.screen, cls))
        assert app.is_running


async def test_y_copies_a_support_bundle_of_the_group(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "F", FailuresScreen)
        group_jobs = [str(k.value) for k in screen.query_one("#failure-jobs", DataTable).rows]
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(app.clipboard))
        bundle = app.clipboard
        assert bundle.startswith("# Failure: ")
        assert all(job_id in bundle for job_id in group_jobs)
        # the JSON half parses, and holds the same jobs
        data = json.loads(bundle.split("```json\n", 1)[1].rsplit("\n```", 1)[0])
        assert {job["id"] for job in data["jobs"]} == set(group_jobs)
        assert "test-key" not in bundle


async def test_stuck_jobs_are_listed_and_one_key_away(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "F", FailuresScreen)
        await pilot.press("2")
        stuck = screen.query_one("#stuck-jobs", DataTable)
        await wait_until(pilot, lambda: stuck.has_focus)
        assert stuck.row_count == len(screen.result.stuck) > 0
        assert all(row[1] not in ("COMPLETED", "FAILED", "CANCELLED") for row in rows(stuck))
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(app.clipboard))
        assert app.clipboard.startswith("# Stuck jobs")
        target = str(stuck.coordinate_to_cell_key((0, 0)).row_key.value)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.main.panes.job_id == target)


async def test_a_hostile_error_message_shows_literally(tmp_path) -> None:
    app = file_source_app(
        tmp_path,
        [
            file_job("ext-hostile-1", "FAILED", HOSTILE),
            file_job("ext-fine-1", "COMPLETED"),
        ],
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "F", FailuresScreen)
        detail = static_text(screen.query_one("#failure-detail"))
        assert "[red]x[/]" in detail and "[@click=app.quit]y[/]" in detail
        assert "\\x1b[2J" in detail and "\x1b" not in detail
        signature = rows(screen.query_one("#failure-groups", DataTable))[0][-1]
        assert "[red]x[/]" in signature and "\x1b" not in signature
        assert app.is_running and isinstance(app.screen, FailuresScreen)


async def test_no_failures_is_said_plainly(tmp_path) -> None:
    app = file_source_app(tmp_path, [file_job("ext-fine-1", "COMPLETED")])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_view(pilot, app, "F", FailuresScreen)
        empty = screen.query_one("#failures-empty")
        assert empty.display and not screen.query_one("#failures-main").display
        assert "No failed jobs since" in static_text(empty)


async def test_one_failing_project_leaves_the_others_shown(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    source = app.source
    real = source.history_page
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.store.projects) > 1)
        broken_id = list(app.store.projects)[-1]
        broken = app.store.projects[broken_id].project.label

        async def history_page(project_id, token, since):
            if project_id == broken_id:
                raise ServerError("server error 500: the listing broke", status=500)
            return await real(project_id, token, since)

        source.history_page = history_page  # type: ignore[method-assign]
        screen = await open_view(pilot, app, "F", FailuresScreen)
        errors = static_text(screen.query_one("#fleet-errors"))
        assert f"Could not list {broken}" in errors and "500" in errors
        expected = [
            j
            for j in await listed(frozen_sim)
            if j.project_id != broken_id and j.status == "FAILED"
        ]
        groups = rows(screen.query_one("#failure-groups", DataTable))
        assert sum(int(row[0]) for row in groups) == len(expected) > 0


async def test_failures_fit_at_80x24(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_view(pilot, app, "F", FailuresScreen)
        assert_in_view(
            screen, "#fleet-title", "#failure-groups", "#failure-detail", "#failure-jobs"
        )
        assert screen.query_one("#fleet-title").region.height == 1
        for table in ("#failure-groups", "#failure-jobs"):
            assert screen.query_one(table, DataTable).max_scroll_x == 0, table
        await pilot.press("2")
        stuck = screen.query_one("#stuck-jobs", DataTable)
        await wait_until(pilot, lambda: stuck.has_focus)
        assert stuck.row_count and stuck.max_scroll_x == 0
        assert_in_view(screen, "#stuck-jobs")


async def test_progress_is_shown_while_pages_arrive(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    gate = asyncio.Event()
    real = app.source.history_page
    calls: list[str] = []

    async def held(project_id, token, since):
        calls.append(project_id)
        if len(calls) > 1:  # the first page comes, the rest wait for the test
            await gate.wait()
        return await real(project_id, token, since)

    app.source.history_page = held  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.store.jobs))
        await pilot.press("F")
        await wait_until(pilot, lambda: isinstance(app.screen, FailuresScreen))
        screen = app.screen
        progress = screen.query_one("#fleet-progress")
        await wait_until(pilot, lambda: "1 page ·" in static_text(progress))
        text = static_text(progress)
        projects = len(app.store.projects)
        assert f"listing 1/{projects} projects" in text and "back to" in text
        assert screen.query_one("#fleet-loading").display and screen.result is None
        # drawn, not hidden under an overlay while the pages come
        assert_in_view(screen, "#fleet-title", "#fleet-progress", "#failures-tabs")
        gate.set()
        await wait_until(pilot, lambda: screen.result is not None and not screen.busy)
        assert not screen.query_one("#fleet-loading").display
        assert len(set(calls)) == projects  # every project the app knows was listed


# -- Usage ------------------------------------------------------------------------------------


async def test_usage_total_is_the_sum_over_the_jobs_listed(frozen_sim) -> None:
    jobs = [fleet_job(job) for job in await listed(frozen_sim)]
    credits = sum(job.credits or 0.0 for job in jobs)
    estimated = any(job.credits_estimated for job in jobs)
    assert credits > 0
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "dollar_sign", UsageScreen)
        table = screen.query_one("#usage-table", DataTable)
        total = rows(table)[-1]
        assert total[0] == "total"
        assert total[1] == credits_text(credits, estimated)
        assert total[4] == f"{len(jobs):,}"
        assert f"{credits_text(credits, estimated)} credits" in static_text(
            screen.query_one("#fleet-title")
        )


async def test_usage_regroups_by_week_config_tier_and_project(frozen_sim) -> None:
    jobs = [fleet_job(job) for job in await listed(frozen_sim)]
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, app, "dollar_sign", UsageScreen)
        table = screen.query_one("#usage-table", DataTable)
        projects = {pid: state.project.label for pid, state in app.store.projects.items()}
        expected = {
            "w": ("week", None),
            "c": ("configuration", {job.configuration_id or job.configuration for job in jobs}),
            "t": ("tier", {job.tier or "(no tier)" for job in jobs}),
            "p": ("project", {projects[job.project_id] for job in jobs}),
        }
        for key, (column, labels) in expected.items():
            await pilot.press(key)
            await wait_until(
                pilot,
                lambda column=column: (
                    table.ordered_columns[0].label.plain == column and screen.result.by == screen.by
                ),
            )
            shown = [row[0] for row in rows(table)[:-1]]
            assert f"by {column}" in static_text(screen.query_one("#fleet-title"))
            if labels is None:
                assert all("-W" in label for label in shown)
            elif key == "c":  # saved ones by id (their names may be alike), inline by label
                assert {str(k.value) for k in table.rows} - {"__total__"} == labels
            else:
                assert set(shown) == labels
            # the groups' jobs add up to the total, whatever the grouping
            assert sum(int(row[4].replace(",", "")) for row in rows(table)[:-1]) == len(jobs)


async def test_the_second_view_reuses_the_listing_and_s_lists_further_back(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    calls: list[str] = []
    real = app.source.history_page

    async def counting(project_id, token, since):
        calls.append(project_id)
        return await real(project_id, token, since)

    app.source.history_page = counting  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        failures = await open_view(pilot, app, "F", FailuresScreen)
        first = len(calls)
        assert first >= len(app.store.projects)
        await pilot.press("escape")
        usage = await open_view(pilot, app, "dollar_sign", UsageScreen)
        assert len(calls) == first  # the jobs Failures listed, not listed again
        assert usage.result.report.total.jobs == failures.result.total
        await pilot.press("s")  # 30d -> 90d: listed again, further back
        await wait_until(pilot, lambda: usage.since_key == "90d" and not usage.busy)
        assert len(calls) > first
        assert "(90d)" in static_text(usage.query_one("#fleet-title"))
        assert len(await listed(frozen_sim, 90)) == usage.result.report.total.jobs


async def test_usage_confidence_counts_the_jobs_opened_here(frozen_sim) -> None:
    from explorer.core.fleet import mean_confidence

    job_id = frozen_sim.state.notable["invoice_cited"]
    app = frozen_app(frozen_sim, job_id=job_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: job_id in app.store.details)
        assert mean_confidence(app.store.details[job_id]) is not None
        screen = await open_view(pilot, app, "dollar_sign", UsageScreen)
        opened = screen.result.opened_confidence
        assert opened >= 1
        assert (
            screen.result.report.total.confidence_jobs == opened + screen.result.listed_confidence
        )
        assert f"{opened:,} opened here" in static_text(screen.query_one("#usage-note"))
        total = rows(screen.query_one("#usage-table", DataTable))[-1]
        assert total[-1] == f"{screen.result.report.total.mean_confidence:.2f}"


async def test_usage_fits_at_80x24_and_draws_its_charts(frozen_sim) -> None:
    app = frozen_app(frozen_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_view(pilot, app, "dollar_sign", UsageScreen)
        assert_in_view(screen, "#fleet-title", "#usage-credits", "#usage-failures", "#usage-table")
        assert screen.query_one("#usage-table", DataTable).max_scroll_x == 0
        # the bars are glyphs (monochrome terminals still see them)
        assert any("█" in row[2] for row in rows(screen.query_one("#usage-table", DataTable)))


async def test_help_lists_the_fleet_views_keys(frozen_sim) -> None:
    from explorer.tui.screens.fleet_screen import FleetScreen
    from explorer.tui.screens.help import HelpScreen

    app = frozen_app(frozen_sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: bool(app.store.jobs))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        ids = {b.id for _, bindings in app.screen.sections for b in bindings}
        for cls in (FleetScreen, FailuresScreen, UsageScreen):
            assert {b.id for b in cls.BINDINGS} <= ids, cls.__name__
        assert {"app.failures", "app.usage"} <= ids

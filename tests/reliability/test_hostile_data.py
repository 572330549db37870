"""Hostile data is text: shown literally and inertly, never markup, never terminal control.

Pilot tests look at what the widgets draw; the pty tests run the real command in a
pseudo-terminal and check every byte it wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from explorer.core.files import load_paths
from explorer.sim import SimConfig, SimServer
from explorer.tui.widgets.field_meta import FieldMetadataPane
from explorer.tui.widgets.panes import ConfigurationPane, OverviewPane
from explorer.tui.widgets.result_view import ResultView
from tests.reliability import hostile
from tests.reliability.apps import watched
from tests.reliability.terminal import RAW, run_in_terminal
from tests.tui.helpers import file_app, sim_app, static_text, tree_lines, wait_until

MARKUP_SHOWN = ["[bold red]PAID[/]", "[@click=app.quit]x[/]", "[link=https://evil.example]"]


def screen_lines(app) -> list[str]:
    """Every line of the screen as the terminal would show it (text only)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def assert_inert(lines: list[str], where: str) -> None:
    for line in lines:
        raw = RAW.search(line)
        assert raw is None, f"{where}: raw {raw.group()!r} in {line!r}"


async def walk_results(pilot, app, presses: int) -> list[str]:
    """Open the Results pane, expand everything, move down ``presses`` lines; return every
    screen line seen on the way."""
    app.main.action_show_tab("results")
    view = app.query_one(ResultView)
    await wait_until(pilot, lambda: view.has_focus)
    await pilot.press("e")
    seen: list[str] = []
    for step in range(presses):
        await pilot.press("down")
        if step % 4 == 0:
            seen += screen_lines(app)
    return seen


async def test_nasty_job_from_the_api_is_shown_literally(sim) -> None:
    job_id = sim.state.notable["nasty"]
    app = watched(sim_app(sim, job_id=job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: job_id in app.store.details)
        seen = await walk_results(pilot, app, 16)
        assert app.is_running  # "[@click=app.quit]" did not quit
        text = "\n".join(seen)
        assert '"[bold red]PAID[/] Northwind [@click=app.q' in text  # cut to the pane width
        assert "\\x1b[2J" in text and "\\u202e" in text  # the controls, visibly escaped
        assert_inert(seen, "results")

        # The field under the cursor: its metadata pane shows the whole value, as text.
        view = app.query_one(ResultView)
        assert view.select_path(("vendor", "name"))
        meta = app.query_one(FieldMetadataPane)
        await wait_until(pilot, lambda: "PAID" in static_text(meta))
        assert "[bold red]PAID[/] Northwind [@click=app.quit]x[/]" in static_text(meta)
        assert_inert(screen_lines(app), "field metadata")
        for tab in ("overview", "configuration", "fields"):
            app.main.action_show_tab(tab)
            await pilot.pause(0.2)
            assert_inert(screen_lines(app), tab)
    assert app.worker_errors == []


def write_hostile_file(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.json"
    path.write_text(hostile.hostile_json_text(), encoding="utf-8")
    return path


def test_hostile_file_is_read_completely(tmp_path: Path) -> None:
    loaded = load_paths([str(write_hostile_file(tmp_path))])
    assert loaded.problems == []
    assert [j.id for j in loaded.jobs] == [hostile.JOB_ID, hostile.HOSTILE_ID_JOB]
    data = loaded.jobs[0].to_json_dict()  # what copy and export start from
    result = data["extract_result"]
    assert result["huge_string"] == hostile.HUGE_STRING  # complete, not truncated
    assert result["huge_int"] == 10**100 and isinstance(result["huge_int"], int)
    assert len(result["big_array"]) == 10_000
    assert result["surrogate"] == "lone \ud800 and \udfff surrogates"
    assert result["duplicate"] == "\x1b[2J"  # the last of duplicate keys, as JSON parsers do
    assert result["overflow"] == float("inf")
    assert result["not_a_number"] != result["not_a_number"]
    depth, node = 0, result["deep"]
    while not isinstance(node, str):
        node = node["level"] if isinstance(node, dict) else node[0]
        depth += 1
    assert depth == hostile.DEPTH


async def test_every_hostile_class_renders_in_every_pane(tmp_path: Path) -> None:
    loaded = load_paths([str(write_hostile_file(tmp_path))])
    app = watched(file_app(loaded, job_id=hostile.JOB_ID))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: hostile.JOB_ID in app.store.details)
        seen = await walk_results(pilot, app, 20)
        view = app.query_one(ResultView)
        assert view.select_path(("huge_string",))
        await pilot.pause(0.2)
        seen += screen_lines(app)
        # Long values are cut on screen (the 1 MB string shows as one ellipsised line).
        huge = [line for line in seen if 'huge_string: "' in line]
        assert huge and all("AAAA" in line and "…" in line for line in huge)
        assert all(len(line) <= 120 for line in seen)
        text = "\n".join(seen)
        for markup in MARKUP_SHOWN:
            assert markup in text
        assert "Infinity" in text and "NaN" in text and "1000000000" in text

        for tab in ("overview", "configuration", "fields"):
            app.main.action_show_tab(tab)
            await pilot.pause(0.3)
            lines = screen_lines(app)
            assert_inert(lines, tab)
            seen += lines
        # The Fields pane lists every leaf (10,000 array items and all), once analysed.
        await wait_until(pilot, lambda: "10,037/10,037 fields" in "".join(screen_lines(app)))
        assert_inert(screen_lines(app), "fields")
        assert "[bold red]PAID[/]" in static_text(app.query_one(OverviewPane))
        schema = app.query_one(ConfigurationPane).query_one("#config-schema")
        labels = [child.label.plain for child in schema.root.children]
        assert any(label.startswith("[bold red]PAID[/]") for label in labels)
        assert_inert(seen, "panes")
        assert app.is_running
    assert app.worker_errors == []


async def test_a_job_whose_id_status_and_target_are_hostile(tmp_path: Path) -> None:
    loaded = load_paths([str(write_hostile_file(tmp_path))])
    app = watched(file_app(loaded, job_id=hostile.HOSTILE_ID_JOB))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == hostile.HOSTILE_ID_JOB)
        seen = tree_lines(app)
        for tab in ("overview", "configuration", "results", "fields"):
            app.main.action_show_tab(tab)
            await pilot.pause(0.3)
            seen += screen_lines(app)
        assert app.is_running
        assert_inert(seen, "hostile id job")
    assert app.worker_errors == []


def small_job(**extra) -> dict:
    return {
        "id": "ext-small",
        "project_id": "prj-1",
        "status": "COMPLETED",
        "file_input": "dfl-1",
        "configuration": {"data_schema": {"type": "object"}},
        "extract_result": {"total": 1},
        **extra,
    }


SURROGATE = "@@SURROGATE@@"


@pytest.mark.parametrize(
    ("where", "job"),
    [
        (
            "configuration",
            small_job(configuration={"data_schema": {"properties": {"x": SURROGATE}}}),
        ),
        (
            "configuration",
            small_job(configuration={"data_schema": {}, "extra": {"n": 10**30}}),
        ),
        (
            "results",
            small_job(
                extract_metadata={
                    "field_metadata": {
                        "document_metadata": {"total": {"confidence": 0.9, "note": 10**30}}
                    }
                }
            ),
        ),
    ],
    ids=["schema-property-surrogate", "config-extra-big-int", "metadata-extra-big-int"],
)
async def test_values_orjson_cannot_write_do_not_crash_the_panes(
    tmp_path: Path, where: str, job: dict
) -> None:
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job).replace(f'"{SURROGATE}"', '"\\ud800"'))
    app = watched(file_app(load_paths([str(path)]), job_id="ext-small"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == "ext-small")
        app.main.action_show_tab(where)
        await pilot.pause(0.3)
        if where == "results":
            assert app.query_one(ResultView).select_path(("total",))
            await pilot.pause(0.3)
        assert app.is_running
    assert app.return_code in (None, 0)
    assert app.worker_errors == []


# -- the bytes written to a real terminal ----------------------------------------------------


def assert_terminal_clean(run, segments: set[str]) -> None:
    assert not run.killed, "the app did not quit on q"
    assert run.ready, "the job never appeared on screen"
    assert run.returncode == 0
    written = run.text
    for sequence in hostile.NEVER_WRITTEN:
        assert sequence not in written, f"{sequence!r} reached the terminal"
    for segment in segments:
        assert segment not in written, f"{segment!r} reached the terminal"
    # Once Textual's own drawing sequences are taken out, only text (and CR/LF) is left.
    rest = run.without_textual_sequences()
    raw = RAW.search(rest)
    context = rest[max(0, raw.start() - 40) : raw.start() + 40] if raw else ""
    assert raw is None, f"raw {raw.group()!r} written: {context!r}"
    assert "\x1b" not in rest


@pytest.mark.timeout(60)
def test_terminal_gets_no_control_sequences_from_the_api_nor_the_key() -> None:
    key = "llx-SECRET-canary-123"
    with SimServer(SimConfig(seed=7, big_rows=200, api_key=key)) as server:
        job_id = server.state.notable["nasty"]
        job = server.state.get_job(job_id)
        env = {**os.environ, "LLAMA_CLOUD_BASE_URL": server.url, "LLAMA_CLOUD_API_KEY": key}
        run = run_in_terminal(
            [job_id, "--no-animation"],
            env=env,
            ready=lambda text: "Health" in text and "cited" in text,  # the job is loaded
            keys=[b"3", 0.5, b"e", 0.3, *[b"\x1b[B"] * 8, b"4", b"1"],
        )
    segments = hostile.escape_segments(job)
    assert any("\x1b]0;" in s for s in segments), "the nasty job lost its OSC"
    assert_terminal_clean(run, segments)
    assert "PAID" in run.visible() and "\\x1b" in run.visible()
    assert key not in run.text


@pytest.mark.timeout(60)
def test_terminal_gets_no_control_sequences_from_a_hostile_file(tmp_path: Path) -> None:
    path = write_hostile_file(tmp_path)
    run = run_in_terminal(
        ["open", str(path), "--job", hostile.JOB_ID, "--no-animation"],
        env=dict(os.environ),
        ready=lambda text: "COMPLETED" in text and "Overview" in text,
        keys=[b"3", 0.5, b"e", 0.3, *[b"\x1b[B"] * 8, b"2", b"4", b"1"],
    )
    job = json.loads(path.read_text())
    assert_terminal_clean(run, hostile.escape_segments(job))
    visible = run.visible()
    assert "[bold red]PAID[/]" in visible or "PAID" in visible
    assert "\\x1b]52;" in visible or "\\u001b]52;" in visible  # the clipboard write, as text


@pytest.mark.timeout(60)
def test_terminal_gets_no_control_sequences_from_hostile_ids(tmp_path: Path) -> None:
    path = write_hostile_file(tmp_path)
    run = run_in_terminal(
        ["open", str(path), "--job", hostile.HOSTILE_ID_JOB, "--no-animation"],
        env=dict(os.environ),
        ready=lambda text: "Overview" in text and "PAI" in text,
        keys=[b"3", 0.5, b"e", 0.3, *[b"\x1b[B"] * 5, b"2", b"4", b"1"],
    )
    assert_terminal_clean(run, hostile.escape_segments(json.loads(path.read_text())))

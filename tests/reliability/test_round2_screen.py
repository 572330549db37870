"""Issue 11, round 2, on screen: palette hits are text (2), dialogs and toasts show ids inert
(3), export never writes outside the folder nor over a file unasked (4), copy escapes control
characters (12), and a resize to a wide terminal leaves the narrow layout at once (21).

The keymap checks (7, 20) are in ``test_round2_keymap.py``; the fuzz test in
``test_round2_screen_fuzz.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, OptionList

from explorer.tui.screens.confirm import ConfirmScreen
from explorer.tui.screens.export import ExportScreen
from explorer.tui.screens.help import HelpScreen
from explorer.tui.widgets.panes import OverviewPane
from explorer.tui.widgets.result_view import ResultView
from tests.reliability.screen_checks import (
    CLICK_QUIT,
    HOSTILE_ID,
    LINK,
    actions_on_screen,
    assert_inert_screen,
    click_shot,
    job,
    jobs_app,
    screen_lines,
    screen_text,
)
from tests.reliability.terminal import RAW
from tests.tui.helpers import static_text, wait_until

# -- 2: the command palette ----------------------------------------------------------------


async def open_palette_on_jobs(pilot, app, count: int) -> OptionList:
    """Open the palette, ask for "go to job", wait until ``count`` job hits are listed."""
    app.action_command_palette()
    await wait_until(pilot, lambda: app.screen.query(OptionList))
    await pilot.press(*"go to job")
    options = app.screen.query_one(OptionList)
    await wait_until(pilot, lambda: options.option_count >= count)
    await pilot.pause(0.1)
    return options


async def click_status(pilot, app, job_id: str) -> None:
    """Click the third cell of a job hit's status (``ext-1 · STATUS``): where the status's
    first word is drawn, had it been read as markup (``CLICKME``), or its bracket otherwise."""
    lines = screen_lines(app)
    head = f"{job_id} · "
    y = next(y for y, line in enumerate(lines) if head in line)
    await pilot.click(offset=(lines[y].index(head) + len(head) + 2, y))


async def test_palette_hits_are_text_and_clicking_them_runs_no_action(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    shot = click_shot(victim)
    jobs = [job("ext-0000", CLICK_QUIT), job("ext-0001", shot), job("ext-0002", LINK)]
    app = jobs_app(tmp_path, jobs)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.store.jobs) == 3)
        await open_palette_on_jobs(pilot, app, 3)
        assert app.is_running  # the [link] status did not end the app with a MarkupError
        text = screen_text(app)
        for status in (CLICK_QUIT, shot[:40], LINK):  # (the long one is cut at 120 chars)
            assert status in text  # shown literally, brackets and all
        assert actions_on_screen(app) == []  # nothing on screen is a button or a link
        assert_inert_screen(app, "palette")

        await click_status(pilot, app, "ext-0000")
        await wait_until(pilot, lambda: app.main.panes.job_id == "ext-0000")
        assert app.is_running  # the click chose the job; it did not quit

        await open_palette_on_jobs(pilot, app, 3)
        await click_status(pilot, app, "ext-0001")
        await wait_until(pilot, lambda: app.main.panes.job_id == "ext-0001")
        await pilot.pause(0.2)
        assert list(victim.iterdir()) == []  # no screenshot written anywhere
        assert app.is_running
    assert app.return_code is None and app.worker_errors == []


# -- 3: dialogs and toasts -----------------------------------------------------------------


async def test_dialogs_and_toasts_show_a_hostile_id_inert(tmp_path: Path) -> None:
    jobs = [job(HOSTILE_ID, "RUNNING", extract_result=None)]
    app = jobs_app(tmp_path, jobs, job_id=HOSTILE_ID, live=True)
    escaped = "ext-\\x1b[2J\\x1b]0;T\\x07\\u202e[b]bold[/b]"
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: HOSTILE_ID in app.store.details)
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.pause(0.1)
        assert f"Export {escaped}" in screen_text(app)
        assert_inert_screen(app, "export dialog")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen))

        app.main.tree.focus()
        await pilot.press("X")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause(0.1)
        assert f"Cancel job {escaped}" in screen_text(app)
        assert_inert_screen(app, "confirm dialog")
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))

        # A toast and the Overview quoting an id typed into "go to job" (or given with --job)
        app.goto_job("ext-\x1b]0;pwned\x07[@click=app.quit]Q[/]\x85")
        overview = app.query_one(OverviewPane)
        await wait_until(pilot, lambda: "Could not load" in static_text(overview))
        await wait_until(pilot, lambda: "pwned" in screen_text(app))  # the toast is up
        assert "[@click=app.quit]Q[/]" in screen_text(app)
        assert actions_on_screen(app) == []
        assert_inert_screen(app, "toast")
        for note in app._notifications:
            assert not note.markup and RAW.search(note.message) is None
    assert app.worker_errors == []


# -- 4: export paths -----------------------------------------------------------------------


async def export_with_enter(pilot, app, path: str | None = None) -> ExportScreen:
    """Open Export, optionally type a path, press Enter; return the dialog."""
    await pilot.press("E")
    await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
    dialog = app.screen
    if path is not None:
        dialog.query_one("#export-path", Input).value = path
    await pilot.press("enter")
    return dialog


async def test_export_writes_one_plain_file_in_the_folder_and_never_over_one(
    tmp_path: Path, monkeypatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    victim = tmp_path / "victim" / "pwned.json"
    victim.parent.mkdir()
    victim.write_text("ORIGINAL")
    monkeypatch.chdir(work)
    traversal = "ext-1/../../victim/pwned"
    absolute = f"{victim.parent}/abs"
    app = jobs_app(tmp_path, [job(traversal), job(absolute)], job_id=traversal)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: traversal in app.store.details)
        await export_with_enter(pilot, app)
        first = work / "ext-1_.._.._victim_pwned.json"
        await wait_until(pilot, lambda: first.exists())
        assert json.loads(first.read_text())["id"] == traversal
        assert victim.read_text() == "ORIGINAL"
        assert sorted(p.name for p in work.iterdir()) == [first.name]  # no folder made

        # Again: the name offered is a free one, the first file stays as it was.
        first.write_text("FIRST")
        await export_with_enter(pilot, app)
        second = work / "ext-1_.._.._victim_pwned (1).json"
        await wait_until(pilot, lambda: second.exists())
        assert first.read_text() == "FIRST"

        # An existing file typed in: asked first; "no" keeps it, "yes" replaces it.
        dialog = await export_with_enter(pilot, app, str(first))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "exists" in screen_text(app) and "Replace it?" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is dialog)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: first.read_text() != "FIRST")
        assert json.loads(first.read_text())["id"] == traversal

        # A folder that does not exist is not made: the dialog says so and stays.
        missing = work / "no" / "such" / "x.json"
        dialog = await export_with_enter(pilot, app, str(missing))
        await wait_until(pilot, lambda: "No folder" in screen_text(app))
        assert app.screen is dialog and not (work / "no").exists()
        await pilot.press("escape")

        # An id that is an absolute path: still a plain name in the folder.
        app.goto_job(absolute)
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == absolute)
        before = set(work.iterdir())
        await export_with_enter(pilot, app)
        await wait_until(pilot, lambda: len(set(work.iterdir()) - before) == 1)
        (plain,) = set(work.iterdir()) - before
        assert plain.name.startswith("_tmp_") and plain.suffix == ".json"
        assert not (victim.parent / "abs.json").exists()
    assert victim.read_text() == "ORIGINAL"
    assert app.worker_errors == []


# -- 12: copy --------------------------------------------------------------------------------


def raw_on_clipboard(text: str) -> str | None:
    """The first character that must not reach a clipboard raw (tabs and line breaks may)."""
    found = RAW.search(text.replace("\t", " "))
    return found.group() if found else None


PASTE_BREAKER = "paid\x1b[201~; rm -rf ~\n\x1b]0;T\x07\x85\x9b\x00\u202eexe.txt\ttab\r"


async def test_copy_escapes_control_characters_and_export_keeps_them(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = jobs_app(tmp_path, [job("ext-copy", extract_result={"v": PASTE_BREAKER})])
    sent: list[str] = []
    original = app.copy_to_clipboard
    app.copy_to_clipboard = lambda text: (sent.append(text), original(text))  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        app.goto_job("ext-copy")
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == "ext-copy")
        app.main.action_show_tab("results")
        view = app.query_one(ResultView)
        await wait_until(pilot, lambda: view.has_focus)
        assert view.select_path(("v",))
        await pilot.press("y", "v")
        await wait_until(pilot, lambda: len(sent) == 1)
        value = sent[0]
        assert value == app.clipboard
        assert "\x1b" not in value and raw_on_clipboard(value) is None
        assert value == (
            "paid\\x1b[201~; rm -rf ~\n\\x1b]0;T\\x07\\x85\\x9b\\x00\\u202eexe.txt\ttab\\r"
        )
        await pilot.press("y", "r")  # the field row, as JSON: escaped, and the same data
        await wait_until(pilot, lambda: len(sent) == 2)
        assert raw_on_clipboard(sent[1]) is None
        assert json.loads(sent[1])["value"] == PASTE_BREAKER
        await pilot.press("y", "j")
        await wait_until(pilot, lambda: len(sent) == 3)
        assert raw_on_clipboard(sent[2]) is None
        assert json.loads(sent[2])["extract_result"]["v"] == PASTE_BREAKER

        await pilot.press("E", "enter")  # the exact bytes: through export
        saved = tmp_path / "ext-copy.json"
        await wait_until(pilot, lambda: saved.exists())
        assert json.loads(saved.read_text())["extract_result"]["v"] == PASTE_BREAKER
    assert app.worker_errors == []


# -- 21: a resize to a wide terminal -----------------------------------------------------------


async def test_growing_past_110_columns_leaves_the_narrow_layout_at_once(tmp_path: Path) -> None:
    app = jobs_app(tmp_path, [job("ext-wide")])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.screen.has_class("-narrow"))
        await pilot.resize_terminal(120, 30)
        await wait_until(pilot, lambda: not app.screen.has_class("-narrow"))
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: app.screen.has_class("-narrow"))
        # Resized while a dialog is open: the main screen under it follows too.
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        main = app.screen_stack[0]
        await pilot.resize_terminal(120, 30)
        await wait_until(pilot, lambda: not main.has_class("-narrow"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is main)
        assert not main.has_class("-narrow")

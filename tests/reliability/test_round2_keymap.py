"""Issue 11, round 2: a keymap entry that cannot work is named in a notification and left out
(20); a keymap that is not a table is a clear error, not a TypeError (7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explorer.settings import ConfigError, resolve_settings
from explorer.tui.app import ExplorerApp
from explorer.tui.keymap import binding_chains, check_keymap, key_problem
from explorer.tui.screens.help import HelpScreen
from explorer.tui.widgets.result_view import ResultView
from tests.reliability.screen_checks import job, jobs_app, screen_text
from tests.tui.helpers import wait_until

BAD_KEYMAP = {
    "app.quit": "j",  # the tree moves down on j: quitting there would be dead, elsewhere a trap
    "app.pause": "ctrl+shft+t",  # no such modifier
    "app.help": "f5",  # fine
    "no.such.binding": "x",
    "app.filter": "[@click=app.quit]x",  # not a key, and not markup in the message either
    "app.grouping": "ctrl+g",  # fine
    "app.diff": "ctrl+g",  # the same key as the line above
}


def keymap_notes(app: ExplorerApp) -> list[str]:
    return [str(n.message) for n in app._notifications if n.title == "Keymap"]


async def test_bad_keymap_entries_are_named_and_left_out(tmp_path: Path) -> None:
    app = jobs_app(tmp_path, [job("ext-a"), job("ext-b")], keymap=BAD_KEYMAP)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: len(app.store.jobs) == 2)
        await wait_until(pilot, lambda: len(keymap_notes(app)) >= 5)
        notes = keymap_notes(app)
        assert len(notes) == 5, notes
        text = "\n".join(notes)
        assert 'app.quit = "j" ignored: j is already tree.down' in text
        assert "'shft' is not a modifier" in text and "app.pause" in text
        assert "unknown binding id 'no.such.binding'" in text
        assert 'app.filter = "[@click=app.quit]x" ignored' in text
        assert 'app.diff = "ctrl+g" ignored: ctrl+g is already app.grouping' in text
        assert all(n.severity == "warning" for n in app._notifications if n.title == "Keymap")
        assert app.keymap_check.accepted == {"app.help": "f5", "app.grouping": "ctrl+g"}
        await wait_until(pilot, lambda: "tree.down" in screen_text(app))  # the toasts show
        assert "[@click=app.quit]x" in screen_text(app)

        # What was left out keeps its built-in key; what was accepted works.
        app.main.tree.focus()
        await pilot.press("j")
        await pilot.pause(0.1)
        app.main.action_show_tab("results")
        view = app.query_one(ResultView)
        await wait_until(pilot, lambda: view.has_focus)
        await pilot.press("j")  # j in the results moves the cursor; it does not quit
        await pilot.pause(0.1)
        assert app.is_running
        await pilot.press("p")
        assert app.watcher.paused  # app.pause kept "p"
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: app.main.tree.grouping != "status")
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert "f5" in screen_text(app)
        assert app.screen.keymap == app.keymap_check.accepted  # the help lists what applies
        await pilot.press("escape")
        await pilot.press("q")  # app.quit kept "q"
        await wait_until(pilot, lambda: not app.is_running)
    assert app.worker_errors == []


def test_a_swap_of_two_keys_is_no_clash() -> None:
    check = check_keymap({"app.quit": "r", "app.refresh": "q"}, binding_chains(ExplorerApp))
    assert check.problems == [] and check.accepted == {"app.quit": "r", "app.refresh": "q"}


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("ctrl+r", True),
        ("?", True),
        ("question_mark", True),
        ("f5", True),
        ("shift+tab", True),
        ("left_square_bracket", True),
        ("é", True),
        ("ctrl+", False),
        ("hyper+super+x", True),
        ("ctrl+ctrl+x", False),
        ("ctrl + r", False),
        ("return_key", False),
        ("\x1b", False),
    ],
)
def test_key_names(key: str, ok: bool) -> None:
    assert (key_problem(key) is None) is ok


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "profile", "where"),
    [
        ('[profiles.p]\nkeymap = "x"\n', "p", "[profiles.p.keymap]"),
        ('keymap = "x"\n', None, "[keymap]"),
        ("keymap = [1, 2]\n", None, "[keymap]"),
    ],
)
def test_a_keymap_that_is_not_a_table_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, text: str, profile: str | None, where: str
) -> None:
    from explorer.cli import main

    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(f"{path}: {where} must be a table")):
        resolve_settings({"config": str(path), "profile": profile}, {})
    argv = ["--config", str(path), *(["--profile", profile] if profile else [])]
    assert main(argv) == 2  # the TUI never starts
    err = capsys.readouterr().err
    assert f"{where} must be a table" in err and "Traceback" not in err

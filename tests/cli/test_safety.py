"""Hostile data cannot drive the terminal, the key never shows, and every command has --help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.cli import COMMANDS, main
from explorer.commands import COMMAND_TABLE
from explorer.commands.output import json_text, terminal_json
from tests.cli.conftest import HOSTILE_CHARS, make_job

ROOT = Path(__file__).resolve().parents[2]


def _clean(text: str) -> bool:
    return not any(ch in text for ch in HOSTILE_CHARS)


@pytest.mark.parametrize(
    "argv",
    [
        ("fields", "{nasty}"),
        ("fields", "{nasty}", "--json"),
        ("fields", "{nasty}", "--below", "0.9"),
        ("check", "{nasty}"),
        ("check", "{nasty}", "--json"),
        ("get", "{nasty}"),
        ("get", "{nasty}", "--json"),
        ("export", "{nasty}", "--format", "json"),
        ("export", "{nasty}", "--format", "jsonl"),
        ("diff", "{nasty}", "{invoice_cited}"),
        ("diff", "{nasty}", "{invoice_cited}", "--json"),
        ("list", "--limit", "0"),
        ("list", "--limit", "0", "--json"),
    ],
    ids=" ".join,
)
def test_nasty_job_prints_no_raw_controls(run, notable, argv) -> None:
    r = run(*(a.format(**notable) for a in argv))
    assert r.code in (0, 1)
    assert r.out or argv[0] == "check"  # the nasty job breaks no schema rule
    assert _clean(r.out), [ch for ch in HOSTILE_CHARS if ch in r.out]
    assert _clean(r.err)


def test_nasty_values_show_as_escapes_and_stay_complete_in_json(run, notable, sim_job) -> None:
    table = run("fields", notable["nasty"]).out
    assert "\\x1b[2J" in table and "\\u202e" in table
    assert "[bold red]PAID[/]" in table  # markup is plain text here
    rows = run("fields", notable["nasty"], "--json").json()
    job = sim_job("nasty")
    address = job["extract_result"]["vendor"]["address"]
    assert next(r["value"] for r in rows if r["path"] == ".vendor.address") == address


def test_hostile_keys_paths_and_messages(run, write_json) -> None:
    evil = "\x1b]52;c;cHduZWQ=\x07\u202eevil"
    job = make_job(
        result={evil: "\x9b31m", "number": 5, "total": 1},
        schema={
            "type": "object",
            "properties": {"number": {"type": "string"}},
            "additionalProperties": False,
        },
    )
    path = write_json(job)
    for argv in (("fields", path), ("check", path), ("fields", path, "--json"), ("get", path)):
        r = run(*argv)
        assert _clean(r.out) and _clean(r.err), argv
    not_found = run("get", f"ext-{evil}")
    assert not_found.code == 2 and _clean(not_found.err)
    pick = run("fields", path, "--job", evil)
    assert pick.code == 2 and _clean(pick.err)


def test_terminal_json_is_lossless() -> None:
    value = {"k\u202e": ["\x1b[31m", "\x85\x9b", "\u2028", "\ufeff", "ok é 日本"]}
    text = json_text(value)
    assert _clean(text) and "\x85" not in text and "\u2028" not in text
    assert json.loads(text) == value
    assert "é 日本" in text  # ordinary text stays readable
    assert terminal_json('"\x7f"') == '"\\u007f"'


def test_every_command_is_registered_and_has_help(capsys) -> None:
    for name in COMMAND_TABLE:
        assert name in COMMANDS
        assert main([name, "--help"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: extract-explorer {name}")
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    assert all(f"  {name} " in top for name in COMMAND_TABLE)


def test_usage_error_exits_2(run) -> None:
    r = run("export", "x", "--format", "yaml")
    assert r.code == 2 and "invalid choice" in r.err
    assert run("list", "--limit", "-1").code == 2


def test_commands_do_not_load_textual() -> None:
    modules = sorted(
        "explorer.commands." + p.stem for p in (ROOT / "explorer/commands").glob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


class _ClosedPipe:
    """A stdout whose reader went away (``extract-explorer list | head -1``)."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise ValueError("no file descriptor")


def test_closed_pipe_stops_quietly(notable, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    assert main(["fields", notable["invoice_cited"]]) == 1
    assert capsys.readouterr().err.count("\n") <= 1  # the summary note at most, no traceback

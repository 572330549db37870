"""Issue 11, round 2: reading files has limits, and says so when it meets one.

Items 15 (``get /dev/zero`` and ``open /dev/zero`` read until memory ran out: now a size cap
and regular files only) and 21 (a directory of 10,000 files loaded 5,000 without saying so).
Reads that could run away are made in a child process with a memory cap and a timeout, so a
regression fails the test instead of exhausting the machine.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

import explorer.core.files as files
from explorer.core.files import load_paths
from tests.reliability.round2 import (
    CHILD_MEMORY,
    child_env,
    isolate,
    job,
    run_child,
    run_cli,
    write,
)
from tests.reliability.terminal import run_in_terminal
from tests.tui.helpers import file_app, tree_lines, wait_until


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


# -- 15: devices, FIFOs and files past the cap -------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", ["get", "check"])
def test_a_device_is_refused_at_once(tmp_path: Path, command: str) -> None:
    result = run_child(command, "/dev/zero", env=child_env(tmp_path))
    assert result.code == 2
    assert "/dev/zero: a device, not a regular file" in result.err


@pytest.mark.timeout(60)
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "job.json"
    os.mkfifo(fifo)
    result = run_child("get", str(fifo), env=child_env(tmp_path))
    assert result.code == 2
    assert "a pipe (FIFO), not a regular file" in result.err and "pipe it to -" in result.err


def test_a_file_past_the_cap_is_refused_unread(capsys, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: 2 GB long, nothing on disk
        handle.truncate(files.MAX_FILE_BYTES * 2)
    result = run_cli(capsys, "get", str(big))
    assert result.code == 2
    assert "larger than the 1.0 GB limit of a job file" in result.err


def test_stdin_past_the_cap_is_refused(
    capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10_000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b" " * 50_000)))
    result = run_cli(capsys, "get", "-")
    assert result.code == 2
    assert "<stdin>: larger than the" in result.err
    # and under the cap stdin still works
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "ext-in"}')))
    assert run_cli(capsys, "get", "-").code == 0


_CAPPED = (
    "import resource, runpy, sys;"
    f"resource.setrlimit(resource.RLIMIT_AS, ({CHILD_MEMORY}, {CHILD_MEMORY}));"
    "sys.argv = ['extract-explorer', *sys.argv[1:]];"
    "runpy.run_module('explorer', run_name='__main__')"
)


@pytest.mark.timeout(90)
def test_open_dev_zero_lists_it_and_the_app_runs(tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", job("ext-good"))
    run = run_in_terminal(
        ["open", "/dev/zero", good, "--no-animation"],
        env=child_env(tmp_path),
        ready=lambda text: "unreadable" in text and "COMPLETED" in text,
        keys=[],
        timeout=60,
        program=[sys.executable, "-c", _CAPPED],
    )
    assert run.ready, "the app never showed the file and its problem"
    assert not run.killed and run.returncode == 0
    assert "/dev/zero" in run.visible() and "a device" in run.visible()


# -- 21: a directory over the file limit says so -----------------------------------------------


def make_folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(count):
        (folder / f"job-{n:05d}.json").write_text(f'{{"id": "ext-{n:05d}"}}')
    return folder


@pytest.mark.timeout(120)
def test_a_directory_past_the_limit_says_how_many_were_loaded(capsys, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, 10_000)
    result = run_cli(capsys, "get", str(folder), "--job", "ext-00001")
    assert result.code == 0, result.err
    assert "loaded 5,000 of 10,000 job files (the limit is 5,000)" in result.err


async def test_the_app_says_a_directory_was_cut_at_the_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(files, "MAX_FILES", 5)
    loaded = load_paths([str(make_folder(tmp_path, 12))])
    assert len(loaded.jobs) == 5
    app = file_app(loaded)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: sum("ext-" in line for line in tree_lines(app)) == 5)
        toasts = [str(n.message) for n in app._notifications]
        assert any("loaded 5 of 12 job files (the limit is 5)" in t for t in toasts), toasts
        assert app.is_running

"""The TUI in a real pseudo-terminal: keys after ``open - < job.json``, and the colours it sends.

``open -`` reads the jobs from stdin, a pipe: the keys must then come from the controlling
terminal, or ``q`` is never seen. A terminal that says ``TERM=dumb`` must not get 24-bit colour
(unless ``COLORTERM`` asks for it), and ``NO_COLOR`` must leave no hue on screen.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.reliability.terminal import Run

SEED_JOB = FIXTURES / "seed-example-job.json"
#: How the seed job's id shows in the tree (its short id).
SEED_SHORT_ID = "ext-aaaaaa"
ALT_SCREEN_OFF = b"\x1b[?1049l"

#: Run by the child before the app: make its stdout, the pty, its controlling terminal (it is a
#: session leader, started with start_new_session), then become ``python -m explorer ARGS``.
_TAKE_TERMINAL = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(1, termios.TIOCSCTTY, 0)\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'explorer', *sys.argv[1:]])\n"
)


@dataclass
class PtyRun:
    output: bytes
    returncode: int | None
    ready: bool
    #: Seconds from the quit key to the process's exit (None when it had to be killed).
    exit_seconds: float | None

    @property
    def visible(self) -> str:
        return Run(self.output).visible()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LLAMA_", "EXTRACT_", "TEXTUAL_"))
        and k not in ("NO_COLOR", "COLORTERM", "TERM")
    }
    env.update(
        EXTRACT_EXPLORER_CONFIG=str(tmp_path / "no-config.toml"),
        PYTHONUNBUFFERED="1",
        COLUMNS="120",
        LINES="40",
    )
    env.update(extra)
    return env


def run_on_pty(
    args: list[str],
    env: dict[str, str],
    *,
    stdin_data: bytes | None = None,
    controlling_terminal: bool = True,
    ready_text: str = SEED_SHORT_ID,
    quit_key: bytes = b"q",
    timeout: float = 40.0,
) -> PtyRun:
    """``python -m explorer ARGS`` with stdout and stderr on a pty (its controlling terminal
    unless told otherwise) and stdin the pty or, given ``stdin_data``, a pipe holding it; once
    ``ready_text`` is on screen, ``quit_key`` is typed; everything written is kept."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    stdin: int = slave
    writer: threading.Thread | None = None
    if stdin_data is not None:
        read_end, write_end = os.pipe()
        stdin = read_end

        def feed() -> None:
            try:
                os.write(write_end, stdin_data)
            finally:
                os.close(write_end)

        writer = threading.Thread(target=feed, daemon=True)
    program = (
        [sys.executable, "-c", _TAKE_TERMINAL, *args]
        if controlling_terminal
        else [sys.executable, "-m", "explorer", *args]
    )
    process = subprocess.Popen(
        program,
        stdin=stdin,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    if stdin_data is not None:
        os.close(stdin)
        assert writer is not None
        writer.start()
    chunks: list[bytes] = []
    ready = False
    quit_at: float | None = None
    exited_at: float | None = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([master], [], [], 0.05)
            if readable:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the child closed the pty
                    data = b""
                if not data:
                    break
                chunks.append(data)
            if process.poll() is not None and not readable:
                break
            if not ready and ready_text in Run(b"".join(chunks)).visible():
                ready = True
                time.sleep(0.5)  # let the first frames settle before typing
                os.write(master, quit_key)
                quit_at = time.monotonic()
        returncode = process.wait(timeout=10) if process.poll() is None else process.returncode
        exited_at = time.monotonic()
    except subprocess.TimeoutExpired:
        returncode = None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    seconds = (
        exited_at - quit_at
        if quit_at is not None and exited_at is not None and returncode is not None
        else None
    )
    return PtyRun(b"".join(chunks), returncode, ready, seconds)


# -- keys after open - ----------------------------------------------------------------------


@pytest.mark.timeout(90)
def test_open_stdin_then_q_quits(tmp_path: Path) -> None:
    run = run_on_pty(
        ["open", "--no-animation", "-"],
        _env(tmp_path, TERM="xterm-256color"),
        stdin_data=SEED_JOB.read_bytes(),
    )
    assert run.ready, run.visible[-2000:]
    assert run.returncode == 0, run.visible[-2000:]
    assert run.exit_seconds is not None and run.exit_seconds < 10
    tail = run.output[run.output.rfind(b"\x1b[?1049h") :]
    assert ALT_SCREEN_OFF in tail  # the terminal got its screen back
    assert "Traceback" not in run.visible


@pytest.mark.timeout(60)
def test_open_stdin_without_a_terminal_says_so(tmp_path: Path) -> None:
    run = run_on_pty(
        ["open", "-"],
        _env(tmp_path, TERM="xterm-256color"),
        stdin_data=SEED_JOB.read_bytes(),
        controlling_terminal=False,
        ready_text="never shown",
        timeout=30,
    )
    assert run.returncode == 2
    text = run.visible
    assert "no terminal to read keys from" in text
    assert "Traceback" not in text
    assert b"\x1b[?1049h" not in run.output  # the app never started


# -- colours --------------------------------------------------------------------------------

_SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


def colors(output: bytes) -> list[tuple[str, tuple[int, ...]]]:
    """Every colour an SGR sequence sets: ("rgb", (r, g, b)), ("256", (n,)) or ("16", (code,))."""
    found: list[tuple[str, tuple[int, ...]]] = []
    for match in _SGR.finditer(output):
        params = [int(p) if p else 0 for p in match.group(1).replace(b":", b";").split(b";")]
        i = 0
        while i < len(params):
            p = params[i]
            if p in (38, 48) and i + 1 < len(params):
                if params[i + 1] == 2:
                    found.append(("rgb", tuple(params[i + 2 : i + 5])))
                    i += 5
                    continue
                if params[i + 1] == 5:
                    found.append(("256", tuple(params[i + 2 : i + 3])))
                    i += 3
                    continue
            if 30 <= p <= 37 or 40 <= p <= 47 or 90 <= p <= 97 or 100 <= p <= 107:
                found.append(("16", (p,)))
            i += 1
    return found


def _open_seed(tmp_path: Path, **env: str) -> PtyRun:
    run = run_on_pty(["open", "--no-animation", str(SEED_JOB)], _env(tmp_path, **env))
    assert run.ready and run.returncode == 0, run.visible[-2000:]
    return run


@pytest.mark.timeout(90)
def test_dumb_terminal_gets_no_24_bit_colour(tmp_path: Path) -> None:
    run = _open_seed(tmp_path, TERM="dumb")
    assert b"38;2;" not in run.output and b"48;2;" not in run.output
    kinds = {kind for kind, _ in colors(run.output)}
    assert kinds <= {"16"}  # at most the 16 standard colours


@pytest.mark.timeout(90)
def test_colorterm_truecolor_keeps_24_bit_colour_on_a_dumb_term(tmp_path: Path) -> None:
    run = _open_seed(tmp_path, TERM="dumb", COLORTERM="truecolor")
    assert b"38;2;" in run.output and b"48;2;" in run.output


@pytest.mark.timeout(90)
def test_no_color_sets_no_colour_at_all(tmp_path: Path) -> None:
    # Not Textual's grey shades either: a red FAILED turned dark grey on a dark background is
    # near-invisible. The terminal's own colours, with bold and reverse, stay readable.
    run = _open_seed(tmp_path, TERM="xterm-256color", COLORTERM="truecolor", NO_COLOR="1")
    assert colors(run.output) == []
    assert "COMPLETED" in run.visible

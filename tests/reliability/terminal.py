"""Run the real ``extract-explorer`` in a pseudo-terminal and keep every byte it writes.

The pilot tests see widgets; this sees what a terminal would receive, escape sequences and all.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: What Textual itself writes: CSI sequences (drawing, modes, queries) and OSC 22 (pointer).
_TEXTUAL_SEQUENCES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\]22;[^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC 22: mouse pointer shape
    rb"|\x1b[=>]"  # keypad modes
)
#: Characters that must never reach the terminal raw from data: C0 (but CR/LF), DEL, C1,
#: bidi controls, zero-width characters, lone surrogates.
RAW = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ud800-\udfff]"
)


@dataclass
class Run:
    """What the app wrote to the terminal, and how it ended."""

    output: bytes = b""
    returncode: int | None = None
    sent: list[bytes] = field(default_factory=list)
    #: Whether the ready condition was met (else no keys but ``q`` were sent).
    ready: bool = False
    #: Whether it had to be killed (it did not quit on ``q``).
    killed: bool = False
    #: Length of ``output`` when each :class:`Signal` step was sent (what came after it).
    marks: list[int] = field(default_factory=list)
    #: Whether every :class:`WaitFor` step saw its condition (else it timed out).
    waits_met: list[bool] = field(default_factory=list)
    #: The process id of the app.
    pid: int | None = None
    #: Seconds from the quit key to the process's exit (None when it never quit on its own).
    exit_seconds: float | None = None

    def after(self, mark: int = -1) -> bytes:
        """What was written after the ``mark``-th signal step (the last one by default)."""
        return self.output[self.marks[mark] :]

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", errors="surrogateescape")

    def without_textual_sequences(self) -> str:
        """The output with Textual's own sequences removed: the text drawn, plus anything
        that is not Textual's (which should be nothing)."""
        return _TEXTUAL_SEQUENCES.sub(b"", self.output).decode("utf-8", errors="surrogateescape")

    visible = without_textual_sequences


@dataclass(frozen=True)
class Signal:
    """A step of ``keys``: send ``signum`` to the app's process (and mark the output)."""

    signum: int


@dataclass(frozen=True)
class WaitFor:
    """A step of ``keys``: wait until ``condition(what was written since the step before)``
    holds (a :class:`Run` of that output), for at most ``timeout`` seconds."""

    condition: Callable[[Run], bool]
    timeout: float = 15.0


Step = bytes | float | Signal | WaitFor


def extract_explorer() -> list[str]:
    """The console script, or the module when the script is not on PATH."""
    script = shutil.which("extract-explorer")
    return [script] if script else [sys.executable, "-m", "explorer"]


#: Run before the app when it must have a controlling terminal: make stdout (the pty) the
#: controlling terminal of this session leader (started with start_new_session), then exec the
#: command given as arguments.
_TAKE_TERMINAL = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(1, termios.TIOCSCTTY, 0)\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


def _feed(data: bytes) -> int:
    """A pipe's read end that yields ``data`` and then ends (written from a thread, so data
    bigger than the pipe's buffer cannot block the caller)."""
    read_end, write_end = os.pipe()

    def write() -> None:
        try:
            os.write(write_end, data)
        finally:
            os.close(write_end)

    threading.Thread(target=write, daemon=True).start()
    return read_end


def run_in_terminal(
    args: Sequence[str],
    *,
    env: dict[str, str],
    ready: Callable[[str], bool],
    keys: Sequence[Step],
    size: tuple[int, int] = (120, 40),
    timeout: float = 30.0,
    quit: bytes | None = b"q",
    program: Sequence[str] | None = None,
    term: str | None = "xterm-256color",
    stdin_data: bytes | None = None,
    controlling_terminal: bool = False,
) -> Run:
    """Start ``extract-explorer ARGS`` on a pty; once ``ready(visible text)`` holds, type
    ``keys`` (bytes; a float is a pause in seconds; a :class:`Signal` is sent to the process, a
    :class:`WaitFor` waits on the screen), then ``quit`` (unless None); return everything
    written until it exits. ``program`` replaces the ``extract-explorer`` command; ``term`` is
    its ``TERM`` (None: the one in ``env``); with ``stdin_data`` its stdin is a pipe holding
    that instead of the pty; ``controlling_terminal`` makes the pty its controlling terminal
    (``/dev/tty``), which it otherwise lacks."""
    columns, lines = size
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    full_env = {
        **env,
        **({"TERM": term} if term is not None else {}),
        "COLUMNS": str(columns),
        "LINES": str(lines),
        "PYTHONUNBUFFERED": "1",
    }
    command = [*(program or extract_explorer()), *args]
    if controlling_terminal:
        command = [sys.executable, "-c", _TAKE_TERMINAL, *command]
    stdin = slave if stdin_data is None else _feed(stdin_data)
    process = subprocess.Popen(
        command,
        stdin=stdin,
        stdout=slave,
        stderr=slave,
        env=full_env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    if stdin != slave:
        os.close(stdin)
    run = Run(pid=process.pid)
    quit_at: float | None = None
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    pending: list[Step] = [*keys, *([quit] if quit is not None else [])]
    waiting: tuple[WaitFor, float] | None = None
    step_at = 0  # output length when the last key or signal was sent
    is_ready = False
    next_key_at = 0.0
    try:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([master], [], [], 0.05)
            if readable:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the child closed the pty
                    break
                if not data:
                    break
                chunks.append(data)
            if process.poll() is not None and not readable:
                break
            if not is_ready:
                run.ready = is_ready = ready(Run(b"".join(chunks)).visible())
                next_key_at = time.monotonic() + 0.3
                if not is_ready and time.monotonic() > deadline - 5:
                    pending, is_ready = [b"q"], True  # give up waiting; still try to quit
            elif waiting is not None:
                step, until = waiting
                since = Run(b"".join(chunks)[step_at:], pid=process.pid)
                if step.condition(since) or time.monotonic() > until:
                    run.waits_met.append(step.condition(since))
                    waiting = None
            elif pending and time.monotonic() >= next_key_at:
                key = pending.pop(0)
                if isinstance(key, float):  # a pause, e.g. while focus moves to a pane
                    next_key_at = time.monotonic() + key
                    continue
                if isinstance(key, WaitFor):
                    waiting = (key, time.monotonic() + key.timeout)
                    continue
                step_at = sum(len(c) for c in chunks)
                if isinstance(key, Signal):
                    run.marks.append(step_at)
                    os.kill(process.pid, key.signum)
                    next_key_at = time.monotonic() + 0.08
                    continue
                os.write(master, key)
                run.sent.append(key)
                if not pending and key == quit:
                    quit_at = time.monotonic()
                next_key_at = time.monotonic() + 0.08
        run.returncode = process.wait(timeout=10)
        if quit_at is not None:
            run.exit_seconds = time.monotonic() - quit_at
    except subprocess.TimeoutExpired:
        run.killed = True
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    run.output = b"".join(chunks)
    return run

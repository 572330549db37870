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

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", errors="surrogateescape")

    def without_textual_sequences(self) -> str:
        """The output with Textual's own sequences removed: the text drawn, plus anything
        that is not Textual's (which should be nothing)."""
        return _TEXTUAL_SEQUENCES.sub(b"", self.output).decode("utf-8", errors="surrogateescape")

    visible = without_textual_sequences


def extract_explorer() -> list[str]:
    """The console script, or the module when the script is not on PATH."""
    script = shutil.which("extract-explorer")
    return [script] if script else [sys.executable, "-m", "explorer"]


def run_in_terminal(
    args: Sequence[str],
    *,
    env: dict[str, str],
    ready: Callable[[str], bool],
    keys: Sequence[bytes | float],
    size: tuple[int, int] = (120, 40),
    timeout: float = 30.0,
) -> Run:
    """Start ``extract-explorer ARGS`` on a pty; once ``ready(visible text)`` holds, type
    ``keys`` (bytes; a float is a pause in seconds), then ``q``; return everything written
    until it exits."""
    columns, lines = size
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    full_env = {
        **env,
        "TERM": "xterm-256color",
        "COLUMNS": str(columns),
        "LINES": str(lines),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [*extract_explorer(), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=full_env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    run = Run()
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    pending = [*keys, b"q"]
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
            elif pending and time.monotonic() >= next_key_at:
                key = pending.pop(0)
                if isinstance(key, float):  # a pause, e.g. while focus moves to a pane
                    next_key_at = time.monotonic() + key
                    continue
                os.write(master, key)
                run.sent.append(key)
                next_key_at = time.monotonic() + 0.08
        run.returncode = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        run.killed = True
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    run.output = b"".join(chunks)
    return run

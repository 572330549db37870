"""Run ``extract-explorer`` in a pseudo-terminal and capture every byte it writes.

Used by the benchmarks (bytes per key press) and the hostile-data tests (no control sequence
from the data reaches the terminal). POSIX only.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence


class PtyApp:
    """The app in a pty of a given size; ``send`` keys, ``drain`` what it wrote."""

    def __init__(
        self, args: Sequence[str], env: dict[str, str], size: tuple[int, int] = (120, 40)
    ) -> None:
        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {**os.environ, "TERM": "xterm-256color", **env}
        full_env.pop("TEXTUAL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "explorer", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()

    def read_for(self, seconds: float) -> bytes:
        """Everything written during the next ``seconds``."""
        got = bytearray()
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        self.output += got
        return bytes(got)

    def drain(self, quiet: float = 0.3, limit: float = 10.0) -> bytes:
        """Read until the app has been silent for ``quiet`` seconds (or ``limit`` passes)."""
        got = bytearray()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            chunk = self.read_for(quiet)
            if not chunk:
                break
            got += chunk
        return bytes(got)

    def wait_for(self, text: bytes, limit: float = 15.0) -> bool:
        """Read until ``text`` has appeared in the output."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if text in self.output:
                return True
            self.read_for(0.1)
        return text in self.output

    def send(self, keys: str | bytes) -> None:
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def close(self) -> None:
        """Quit (q), then make sure the process is gone."""
        try:
            self.send("q")
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        finally:
            self.read_for(0.1)
            os.close(self.master)

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

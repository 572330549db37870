"""The terminal given back as it was found, whatever signal ends or stops the app.

Textual's Linux driver restores the terminal (main screen, mouse reporting off, cursor shown,
termios modes) only when the app exits through ``App.exit``; it handles SIGTSTP/SIGCONT itself
(leaving application mode before stopping, entering it again on ``fg``) and SIGWINCH. Any other
signal's default action kills the process in the alternate screen with the mouse reporting and
the cursor hidden. So:

- SIGTERM, SIGHUP, SIGINT and SIGQUIT (the last two only arrive from ``kill``: the driver turns
  off ISIG, so Ctrl+C and Ctrl+\\ are keys) make the app exit through ``App.exit``; the exit
  status is 128 + the signal number, as a shell reports a process killed by it.
- If the app has not finished within :data:`GRACE_SECONDS` (a worker that will not stop), or a
  second signal comes, the terminal is restored here, byte by byte and termios too, and the
  process ends at once.
- After SIGCONT (``fg`` after Ctrl+Z or ``kill -TSTP``) the driver starts application mode on
  a fresh, blank alternate screen while the compositor believes the screen is up to date:
  the whole screen is repainted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import termios
import threading
from typing import Any

from textual.app import App

__all__ = ["GRACE_SECONDS", "RESTORE_SEQUENCES", "TerminalGuard"]

#: How long an exit asked for by a signal may take before the process ends regardless.
GRACE_SECONDS = 5.0
#: What Textual's driver undoes on a clean exit, for the forced one: mouse reporting (all
#: modes), bracketed paste, focus events, the kitty keyboard protocol, line wrap off, the
#: alternate screen, the hidden cursor.
RESTORE_SEQUENCES = (
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l"
    "\x1b[?2004l\x1b[?1004l\x1b[<u\x1b[?7h\x1b[?1049l\x1b[?25h"
)
HANDLED_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT")
    if hasattr(signal, name)
)


class TerminalGuard:
    """Signal handlers around one run of an app: install inside the app's event loop, before
    ``run_async``; :meth:`remove` after it returns."""

    def __init__(self, app: App[Any], grace: float = GRACE_SECONDS) -> None:
        self.app = app
        self.grace = grace
        #: The signal that asked the app to exit, if one did.
        self.signum: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: threading.Timer | None = None
        self._subscriber: asyncio.Task[None] | None = None
        self._fd = _fd_of(sys.__stderr__)  # what Textual's driver draws on
        self._termios = _termios_of(_fd_of(sys.__stdin__))  # what it sets the modes of

    @property
    def exit_code(self) -> int | None:
        """128 + the signal that ended the app, or None when no signal did."""
        return None if self.signum is None else 128 + self.signum

    def install(self) -> None:
        """Handle the signals in the running loop; repaint the app on resume."""
        self._loop = asyncio.get_running_loop()
        for signum in HANDLED_SIGNALS:
            with contextlib.suppress(ValueError, RuntimeError, OSError):
                self._loop.add_signal_handler(signum, self._on_signal, signum)
        # Subscribing needs a running app: once it is, which is after run_async has begun.
        self._subscriber = self._loop.create_task(self._subscribe_when_running())

    async def _subscribe_when_running(self) -> None:
        while not self.app.is_running:
            await asyncio.sleep(0.02)
        self.app.app_resume_signal.subscribe(self.app, self._on_resume)

    def remove(self) -> None:
        """Put the default handlers back and stop the watchdog (the app has finished)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._subscriber is not None:
            self._subscriber.cancel()
            self._subscriber = None
        if self._loop is not None:
            for signum in HANDLED_SIGNALS:
                with contextlib.suppress(ValueError, RuntimeError, OSError):
                    self._loop.remove_signal_handler(signum)
            self._loop = None

    def _on_signal(self, signum: int) -> None:
        if self.signum is not None:  # asked twice: do not wait any longer
            self._force_exit()
        self.signum = signum
        self.app.exit(return_code=128 + signum)
        self._timer = threading.Timer(self.grace, self._force_exit)
        self._timer.daemon = True
        self._timer.start()

    def _on_resume(self, app: App[Any]) -> None:
        # The alternate screen came back blank: draw all of it again, not only what changed.
        app.refresh(layout=True)

    def _force_exit(self) -> None:
        """Restore the terminal without the app's help and end the process now."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.write(self._fd, RESTORE_SEQUENCES.encode())
        if self._termios is not None:
            fd, modes = self._termios
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(fd, termios.TCSANOW, modes)
        os._exit(self.exit_code or 1)


def _fd_of(stream: Any) -> int | None:
    """The descriptor of a standard stream when it is a terminal."""
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):
        return None
    return fd if os.isatty(fd) else None


def _termios_of(fd: int | None) -> tuple[int, list[Any]] | None:
    """The terminal's modes before the app changes them (the driver's own copy is private)."""
    if fd is None:
        return None
    try:
        return fd, termios.tcgetattr(fd)
    except termios.error:
        return None

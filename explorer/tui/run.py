"""Start the TUI: build the data source (API or files), run the app, clean up.

The app runs with a :class:`~explorer.tui.signals.TerminalGuard` (the terminal restored on
SIGTERM, SIGHUP, SIGINT, SIGQUIT; repainted after SIGCONT) and a crash hook: an exception that
kills the app ends in one line on stderr and a non-zero exit status, its traceback in the debug
log when one is open, never on screen (Textual's crash screen lists local variables, the key
among them).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from explorer.settings import Settings

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient
    from explorer.backend import Backend
    from explorer.tui.app import ExplorerApp


def run_app(settings: Settings, job_id: str | None = None, files: list[str] | None = None) -> int:
    """Run the explorer until the user quits; returns the exit status."""
    if files is not None:
        from explorer.core.files import load_paths
        from explorer.core.source import FileJobSource
        from explorer.tui.app import ExplorerApp

        source = FileJobSource(load_paths(files))
        app = ExplorerApp(settings, source, job_id=job_id)
        return run_guarded(app, [settings.api_key])

    app, backend = build_api_app(settings, job_id)
    try:
        hint = None if settings.debug_log else "run with --debug-log FILE for the traceback"
        return run_guarded(app, [settings.api_key, backend.api_key], hint)
    finally:
        backend.stop()


def run_guarded(app: ExplorerApp, secrets: list[str | None], hint: str | None = None) -> int:
    """Run ``app`` with the terminal guarded against signals and crashes; its exit status.

    ``hint`` ends the crash line when no debug log holds the traceback."""
    import asyncio

    from explorer.crash import EXIT_CRASH, crash_line, log_crash
    from explorer.tui.signals import TerminalGuard

    crashes = CrashCatcher(app)
    guard = TerminalGuard(app)

    async def main() -> None:
        guard.install()
        try:
            await app.run_async()
        finally:
            guard.remove()

    asyncio.run(main())
    printed = crashes.printed.strip()
    if crashes.error is not None or printed:
        error = crashes.error or RuntimeError(printed.splitlines()[-1][:200])
        logged = log_crash(error, "the TUI", printed if crashes.error is None else None)
        line = crash_line(error, secrets, logged=logged, hint=hint)
        print(f"extract-explorer: {line}", file=sys.stderr)
        return EXIT_CRASH
    if guard.exit_code is not None:
        return guard.exit_code
    code = app.return_code
    return code if isinstance(code, int) else 0


class CrashCatcher:
    """Note the exception that kills an app, and keep Textual from printing its traceback.

    ``App._handle_exception`` is the door every unhandled exception of a handler or worker goes
    through; what Textual would print at exit (its crash screen, or a ``panic`` from its input
    thread, which bypasses that door) lands in :attr:`printed` instead of on the terminal.
    """

    def __init__(self, app: ExplorerApp) -> None:
        import io

        from rich.console import Console

        self.error: BaseException | None = None
        self._buffer = io.StringIO()
        handle = app._handle_exception

        def note(error: Exception) -> None:
            if self.error is None:
                self.error = error
            handle(error)

        app._handle_exception = note  # type: ignore[method-assign]
        quiet: Any = Console(file=self._buffer, stderr=True, width=100, color_system=None)
        app.error_console = quiet

    @property
    def printed(self) -> str:
        """What Textual printed at exit (nothing after a clean run)."""
        return self._buffer.getvalue()


def build_api_app(settings: Settings, job_id: str | None = None) -> tuple[ExplorerApp, Backend]:
    """The app on the API (or, with no key, the embedded simulator), started in the order that
    paints the first tree soonest; the caller runs the app, then stops the backend."""
    import gc

    from explorer.backend import start_backend

    # Start-up allocates many objects that live as long as the app (modules, classes, styles)
    # and little garbage: no collector passes over them while starting (the app re-enables it
    # once its first frame is up, freezing what start-up built out of later passes).
    if settings.debug_log:
        from explorer.debuglog import start_debug_log

        # First: a log that cannot be opened is one line, before anything was started.
        # Every key the backend learns is registered, so the log redacts it too.
        start_debug_log(settings.debug_log, [settings.api_key])
    gc.disable()
    # The simulator (no key) first, in its own process: it boots on the other core while
    # this one imports the app. Then the first requests, in a thread, for the same reason.
    backend = start_backend(settings, separate_process=True)
    try:
        from explorer.core.prefetch import Prefetch

        def quick_client() -> ExtractClient:
            from explorer.api.retry import RetryPolicy

            return backend.client(settings, retry=RetryPolicy(max_retries=0))

        from explorer.core.names import NameBook

        names = NameBook()
        prefetch = Prefetch(quick_client, settings.page_size, names)
        from explorer.core.source import ApiJobSource
        from explorer.tui.app import ExplorerApp

        client = backend.client(settings)
        app = ExplorerApp(
            settings,
            ApiJobSource(client, prefetch=prefetch, names=names),
            job_id=job_id,
            demo_url=backend.base_url if backend.demo else None,
            on_close=client.aclose,
        )
    except BaseException:
        gc.enable()
        backend.stop()
        raise
    return app, backend

"""Start the TUI: build the data source (API or files), run the app, clean up.

The app runs with a :class:`~explorer.tui.signals.TerminalGuard` (the terminal restored on
SIGTERM, SIGHUP, SIGINT, SIGQUIT; repainted after SIGCONT) and a crash hook: an exception that
kills the app ends in one line on stderr and a non-zero exit status, its traceback in the debug
log when one is open, never on screen (Textual's crash screen lists local variables, the key
among them).

Two things about the terminal are settled before Textual starts: the colours it may use
(:func:`apply_color_environment`: ``TERM=dumb`` gets 16 colours unless ``COLORTERM`` says
truecolor; an empty ``NO_COLOR`` is dropped, a set one means no colour at all) and, when the
jobs were read from stdin (``open -``), where the keys come from (:func:`TerminalInput`: the
controlling terminal).
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from explorer.settings import Settings

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient
    from explorer.backend import Backend
    from explorer.core.cache_worker import CacheWorker
    from explorer.core.document import Document
    from explorer.tui.app import ExplorerApp


#: Exit status when the TUI cannot start (no terminal to read keys from).
EXIT_NO_TERMINAL = 2
#: What ``TERM`` says on a terminal that understands no colour sequences (as Rich reads it).
_DUMB_TERMS = frozenset({"dumb", "unknown"})


def color_system_for(environ: MutableMapping[str, str]) -> str | None:
    """The colour system Textual should be told to use (``TEXTUAL_COLOR_SYSTEM``), or None to
    leave its own choice.

    Textual asks Rich, and Rich answers "no colour" for ``TERM=dumb``, which Textual's renderer
    reads as 24-bit colour: such a terminal gets ``standard`` (16 colours) instead, unless
    ``COLORTERM`` says truecolor (``truecolor`` / ``24bit``), which is kept. A
    ``TEXTUAL_COLOR_SYSTEM`` the user set always wins.
    """
    if environ.get("TEXTUAL_COLOR_SYSTEM", "").strip():
        return None
    if environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return "truecolor"
    if environ.get("TERM", "").strip().lower() in _DUMB_TERMS:
        return "standard"
    return None


def apply_color_environment(environ: MutableMapping[str, str] | None = None) -> None:
    """Settle the app's colours from the environment before Textual starts.

    An empty ``NO_COLOR`` is dropped (https://no-color.org: only a set, non-empty one counts),
    as Textual would honour it; a set one is :class:`~explorer.tui.app.ExplorerApp`'s (it draws
    in the terminal's own colours).
    """
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env and not env["NO_COLOR"]:
        del env["NO_COLOR"]
    system = color_system_for(env)
    if system is None:
        return
    env["TEXTUAL_COLOR_SYSTEM"] = system
    constants = sys.modules.get("textual.constants")
    if constants is not None and env is os.environ:
        # read once, when Textual is first imported: already imported, it is told directly
        constants.COLOR_SYSTEM = system  # type: ignore[misc]


class NoTerminalError(Exception):
    """The jobs came from stdin and there is no controlling terminal to read keys from."""


class TerminalInput:
    """Keys from the controlling terminal once stdin, a pipe, has been read (``open -``).

    Textual reads keys from file descriptor 0 (``sys.__stdin__``): after ``open - < job.json``
    that is the pipe, at its end, so the keyboard would be ignored. :meth:`open` (before the
    pipe is read, so a missing terminal is said at once) opens ``/dev/tty``; :meth:`attach`
    (after) puts it on fd 0 and makes ``sys.stdin`` and ``sys.__stdin__`` read from it.
    """

    def __init__(self) -> None:
        self._fd: int | None = None

    @staticmethod
    def needed(files: list[str]) -> bool:
        """Whether ``files`` read stdin while stdin is not a terminal."""
        if "-" not in files:
            return False
        try:
            return not os.isatty(0)
        except OSError:
            return True

    def open(self) -> None:
        """Open the controlling terminal; :class:`NoTerminalError` when there is none."""
        try:
            self._fd = os.open("/dev/tty", os.O_RDWR)
        except OSError as exc:
            raise NoTerminalError(
                "the jobs were read from stdin and there is no terminal to read keys from "
                f"(/dev/tty: {exc.strerror or exc}); give the file's path instead of -"
            ) from None

    def attach(self) -> None:
        """Make the terminal the process's stdin (fd 0, ``sys.stdin``, ``sys.__stdin__``)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.dup2(fd, 0)
        os.close(fd)
        # sys.stdin and sys.__stdin__ wrap fd 0, so they read the terminal now (their buffer is
        # empty: the pipe was read to its end); Textual's driver reads sys.__stdin__.fileno().
        # Only a stdin that is missing or not on fd 0 is replaced (never closing fd 0).
        if _fileno(sys.__stdin__) != 0 or _fileno(sys.stdin) != 0:
            stdin = open(0, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
            sys.stdin = sys.__stdin__ = stdin

    def close(self) -> None:
        """Close the terminal if it was opened but not attached."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None


def run_app(
    settings: Settings,
    job_id: str | None = None,
    files: list[str] | None = None,
    document: Document | None = None,
) -> int:
    """Run the explorer until the user quits; returns the exit status."""
    apply_color_environment()
    if files is not None:
        return _run_files(settings, job_id, files, document)
    if settings.offline:
        return _run_offline(settings, job_id)

    app, backend = build_api_app(settings, job_id)
    try:
        hint = None if settings.debug_log else "run with --debug-log FILE for the traceback"
        return run_guarded(app, [settings.api_key, backend.api_key], hint)
    finally:
        backend.stop()


def _run_files(
    settings: Settings, job_id: str | None, files: list[str], document: Document | None = None
) -> int:
    """The app over job files (``-`` for stdin): no network."""
    from explorer.core.files import load_paths
    from explorer.core.source import FileJobSource

    terminal = TerminalInput()
    if TerminalInput.needed(files):
        try:
            terminal.open()
        except NoTerminalError as exc:
            print(f"extract-explorer: {exc}", file=sys.stderr)
            return EXIT_NO_TERMINAL
    try:
        source = FileJobSource(load_paths(files), document)
        terminal.attach()
    finally:
        terminal.close()
    from explorer.tui.app import ExplorerApp

    app = ExplorerApp(settings, source, job_id=job_id)
    return run_guarded(app, [settings.api_key])


def open_job_cache(settings: Settings) -> CacheWorker:
    """The cache of the service ``settings`` name, opening on its own thread (a
    :class:`~explorer.core.cache_worker.CacheWorker`)."""
    from explorer.core.cache_worker import CacheWorker
    from explorer.core.job_cache import JobCache, cache_dir, cache_path

    path = cache_path(cache_dir(), settings.base_url, settings.organization_id)
    return CacheWorker(
        lambda: JobCache(
            path,
            settings.base_url,
            settings.organization_id,
            cap_bytes=settings.cache_max_mb * 1024 * 1024,
        )
    )


def _run_offline(settings: Settings, job_id: str | None) -> int:
    """``--offline``: the app over the cache of ``settings.base_url``; nothing is sent."""
    from explorer.core.cache_source import CacheJobSource
    from explorer.core.doc_cache import DocumentCache, default_cache_dir
    from explorer.core.job_cache import cache_dir, cache_path

    where = settings.base_url + (
        f" (organization {settings.organization_id})" if settings.organization_id else ""
    )
    if not cache_path(cache_dir(), settings.base_url, settings.organization_id).exists():
        print(
            f"extract-explorer: --offline: nothing is cached for {where} yet; run once without "
            "--offline to fill the cache (see 'extract-explorer cache info')",
            file=sys.stderr,
        )
        return EXIT_NO_TERMINAL
    worker = open_job_cache(settings)
    try:
        cache = worker.cache
        view = worker.run(lambda c: c.read_view())
        if view is None:
            why = cache.problem or cache.notice or f"nothing is cached for {where} yet"
            print(
                f"extract-explorer: --offline: {why}; run once without --offline to fill the "
                "cache (see 'extract-explorer cache info')",
                file=sys.stderr,
            )
            return EXIT_NO_TERMINAL
        from explorer.tui.app import ExplorerApp

        documents = DocumentCache(default_cache_dir(settings.base_url))
        source = CacheJobSource(worker, view, documents)
        app = ExplorerApp(settings, source, job_id=job_id)
        return run_guarded(app, [settings.api_key])
    finally:
        worker.close()


def run_guarded(app: ExplorerApp, secrets: list[str | None], hint: str | None = None) -> int:
    """Run ``app`` with the terminal guarded against signals and crashes; its exit status.

    ``hint`` ends the crash line when no debug log holds the traceback."""
    import asyncio

    from explorer.crash import EXIT_CRASH, crash_line, log_crash
    from explorer.tui.graphics import probe
    from explorer.tui.signals import TerminalGuard

    # asked before Textual reads the keyboard, and only where images can be drawn
    app.graphics = probe()

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
        # the simulator's jobs are made up afresh each run: only a real service's are kept;
        # the cached tree is read on the cache's thread while this one imports the app
        cache = open_job_cache(settings) if settings.cache and not backend.demo else None
        if cache is not None:
            cache.first_view()
        from explorer.core.source import ApiJobSource
        from explorer.tui.app import ExplorerApp

        client = backend.client(settings)
        documents = None
        if backend.demo:
            # the simulator's documents are its own: another run may serve others under the
            # same ids, so they never go into the user's cache
            from explorer.core.doc_cache import DocumentCache, private_cache_dir

            documents = DocumentCache(private_cache_dir())

        async def close() -> None:
            await client.aclose()
            if cache is not None:
                import asyncio

                # the queued writes first, off the event loop
                await asyncio.get_running_loop().run_in_executor(None, cache.close)

        app = ExplorerApp(
            settings,
            ApiJobSource(client, prefetch=prefetch, names=names, documents=documents, cache=cache),
            job_id=job_id,
            demo_url=backend.base_url if backend.demo else None,
            on_close=close,
        )
    except BaseException:
        gc.enable()
        backend.stop()
        raise
    return app, backend

"""Start the TUI: build the data source (API or files), run the app, clean up."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        app.run()
        return 0

    app, backend = build_api_app(settings, job_id)
    try:
        app.run()
    finally:
        backend.stop()
    return 0


def build_api_app(settings: Settings, job_id: str | None = None) -> tuple[ExplorerApp, Backend]:
    """The app on the API (or, with no key, the embedded simulator), started in the order that
    paints the first tree soonest; the caller runs the app, then stops the backend."""
    import gc

    from explorer.backend import start_backend

    # Start-up allocates many objects that live as long as the app (modules, classes, styles)
    # and little garbage: no collector passes over them while starting (the app re-enables it
    # once its first frame is up, freezing what start-up built out of later passes).
    gc.disable()
    # The simulator (no key) first, in its own process: it boots on the other core while
    # this one imports the app. Then the first requests, in a thread, for the same reason.
    backend = start_backend(settings, separate_process=True)
    if settings.debug_log:
        from explorer.debuglog import start_debug_log

        start_debug_log(settings.debug_log, [backend.api_key, settings.api_key or ""])
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

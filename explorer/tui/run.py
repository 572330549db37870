"""Start the TUI: build the data source (API or files), run the app, clean up."""

from __future__ import annotations

from explorer.settings import Settings


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

    from explorer.backend import start_backend

    # The simulator (no key) starts first, in its own process: it boots on the other core
    # while this one imports the app.
    backend = start_backend(settings, separate_process=True)
    from explorer.core.source import ApiJobSource

    if settings.debug_log:
        from explorer.debuglog import start_debug_log

        start_debug_log(settings.debug_log, [backend.api_key, settings.api_key or ""])
    try:
        from explorer.tui.app import ExplorerApp

        client = backend.client(settings)
        source = ApiJobSource(client)
        app = ExplorerApp(
            settings,
            source,
            job_id=job_id,
            demo_url=backend.base_url if backend.demo else None,
            on_close=client.aclose,
        )
        app.run()
    finally:
        backend.stop()
    return 0

"""Helpers for running the whole app under trouble and seeing what a user would see."""

from __future__ import annotations

from textual.worker import WorkerState

from explorer.tui.app import ExplorerApp
from tests.tui.helpers import static_text, tree_lines, wait_until


class WatchedApp(ExplorerApp):
    """The app, noting every worker that died of an exception (workers are started with
    ``exit_on_error=False``, so such an error would otherwise pass unseen)."""

    worker_errors: list[BaseException]

    def on_worker_state_changed(self, event) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.worker_errors.append(event.worker.error)


def watched(app: ExplorerApp) -> WatchedApp:
    """Turn an app built by the test helpers into a :class:`WatchedApp`."""
    app.__class__ = WatchedApp
    app.worker_errors = []
    return app  # type: ignore[return-value]


def status(app: ExplorerApp) -> str:
    """The right-hand side of the status line."""
    return static_text(app.query_one("#status-right")).strip()


def error_toasts(app: ExplorerApp) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


def tree_jobs(app: ExplorerApp) -> list[str]:
    """The tree's lines without the age column (ages move on while a test runs)."""
    return [line.rsplit(" ", 1)[0] if "ext-" in line else line for line in tree_lines(app)]


async def started(pilot, app: ExplorerApp) -> list[str]:
    """Wait for the first page of jobs, its file names and a successful refresh; return the
    tree's lines."""
    await wait_until(pilot, lambda: any("COMPLETED" in line for line in tree_lines(app)))
    # names arrive after the page (they never hold it up): wait until the lines stop changing
    await wait_until(pilot, lambda: not any(" dfl-" in line for line in tree_lines(app)))
    await wait_until(pilot, lambda: status(app).startswith("refreshed"), timeout=15)
    await wait_until(pilot, lambda: not app.workers._workers or all(
        w.group != "names" or w.is_finished for w in app.workers._workers
    ))  # fmt: skip
    return tree_jobs(app)

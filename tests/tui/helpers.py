"""Build the app against a simulator (or files) for pilot tests, and wait on what it shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from explorer.api.client import ExtractClient
from explorer.api.retry import RetryPolicy
from explorer.core.source import ApiJobSource, FileJobSource
from explorer.settings import Settings
from explorer.sim import SimConfig, SimServer
from explorer.tui.app import ExplorerApp


def sim_app(
    sim,
    *,
    job_id: str | None = None,
    now: Callable[[], datetime] | None = None,
    demo_url: str | None = None,
    cache=None,
    **settings,
) -> ExplorerApp:
    """The app wired to a simulator through the real client over loopback HTTP."""
    client = ExtractClient(
        "test-key", sim.url, retry=RetryPolicy(max_retries=2, initial_delay=0.05, max_delay=0.1)
    )
    defaults = {"refresh": 0.2, "list_refresh": 2.0, "animation": False}
    defaults.update(settings)
    return ExplorerApp(
        Settings(**defaults),
        ApiJobSource(client, cache=cache),
        job_id=job_id,
        demo_url=demo_url or sim.url,
        on_close=client.aclose,
        now=now,
    )


def file_app(loaded, *, job_id: str | None = None) -> ExplorerApp:
    return ExplorerApp(Settings(animation=False), FileJobSource(loaded), job_id=job_id)


async def wait_until(pilot, condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Let the app run until ``condition()`` holds (fails the test after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError(f"condition not met within {timeout} s")


def default_project_loaded(app: ExplorerApp) -> bool:
    """Whether the default project's first page is in."""
    state = app.store.projects.get(app.default_project or "")
    return state is not None and state.loaded


def tree_lines(app: ExplorerApp) -> list[str]:
    """The job tree's lines as plain text (what a user sees, without guides)."""
    tree = app.main.tree
    lines = []
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        if node is not None:
            lines.append(node.label.plain)
    return lines


def static_text(widget) -> str:
    """The plain text a Static (or pane) currently shows."""
    import io

    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    content = widget.content
    console.print(content)
    return console.export_text()


def documents_settled(app: ExplorerApp, job_id: str) -> bool:
    """Whether the job's document question is settled: fetched and checked against, or not
    wanted (no citations, no result)."""
    analysis = app.main.panes.analyses.get(job_id)
    if analysis is None:
        return app.store.details.get(job_id) is not None and (
            app.store.details[job_id].extract_result is None
        )
    if not any(r.citations for r in analysis.rows[:5_000]):
        return True
    fetched = app.documents.get(job_id)
    if fetched is None:
        return False
    report = analysis.grounding
    return fetched.document is None or (report is not None and report.with_document)


#: The frozen simulator's clock (``frozen_sim``): nothing moves while a test looks.
FROZEN_NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


@contextmanager
def frozen_simulator() -> Iterator[SimServer]:
    """A simulator whose clock stands at :data:`FROZEN_NOW` (no job changes under a test)."""
    config = SimConfig(seed=7, now=FROZEN_NOW, clock=lambda: FROZEN_NOW.timestamp(), big_rows=2_000)
    with SimServer(config) as server:
        yield server


def settled_cursor_job(tree) -> str | None:
    """The job under the tree's cursor once the tree has settled on it (None meanwhile: while a
    rebuild replaces the nodes the cursor line can point at another job for a frame)."""
    from explorer.tui.widgets.job_tree import JobNode

    node = tree.cursor_node
    if tree._quiet or node is None or not isinstance(node.data, JobNode):
        return None
    return node.data.job_id if node.data.job_id == tree.selected_job_id else None

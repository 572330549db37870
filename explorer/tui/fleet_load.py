"""The fleet the Failures and Usage views look at: every job of every project since a date.

:func:`load_fleet_data` walks the job lists (through the app's data source, page by page,
saying how far it got) and :class:`FleetCache`, kept on the app, lets the second view reuse what
the first one listed when they look back as far (a wider load serves a narrower one). The views
post and handle the messages here; widgets never do HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual.message import Message

from explorer.core.fleet import FleetJob, FleetProgress, load_fleet, parse_since

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp

__all__ = [
    "DEFAULT_SINCE",
    "SINCES",
    "FleetCache",
    "FleetData",
    "FleetFailed",
    "FleetProgressed",
    "FleetReady",
    "fleet_cache",
    "load_fleet_data",
    "progress_text",
    "since_text",
]

#: How far back the views look, in the order the ``s`` key cycles them ("all": no limit).
SINCES = ("7d", "30d", "90d", "all")
DEFAULT_SINCE = "30d"


@dataclass
class FleetData:
    """The jobs of one load and what could not be read, as the views show them."""

    since_key: str
    #: The oldest creation time asked for; None for "all".
    since: datetime | None
    jobs: list[FleetJob]
    #: (project label, one line) per project whose listing failed part way.
    errors: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0
    pages: int = 0
    projects: int = 0
    #: When it was listed (the app's clock): a cached load says how old it is.
    loaded_at: datetime | None = None
    #: project id -> its name, for the tables and the support bundle.
    project_names: dict[str, str] = field(default_factory=dict)


@dataclass
class FleetProgressed(Message):
    """Another page of the fleet arrived (coalesced: only the latest is worth drawing)."""

    since_key: str
    progress: FleetProgress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FleetProgressed)


@dataclass
class FleetReady(Message):
    """The load finished (some projects may have failed: see ``data.errors``)."""

    data: FleetData


@dataclass
class FleetFailed(Message):
    """Nothing could be listed (or the numbers could not be made); said on screen."""

    since_key: str
    error: str


def _covers(wider: FleetData, since: datetime | None) -> bool:
    if wider.since is None:
        return True
    return since is not None and wider.since <= since


class FleetCache:
    """Loads of this app's run by since, so opening the other view lists nothing again."""

    def __init__(self) -> None:
        self._loads: dict[str, FleetData] = {}
        #: The since the user chose last: the other view opens with it.
        self.since_key = DEFAULT_SINCE

    def get(self, since_key: str, since: datetime | None) -> FleetData | None:
        """The load for ``since_key``, or one cut from a load that looked further back."""
        exact = self._loads.get(since_key)
        if exact is not None:
            return exact
        for wider in self._loads.values():
            if _covers(wider, since):
                cut = since.timestamp() if since is not None else None
                jobs = [j for j in wider.jobs if cut is None or not j.created or j.created >= cut]
                return FleetData(
                    since_key,
                    since,
                    jobs,
                    wider.errors,
                    wider.skipped,
                    wider.pages,
                    wider.projects,
                    wider.loaded_at,
                    wider.project_names,
                )
        return None

    def put(self, data: FleetData) -> None:
        self._loads[data.since_key] = data

    def clear(self) -> None:
        """Forget every load (``r``: list again)."""
        self._loads.clear()


def fleet_cache(app: ExplorerApp) -> FleetCache:
    """The app's fleet cache (an attribute of the app, made on first use)."""
    cache = getattr(app, "fleet_cache", None)
    if not isinstance(cache, FleetCache):
        cache = FleetCache()
        app.fleet_cache = cache  # type: ignore[attr-defined]
    return cache


def since_of(since_key: str, now: datetime) -> datetime | None:
    """The oldest creation time of a since key ("all": None)."""
    return None if since_key == "all" else parse_since(since_key, now)


def since_text(since_key: str, since: datetime | None) -> str:
    """``since Oct 21 (30d)``, or ``all time``."""
    if since is None:
        return "all time"
    return f"since {since.astimezone(UTC):%b %d} ({since_key})"


def progress_text(progress: FleetProgress) -> str:
    """``listing 2/4 projects · 12 pages · 1,180 jobs · back to Nov 03``."""
    text = (
        f"listing {min(progress.projects_done + 1, progress.projects)}/{progress.projects} "
        f"projects · {progress.pages:,} page{'s' if progress.pages != 1 else ''} · "
        f"{progress.jobs:,} jobs"
    )
    if progress.reached is not None:
        text += f" · back to {progress.reached.astimezone(UTC):%b %d}"
    return text


async def load_fleet_data(
    app: ExplorerApp,
    since_key: str,
    on_progress: Callable[[FleetProgress], None] | None = None,
) -> FleetData:
    """List every project the app knows back to ``since_key`` (through its data source).

    A failed project is in ``errors`` with what was read of it kept; errors listing the
    projects themselves propagate (the caller says so on screen).
    """
    now = app.now()
    since = since_of(since_key, now)
    names = {pid: state.project.label for pid, state in app.store.projects.items()}
    if not names:  # the view opened before the project list came: ask for it
        names = {project.id: project.label for project in await app.source.projects()}
    load = await load_fleet(
        app.source.history_page,
        list(names),
        since=since,
        on_progress=on_progress,
        name=app.source.name,
    )
    return FleetData(
        since_key,
        since,
        load.jobs,
        [(names.get(pid, pid), error) for pid, error in load.errors],
        load.skipped,
        load.pages,
        len(names),
        now,
        names,
    )

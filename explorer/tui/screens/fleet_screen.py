"""What the Failures and Usage views share: loading the fleet, the since, the header lines.

A :class:`FleetScreen` lists every project back to its since in a worker (progress on screen
as pages arrive), keeps a failed project's message in view while the rest shows, then makes its
numbers off the event loop (:meth:`compute` runs in a thread: 100,000 jobs must not freeze the
keys) and draws them (:meth:`show`). ``s`` cycles the since, ``r`` lists again, Esc closes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import LoadingIndicator, Static

from explorer.core.errors import describe_error
from explorer.core.present import clip, humanize_seconds
from explorer.tui.fleet_load import (
    SINCES,
    FleetData,
    FleetFailed,
    FleetProgressed,
    FleetReady,
    fleet_cache,
    load_fleet_data,
    progress_text,
    since_of,
    since_text,
)
from explorer.tui.inert import inert, inert_str
from explorer.tui.widgets.footer import QuietFooter
from explorer.tui.workers import work

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp

__all__ = ["FleetScreen", "cell"]

#: Failed projects named on screen; more are counted.
SHOWN_ERRORS = 3


def cell(value: object, width: int, style: str = "", justify: str | None = None) -> Text:
    """Outside text for a table cell: inert, one line, cut to ``width`` with a plain ``…``."""
    return Text(clip(value, width), style=style, justify=justify)  # type: ignore[arg-type]


@dataclass
class FleetDigested(Message):
    """The view's numbers, made in a thread from one load."""

    data: FleetData
    result: Any


class FleetScreen(Screen[None]):
    """A full-screen view over the fleet's jobs (subclasses: compute and show the numbers)."""

    CSS_PATH = "fleet.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="fleet.back"),
        Binding("s", "cycle_since", "Since", id="fleet.since"),
        Binding("r", "reload", "List again", id="fleet.reload"),
    ]

    #: The view's name in its header.
    VIEW_NAME: ClassVar[str] = ""

    def __init__(self, app: ExplorerApp, since_key: str | None = None) -> None:
        super().__init__()
        self.explorer = app
        self.cache = fleet_cache(app)
        self.since_key = since_key or self.cache.since_key
        #: The load on screen (None until one arrives).
        self.data: FleetData | None = None
        #: What :meth:`compute` made of it.
        self.result: Any = None
        #: Listing or counting (not Textual's ``loading``: that hides the whole screen).
        self.busy = False

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="fleet-body"):
            yield Static(id="fleet-title")
            with Horizontal(id="fleet-loading"):
                yield LoadingIndicator(id="fleet-spinner")
                yield Static(id="fleet-progress")
            yield Static(id="fleet-errors")
            yield from self.compose_view()
        yield QuietFooter()

    def compose_view(self) -> ComposeResult:
        """The view's own widgets, under the header lines."""
        yield from ()

    def on_mount(self) -> None:
        # the app sets these on every screen at a resize: one pushed since starts as the
        # main screen is
        main = self.explorer.main
        for name in ("-narrow", "-tiny"):
            self.set_class(main.has_class(name), name)
        self.query_one("#fleet-errors", Static).display = False
        self.setup_view()
        self.start()

    def setup_view(self) -> None:
        """The view's widgets are mounted: set them up (columns, focus) before the first load.

        (Textual calls every class's ``on_mount``: a view sets up here instead.)"""

    # -- loading ----------------------------------------------------------------------------

    def start(self, reload: bool = False) -> None:
        """Show the since's jobs: from the cache, else listed now."""
        self.cache.since_key = self.since_key
        since = since_of(self.since_key, self.explorer.now())
        data = None if reload else self.cache.get(self.since_key, since)
        self._set_loading(True, f"listing {since_text(self.since_key, since)}…")
        self.draw_title()
        if data is not None:
            self.on_fleet_ready(FleetReady(data))
        else:
            self.load(self.since_key)

    @work(exclusive=True, group="fleet", exit_on_error=False)
    async def load(self, since_key: str) -> None:
        def progressed(progress: Any) -> None:
            self.post_message(FleetProgressed(since_key, progress))

        try:
            data = await load_fleet_data(self.explorer, since_key, progressed)
        except Exception as exc:  # said on screen; the app keeps running
            self.post_message(FleetFailed(since_key, describe_error(exc)))
            return
        self.post_message(FleetReady(data))

    @work(exclusive=True, group="fleet-digest", exit_on_error=False)
    async def digest(self, data: FleetData) -> None:
        context = self.compute_context()
        try:
            result = await asyncio.to_thread(self.compute, data, context)
        except Exception as exc:
            self.post_message(FleetFailed(data.since_key, f"could not count the jobs: {exc}"))
            return
        self.post_message(FleetDigested(data, result))

    def compute_context(self) -> Any:
        """What :meth:`compute` needs from the app, taken on the event loop (None: nothing)."""
        return None

    def compute(self, data: FleetData, context: Any) -> Any:
        """In a thread: the view's numbers from a load (nothing of the DOM may be touched)."""
        raise NotImplementedError

    def show(self, data: FleetData, result: Any) -> None:
        """Draw ``result`` (on the event loop)."""
        raise NotImplementedError

    def on_fleet_progressed(self, message: FleetProgressed) -> None:
        if message.since_key == self.since_key and self.busy:
            self._set_loading(True, progress_text(message.progress))

    def on_fleet_ready(self, message: FleetReady) -> None:
        data = message.data
        if data.since_key != self.since_key:
            return
        self.cache.put(data)
        self.data = data
        self._show_errors(data)
        self._set_loading(True, f"counting {len(data.jobs):,} jobs…")
        self.digest(data)

    def on_fleet_failed(self, message: FleetFailed) -> None:
        if message.since_key != self.since_key:
            return
        self._set_loading(False)
        errors = self.query_one("#fleet-errors", Static)
        errors.update(inert(f"⚠ Could not list the jobs: {message.error}", 300, style="bold"))
        errors.display = True
        self.explorer.notify(f"Could not list the jobs: {message.error}", severity="error")

    def on_fleet_digested(self, message: FleetDigested) -> None:
        if message.data.since_key != self.since_key:
            return
        self.data, self.result = message.data, message.result
        self._set_loading(False)
        self.show(message.data, message.result)
        self.draw_title()

    def _set_loading(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.query_one("#fleet-loading").display = busy
        self.query_one("#fleet-progress", Static).update(inert(text, 200))

    def _show_errors(self, data: FleetData) -> None:
        """A failed project stays named while the others are shown."""
        errors = self.query_one("#fleet-errors", Static)
        lines = Text()
        for label, error in data.errors[:SHOWN_ERRORS]:
            if lines:
                lines.append("\n")
            lines.append("⚠ ", style="bold")
            lines.append(f"Could not list {inert_str(label, 40)}: ", style="bold")
            lines.append(inert_str(error, 160))
            lines.append(" (its jobs are missing or partial here)")
        more = len(data.errors) - SHOWN_ERRORS
        if more > 0:
            lines.append(f"\n⚠ and {more} more projects could not be listed", style="bold")
        if data.skipped:
            if lines:
                lines.append("\n")
            lines.append(f"{data.skipped:,} jobs in the lists could not be read")
        errors.update(lines)
        errors.display = bool(lines)

    # -- the header -------------------------------------------------------------------------

    def draw_title(self) -> None:
        title = Text()
        title.append(self.VIEW_NAME, style="bold")
        data = self.data if self.data is not None and not self.busy else None
        since = since_of(self.since_key, self.explorer.now()) if data is None else data.since
        title.append(f" · {since_text(self.since_key, since)}")
        for part in self.title_parts(data, self.result if data is not None else None):
            title.append(" · ")
            title.append_text(part if isinstance(part, Text) else Text(part))
        if data is not None and data.loaded_at is not None:
            age = (self.explorer.now() - data.loaded_at).total_seconds()
            if age >= 60:
                title.append(f" · listed {humanize_seconds(age)} ago (r lists again)", "dim")
        self.query_one("#fleet-title", Static).update(title)

    def title_parts(self, data: FleetData | None, result: Any) -> list[Text | str]:
        """The view's counts after the since (``data`` None while loading)."""
        return []

    # -- keys -------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss()

    def action_cycle_since(self) -> None:
        self.since_key = SINCES[(SINCES.index(self.since_key) + 1) % len(SINCES)]
        self.start()

    def action_reload(self) -> None:
        self.cache.clear()
        self.start(reload=True)

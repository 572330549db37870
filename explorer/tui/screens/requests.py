"""``L``: the request log, every HTTP exchange the client made, newest first.

A row per exchange (time, method, path, status as colour + word, duration, retry, size) from
the client's :class:`~explorer.api.request_log.RequestLog`; the one under the cursor in full
below; ``y`` copies it as a ``curl`` command and as an SDK snippet, neither holding the key. The
log's listener only marks the view stale (it may be called from any thread); a timer redraws.
Paths hold ids from the server: everything shown goes through :mod:`explorer.tui.inert`.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from explorer.api import DEFAULT_BASE_URL
from explorer.api.request_log import RequestLog, RequestRecord
from explorer.core.present import clip, humanize_seconds
from explorer.core.request_snippet import as_curl, as_sdk
from explorer.tui.inert import inert
from explorer.tui.widgets.footer import QuietFooter

__all__ = ["RequestsScreen", "copy_text", "status_cell"]

#: How often an open log looks for new records (s).
REDRAW_EVERY = 0.25
_PATH_WIDTH = 58
#: Characters of the URL in the detail pane (a batch of 100 ids is much longer).
_URL_SHOWN = 480


def status_cell(record: RequestRecord) -> Text:
    """Status as colour + word: ``200 OK``, ``429 Too Many Requests``, ``timeout``."""
    if record.status is None:
        return inert(record.error or "?", 30, style="bold red")
    try:
        word = HTTPStatus(record.status).phrase
    except ValueError:
        word = ""
    text = f"{record.status} {word}".strip()
    if record.error:  # a response that still failed (a body over the size cap)
        text += f" ({record.error})"
    if record.status < 300 and not record.error:
        style = "green"
    elif record.status < 400 or record.status == 429:
        style = "yellow"
    else:
        style = "bold red"
    return inert(text, 40, style=style)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def copy_text(record: RequestRecord, base_url: str) -> str:
    """What ``y`` copies: the ``curl`` command, then the SDK snippet."""
    sdk_base = None if base_url.rstrip("/") == DEFAULT_BASE_URL.rstrip("/") else base_url
    return (
        f"{as_curl(record, base_url)}\n"
        "# --- the same request with the Python SDK (pip install llama-cloud) ---\n"
        f"{as_sdk(record, sdk_base)}"
    )


class RequestsScreen(Screen[None]):
    """The request log, live while open."""

    CSS_PATH = "requests.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="requests.back"),
        Binding("y", "copy", "Copy as curl + SDK", id="requests.copy"),
    ]

    def __init__(self, log: RequestLog, base_url: str) -> None:
        super().__init__()
        self.request_log = log
        self.base_url = base_url
        #: The records on screen, newest first (row key = ``str(seq)``).
        self.shown: list[RequestRecord] = []
        self._stale = True
        self._previous_listener = log.on_request

    def compose(self) -> ComposeResult:
        with Vertical(id="requests-body"):
            yield Static(id="requests-title")
            yield DataTable(id="requests-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="requests-detail")
        yield QuietFooter()

    @property
    def table(self) -> DataTable:
        """The list of requests."""
        return self.query_one("#requests-table", DataTable)

    def on_mount(self) -> None:
        # the path last: at 80 columns the screen's edge cuts it, not the status
        self.table.add_columns("Time", "Method", "Status", "Took", "Retry", "Size", "Path")
        self.request_log.on_request = self._heard
        self.redraw()
        self.set_interval(REDRAW_EVERY, self._redraw_if_stale)
        self.table.focus()

    def on_unmount(self) -> None:
        if self.request_log.on_request == self._heard:
            self.request_log.on_request = self._previous_listener

    def _heard(self, record: RequestRecord) -> None:
        # any thread: only mark; the timer redraws on the app's loop
        self._stale = True
        if self._previous_listener is not None:
            self._previous_listener(record)

    def _redraw_if_stale(self) -> None:
        if self._stale:
            self.redraw()

    def redraw(self) -> None:
        """Show the log as it is now, the cursor kept on the record it was on."""
        self._stale = False
        table = self.table
        current = self.current
        # at the top (the newest) the cursor follows new requests, like a log's tail;
        # anywhere else it stays on the request it is on
        if table.cursor_row <= 0:
            current = None
        self.shown = self.request_log.newest_first()
        table.clear()
        for record in self.shown:
            when = datetime.fromtimestamp(record.started_at).strftime("%H:%M:%S")
            table.add_row(
                when,
                inert(record.method, 8, style="bold"),
                status_cell(record),
                humanize_seconds(record.duration)
                if record.duration >= 1
                else (f"{record.duration * 1000:.0f} ms"),
                str(record.retry) if record.retry else "",
                _size(record.response_size),
                Text(clip(record.target, _PATH_WIDTH)),  # clip makes it inert
                key=str(record.seq),
            )
        if current is not None:
            for row, record in enumerate(self.shown):
                if record.seq == current.seq:
                    table.move_cursor(row=row, animate=False)
                    break
        count = len(self.shown)
        more = (
            f" (the last {count} of {self.request_log.total:,})"
            if self.request_log.total > count
            else ""
        )
        self.query_one("#requests-title", Static).update(
            Text.assemble(
                ("Requests", "bold"),
                f"  {count:,} shown{more}, newest first · ",
                inert(self.base_url, 80),
                ("  · y copy as curl + SDK (no key) · esc back", "dim"),
            )
        )
        self.show_detail()

    @property
    def current(self) -> RequestRecord | None:
        """The record under the cursor."""
        row = self.table.cursor_row if self.table.row_count else -1
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The record under the cursor in full: URL, query, sizes, failure."""
        record = self.current
        detail = self.query_one("#requests-detail", Static)
        if record is None:
            detail.update(Text("No request yet.", style="dim"))
            return
        base = "" if record.presigned else self.base_url.rstrip("/")
        text = Text()
        text.append(record.method, style="bold")
        text.append(" ")
        text.append_text(status_cell(record))
        text.append(f" · took {record.duration * 1000:,.0f} ms")
        text.append(f" · retry {record.retry}" if record.retry else " · first try")
        text.append(" · sent ")
        text.append(_size(record.body_size) + " body" if record.body is not None else "no body")
        if record.body_truncated:
            text.append(f" (kept {_size(len(record.body or b''))})", style="yellow")
        text.append(f" · answered {_size(record.response_size)}\n")
        text.append_text(inert(base + record.target, _URL_SHOWN))
        if record.presigned:
            text.append("  (presigned: its signed query string is not kept)", style="dim")
        params = _query_summary(record.query)
        if params:
            text.append("\nquery  ", style="bold")
            text.append_text(inert(params, 300))
        detail.update(text)

    def action_copy(self) -> None:
        """``y``: the request under the cursor as ``curl`` and as an SDK snippet."""
        from explorer.tui.job_actions import CLIPBOARD_MAX
        from explorer.tui.screens.copy import clipboard_text

        record = self.current
        if record is None:
            self.app.notify("No request to copy yet.", timeout=3)
            return
        text = copy_text(record, self.base_url)
        if len(text) > CLIPBOARD_MAX:
            self.app.notify("That request is too big for the terminal's clipboard.", timeout=5)
            return
        text = clipboard_text(text)
        self.app.copy_to_clipboard(text)
        self.app.notify(
            f"Copied {record.method} as curl + SDK snippet ({len(text):,} chars, no key)",
            timeout=3,
        )

    def action_close(self) -> None:
        """Esc: back to where ``L`` was pressed."""
        self.dismiss()


def _query_summary(query: str) -> str:
    """``expand x3, page_size=5``: each parameter once, a repeated one counted."""
    from urllib.parse import parse_qsl

    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    return ", ".join(
        f"{name}={clip(v[0], 60)}" if len(v) == 1 else f"{name} x{len(v)}"
        for name, v in values.items()
    )

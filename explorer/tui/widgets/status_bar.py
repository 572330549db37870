"""The status line: where the explorer is connected, how the tree is shown, how refresh goes.

It renders a typed :class:`Status`; each part is coloured by its kind, never by what its text
happens to start with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from explorer.core.sanitize import safe_text
from explorer.tui.inert import inert_str

#: What a piece of the status says, which decides its colour.
Kind = Literal["quiet", "info", "busy", "warning", "error"]

STYLES: dict[str, str] = {
    "quiet": "dim",
    "info": "",
    "busy": "yellow",
    "warning": "bold yellow",
    "error": "bold red",
}


@dataclass(frozen=True)
class Part:
    kind: Kind
    text: str


@dataclass(frozen=True)
class Status:
    """Everything the status line shows, as data (tests compare these, not pixels)."""

    #: "demo", "offline files" or the base URL
    where: Part
    grouping: str
    filter_text: str = ""
    read_only: bool = False
    following: bool = False
    #: the refresh state ("updated 3 s ago", "rate limited, next try in 4 s", …)
    refresh: Part | None = None
    running: int = 0
    extra: tuple[Part, ...] = field(default_factory=tuple)

    def left(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(safe_text(self.where.text, 60) + " ", style=STYLES[self.where.kind])
        text.append(f"group: {self.grouping}")
        if self.filter_text:
            text.append(f"  filter: {safe_text(self.filter_text, 30)}", style="yellow")
        if self.read_only:
            text.append("  read-only", style="bold")
        if self.following:
            text.append("  follow", style="bold cyan")
        return text

    def right(self) -> Text:
        text = Text(no_wrap=True, justify="right")
        if self.refresh is not None:
            # may quote a server's error: inert
            text.append(inert_str(self.refresh.text, 120), style=STYLES[self.refresh.kind])
        if self.running:
            text.append(f"  {self.running} running", style="yellow")
        for part in self.extra:
            text.append(inert_str(part.text, 80), style=STYLES[part.kind])
        return text


class StatusBar(Horizontal):
    """One line at the bottom: a left cell that takes the room, a right cell as wide as its
    text."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.status: Status | None = None
        self._texts: dict[str, Text] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="status-left")
        yield Static("", id="status-right")

    def show(self, status: Status) -> None:
        """Draw a status; only the cells whose text changed are updated, and a layout pass
        happens only when the right cell's width changed."""
        if status == self.status:
            return
        self.status = status
        self._set("status-left", status.left())
        self._set("status-right", status.right())

    def _set(self, cell: str, text: Text) -> None:
        old = self._texts.get(cell)
        if old == text:
            return
        self._texts[cell] = text
        resized = cell == "status-right" and (old is None or old.cell_len != text.cell_len)
        self.query_one(f"#{cell}", Static).update(text, layout=resized)

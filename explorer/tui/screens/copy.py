"""``y``: copy the value, its jq path, the field row or the whole job, through OSC 52."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

CHOICES = (
    ("v", "value", "the value under the cursor"),
    ("p", "path", "its jq path, e.g. .line_items[2].amount"),
    ("r", "row", "the field row as JSON (value, confidence, citations…)"),
    ("j", "job", "the whole job as JSON"),
)


class CopyScreen(ModalScreen[str | None]):
    """Pick what to copy; dismisses with "value", "path", "row", "job" or None."""

    BINDINGS = [
        *[
            Binding(key, f"choose('{name}')", name.capitalize(), id=f"copy.{name}")
            for key, name, _ in CHOICES
        ],
        Binding("escape,q", "choose('')", "Cancel", id="copy.cancel"),
    ]

    def __init__(self, subject: str, available: set[str]) -> None:
        super().__init__()
        self.subject = subject
        self.available = available

    def compose(self) -> ComposeResult:
        with Vertical(id="copy-box"):
            yield Static(Text(f"Copy from {self.subject}", style="bold"))
            lines = Text()
            for key, name, what in CHOICES:
                style = "" if name in self.available else "dim strike"
                lines.append(f"\n {key} ", style=style or "bold reverse")
                lines.append(f"  {name:<6} {what}", style=style)
            lines.append("\n\n esc  cancel", style="dim")
            yield Static(lines)

    def action_choose(self, name: str) -> None:
        if name and name not in self.available:
            self.app.bell()
            return
        self.dismiss(name or None)


def clipboard_safe(text: str) -> str:
    """Lone surrogates cannot be encoded for the clipboard: replace them, keep the rest."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text

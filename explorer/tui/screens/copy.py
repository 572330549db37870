"""``y``: copy the value, its jq path, the field row or the whole job, through OSC 52."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from explorer.tui.inert import inert, inert_str

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
            yield Static(inert(f"Copy from {self.subject}", 200, style="bold"))
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


#: What must not reach a clipboard raw: C0 controls but tab and newline, DEL, C1, bidi and
#: zero-width characters, lone surrogates (the same set ``safe_text`` escapes on screen).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\ud800-\udfff]"
)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def clipboard_text(text: str, *, is_json: bool = False) -> str:
    """``text`` as it may go to the clipboard: every control character escaped.

    Pasted into a shell, a raw ESC could end bracketed paste (``\\x1b[201~``) and run what
    follows; C1 and bidi characters hide or reorder text. A value is escaped as on screen
    (``\\x1b``, ``\\u202e``; tabs and line breaks kept). JSON (a row, the whole job) gets JSON
    escapes (``\\u001b``), so it still parses to the same data. Export keeps the exact bytes.
    """
    if is_json:
        text = _UNSAFE.sub(_json_escape, text)
    text = inert_str(text, single_line=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # nothing unencodable should be left; never fail a copy on it
        return text.encode("utf-8", "replace").decode("utf-8")
    return text

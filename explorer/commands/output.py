"""Terminal-safe output for the commands: messages, aligned tables, JSON and CSV as data.

Everything a command prints passes through here, so three rules hold in one place:

- Text shown to a person (tables, summaries, messages) goes through ``safe_text``: control
  characters, bidi overrides and zero-width characters become visible escapes, long values are
  cut with ``…``.
- Data (``--json``, ``--csv``, export) is complete. JSON escapes every character that could
  drive a terminal (C0 and C1 controls, DEL, bidi, zero-width, line separators) as ``\\uXXXX``,
  which is lossless. CSV has no escapes, so CSV written to a terminal has its controls made
  visible (a note says so); piped or written to a file it is exact.
- The API key is redacted from everything written, whatever the data holds.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any, TextIO

from explorer.core import secrets
from explorer.core.export import to_json
from explorer.core.sanitize import safe_text, safe_value

__all__ = [
    "PROG",
    "add_secret",
    "clear_secrets",
    "detail",
    "error",
    "fit",
    "format_confidence",
    "json_text",
    "note",
    "redact",
    "render_table",
    "terminal_csv",
    "terminal_json",
    "text_width",
    "value_text",
    "warn",
    "write_out",
]

PROG = "extract-explorer"
REDACTED = secrets.REDACTED

# Characters JSON may carry raw inside strings that a terminal would act on or hide.
# (JSON writers already escape U+0000-U+001F.)
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)


def add_secret(secret: str | None) -> None:
    """Remember a secret (the API key) that must never be written (see ``core.secrets``)."""
    secrets.register(secret)


def clear_secrets() -> None:
    """Forget the secrets of a finished command."""
    secrets.forget_all()


def redact(text: str) -> str:
    """``text`` with every remembered secret replaced by ``<redacted>``."""
    return secrets.redact(text)


def _write(stream: TextIO, text: str) -> None:
    text = redact(text)
    try:
        stream.write(text)
    except UnicodeEncodeError:
        # a terminal that is not UTF-8: show what it cannot print as escapes
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding, "replace"))


def write_out(text: str, *, end: str = "\n") -> None:
    """Write to stdout (secrets redacted)."""
    _write(sys.stdout, text + end)


def _message(text: str) -> None:
    _write(sys.stderr, f"{PROG}: {safe_text(text)}\n")


def note(text: str) -> None:
    """An informational line on stderr."""
    _message(text)


def warn(text: str) -> None:
    """A warning line on stderr."""
    _message(f"warning: {text}")


def error(text: str, code: int = 2) -> int:
    """An error line on stderr; returns ``code`` for the command to exit with."""
    _message(text)
    return code


def detail(text: str) -> None:
    """A line on stderr under an error, unprefixed (``text`` must be terminal-safe already)."""
    _write(sys.stderr, f"{text}\n")


def stdout_is_terminal() -> bool:
    """Whether stdout is an interactive terminal (not a pipe or a file)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


# -- data -------------------------------------------------------------------------------------


def terminal_json(text: str) -> str:
    """JSON text with terminal-active characters escaped as ``\\uXXXX`` (lossless).

    Valid because such characters can only occur inside JSON strings.
    """
    if text.isascii():
        return text.replace("\x7f", "\\u007f")
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """Strict, complete JSON of ``value`` that cannot drive a terminal."""
    return terminal_json(to_json(value, indent=indent))


def terminal_csv(text: str) -> str:
    """CSV for stdout: exact when piped; with controls made visible on a terminal."""
    if not stdout_is_terminal():
        return text
    safe = safe_text(text, single_line=False)
    if safe != text:
        note("control characters in the CSV are shown escaped; pipe it or use -o for exact data")
    return safe


# -- text for people --------------------------------------------------------------------------


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide East Asian characters count two)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def fit(text: str, width: int) -> str:
    """Cut already-safe ``text`` to ``width`` columns, ending with ``…`` when cut."""
    if text_width(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        w = _char_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def cell(value: Any, width: int) -> str:
    """Any untrusted string made inert and cut to ``width`` columns."""
    text = value if isinstance(value, str) else str(value)
    # cut before escaping so a 1 MB value costs no more than a short one
    return fit(safe_text(text, max(width * 4, 64)), width)


def value_text(value: Any, width: int, *, quote_strings: bool = False) -> str:
    """A JSON value for a table cell: inert, one line, at most ``width`` columns."""
    if quote_strings and isinstance(value, str):
        head = value[: max(width * 4, 64)]
        text = safe_text(to_json(head, indent=None))
        if len(head) < len(value):
            text = text[:-1] + '…"'
        return fit(text, width)
    return fit(safe_value(value, max(width * 4, 64)), width)


def format_confidence(value: float | None) -> str:
    """A confidence as ``0.93``, or ``-`` when unknown."""
    return "-" if value is None else f"{value:.2f}"


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()
) -> str:
    """Cells (already safe) aligned in columns two spaces apart; ``right`` columns right-aligned.

    The last column is not padded, so lines carry no trailing spaces.
    """
    widths = [text_width(h) for h in headers]
    for row in rows:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], text_width(text))
    last = len(headers) - 1

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, text in enumerate(cells):
            pad = " " * (widths[i] - text_width(text))
            if i in right:
                parts.append(pad + text)
            elif i == last:
                parts.append(text)
            else:
                parts.append(text + pad)
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])

"""Make untrusted text inert for display.

Extracted values come from documents anyone can write. A value holding ESC sequences could
repaint or retitle the terminal, a bidi override can make ``1000`` read as ``0001``, and
zero-width characters hide text. Everything here turns such characters into visible escapes
(``\\x1b``, ``\\u202e``) and bounds the length, without touching ordinary text. It is also where
registered secrets (:mod:`explorer.core.secrets`) are redacted from whatever reaches the screen.
"""

from __future__ import annotations

import decimal
import math
import re
from typing import Any, Literal

from explorer.core import secrets

__all__ = [
    "Kind",
    "escape_markup",
    "format_float",
    "format_int",
    "safe_text",
    "safe_value",
    "scalar_text",
    "summary",
]

#: What a displayed value is, for colouring: strings, numbers, booleans, null, the rest.
Kind = Literal["string", "number", "bool", "null", "other"]


def _build_table(single_line: bool) -> dict[int, str]:
    table: dict[int, str] = {}
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    for cp in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[cp] = named.get(cp, f"\\x{cp:02x}")
    if not single_line:
        # a details pane may show real line breaks and tabs; CR stays escaped (it overwrites)
        del table[0x09], table[0x0A]
    invisible = [
        0x061C,  # Arabic letter mark (bidi)
        0x200B, 0x200C, 0x200D, 0x200E, 0x200F,  # zero-width and LRM/RLM
        0x2028, 0x2029,  # line/paragraph separators: line breaks in disguise
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2060, 0x2065),  # word joiner and invisible operators
        *range(0x2066, 0x206A),  # bidi isolates
        0xFEFF,  # BOM / zero-width no-break space
    ]  # fmt: skip
    for cp in invisible:
        table[cp] = f"\\u{cp:04x}"
    for cp in range(0xD800, 0xE000):  # lone surrogates: unprintable, unencodable
        table[cp] = f"\\u{cp:04x}"
    return table


_TABLE_SINGLE = _build_table(single_line=True)
_TABLE_MULTI = _build_table(single_line=False)

# One scan in C decides whether the (slower) translate is needed at all.
_UNSAFE_SINGLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)
_UNSAFE_MULTI = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ud800-\udfff]"
)


def safe_text(s: str, max_len: int | None = None, *, single_line: bool = True) -> str:
    """Return ``s`` with every control, bidi, zero-width or surrogate character escaped.

    With ``single_line`` (the default) newlines and tabs are escaped too (``\\n``, ``\\t``),
    so one value is one screen line. ``max_len`` keeps that many characters of ``s`` and then
    appends ``… (+N chars)``. Registered secrets are replaced by ``<redacted>`` (a secret the
    cut would halve is redacted whole first).
    """
    if not isinstance(s, str):
        s = str(s)
    hidden = 0
    ahead = secrets.longest()
    if max_len is not None and len(s) > max(max_len, 0):
        keep = max(max_len, 0)
        hidden = len(s) - keep
        s = secrets.redact(s[: keep + ahead])[:keep] if ahead else s[:keep]
    elif ahead:
        s = secrets.redact(s)
    if not (s.isascii() and s.isprintable()):
        if single_line:
            if _UNSAFE_SINGLE.search(s):
                s = s.translate(_TABLE_SINGLE)
        elif _UNSAFE_MULTI.search(s):
            s = s.translate(_TABLE_MULTI)
    if hidden:
        return f"{s}… (+{hidden:,} chars)"
    return s


def format_int(n: int) -> str:
    """Return the decimal digits of ``n``, even past Python's int-to-str digit limit."""
    try:
        return str(n)
    except ValueError:
        # Python refuses str() of ints over 4300 digits; decimal converts without that limit
        with decimal.localcontext() as ctx:
            ctx.prec = decimal.MAX_PREC
            return str(decimal.Decimal(n))


def format_float(x: float) -> str:
    """Return a float as JSON would write it, with ``NaN``/``Infinity`` by name."""
    if math.isfinite(x):
        return repr(x)
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(value: dict | list | tuple, item_label: str | None = None) -> str:
    """``{3 keys}`` / ``[8 items]`` (or ``[200000 rows]`` with an item label); ``{}`` / ``[]``."""
    if isinstance(value, dict):
        return f"{{{_plural(len(value), 'key')}}}" if value else "{}"
    return f"[{_plural(len(value), item_label or 'item')}]" if value else "[]"


def scalar_text(value: Any, max_len: int | None = None, quote: bool = True) -> tuple[str, Kind]:
    """The one display text of a JSON value, and its kind (for colouring): inert, one line.

    Strings are their text (in double quotes with ``quote``), numbers, booleans and null JSON
    literals, NaN and infinities by name, containers summarised (:func:`summary`), anything
    else its ``repr``. ``max_len`` bounds strings and integers as :func:`safe_text` does
    (``… (+N chars)``); a float is never longer than 24 characters.
    """
    if isinstance(value, str):
        text = safe_text(value, max_len)
        return (f'"{text}"' if quote else text), "string"
    if value is None:
        return "null", "null"
    if value is True:
        return "true", "bool"
    if value is False:
        return "false", "bool"
    if isinstance(value, int):
        return safe_text(format_int(value), max_len), "number"
    if isinstance(value, float):
        return format_float(value), "number"
    if isinstance(value, dict | list | tuple):
        return summary(value), "other"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not take the UI down
        text = f"<{type(value).__name__}>"
    return safe_text(text, max_len), "other"


def safe_value(v: Any, max_len: int | None = None) -> str:
    """Return a one-line, inert display form of any JSON value: :func:`scalar_text`, unquoted.

    Strings are shown as text (not quoted), numbers/booleans/null as JSON literals, NaN and
    infinities by name, containers summarised: ``{3 keys}``, ``[10000 items]``, ``{}``, ``[]``.
    """
    return scalar_text(v, max_len, quote=False)[0]


# Rich's own markup.escape rule: only text that looks like a tag ("[bold]", "[/]", "[@click]")
# is escaped, by a backslash; backslashes right before such a tag are doubled.
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def _escape_tag(match: re.Match[str]) -> str:
    backslashes, text = match.groups()
    return f"{backslashes}{backslashes}\\{text}"


def escape_markup(s: str) -> str:
    """Escape ``s`` for a Rich markup string (same result as ``rich.markup.escape``)."""
    if "[" in s:
        s = _TAG.sub(_escape_tag, s)
    if s.endswith("\\") and not s.endswith("\\\\"):
        return s + "\\"
    return s

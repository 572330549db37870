"""The one door from outside text to the screen: job data, server messages, ids, file names.

Whatever did not come from this program's own source is shown through these functions. They
make it inert with :func:`explorer.core.sanitize.safe_text` (control, bidi, zero-width and
surrogate characters escaped visibly, and whatever else that function hides) and wrap it as
Rich ``Text`` or Textual ``Content``, neither of which is ever parsed as markup.

A bare ``str`` given to a widget may be read as markup: ``Static``, ``Label``, ``Button``,
Rich table cells, command palette hits (``Hit.help`` and ``DiscoveryHit``), ``Widget.notify``.
``[@click=app.quit]`` in a job's status would then be a button. Hand those widgets these
objects instead.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from explorer.core.sanitize import safe_text

__all__ = ["inert", "inert_content", "inert_str"]


def inert_str(value: object, max_len: int | None = None, *, single_line: bool = True) -> str:
    """``value`` as a printable string with no control character, for a markup-free place.

    Only for places that never parse markup (a toast with markup off, an ``Input`` value);
    anywhere else use :func:`inert` or :func:`inert_content`.
    """
    return safe_text(
        value if isinstance(value, str) else str(value), max_len, single_line=single_line
    )


def inert(
    value: object, max_len: int | None = None, *, single_line: bool = True, style: str = ""
) -> Text:
    """``value`` as Rich ``Text``: shown literally, markup and all, never interpreted."""
    return Text(inert_str(value, max_len, single_line=single_line), style=style)


def inert_content(
    value: object, max_len: int | None = None, *, single_line: bool = True
) -> Content:
    """``value`` as Textual ``Content`` (for palette hits and other Textual-native places)."""
    return Content(inert_str(value, max_len, single_line=single_line))

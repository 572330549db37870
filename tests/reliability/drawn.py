"""What a widget, a renderable, a palette hit or a toast draws, as Textual would draw it, and
the check that it is inert: no raw control character, no click action, no link, and the given
text shown literally. Used by the round-2 fuzz test."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.command import Hit
from textual.content import Content
from textual.notifications import Notification, Notify
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static, Tree

#: Never drawn raw (the terminal would act on it): C0 (tab too), DEL, C1, bidi, zero-width,
#: line separators, lone surrogates. A newline is where a renderer ends a line: Textual draws
#: lines by moving the cursor, never by writing one.
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


def segments_of(app, thing: Any, width: int = 100) -> list[Segment]:
    """The segments ``thing`` draws: a Strip as it is, Content and Rich renderables rendered
    as Textual renders them (a ``str`` is read as markup there, so it is here)."""
    if isinstance(thing, Strip):
        return list(thing)
    if isinstance(thing, str):
        thing = Content.from_markup(thing)
    if isinstance(thing, Content):
        return list(thing.render_segments())
    console = app.console
    return list(console.render(thing, console.options.update_width(width)))


def assert_drawn_inert(segments: Iterable[Segment], where: str, *shown: str) -> None:
    """No raw control character, click action or link; each of ``shown`` literally there."""
    segments = list(segments)
    text = "".join(s.text for s in segments)
    for segment in segments:
        raw = RAW.search(segment.text)
        assert raw is None, f"{where}: raw {raw.group()!r} in {segment.text!r}"
        style = segment.style
        if style is not None:
            assert not style.link, f"{where}: a link on {segment.text!r}"
            assert "@click" not in (style.meta or {}), f"{where}: an action on {segment.text!r}"
    for literal in shown:
        assert literal in text, f"{where}: {literal!r} not shown literally in {text[:300]!r}"


def widget_lines(widget: Widget) -> list[Segment]:
    """What a (line-API) widget draws over its whole height, lines joined by newlines."""
    segments: list[Segment] = []
    for y in range(widget.size.height):
        segments += [*widget.render_line(y), Segment("\n")]
    return segments


def tree_labels(app, tree: Tree) -> list[Segment]:
    segments: list[Segment] = []
    stack = [tree.root]
    while stack:
        node = stack.pop()
        segments += [*segments_of(app, node.label), Segment("\n")]
        stack.extend(node.children)
    return segments


def static_contents(app, root: Widget) -> list[Segment]:
    segments: list[Segment] = []
    for static in root.query(Static):
        segments += [*segments_of(app, static.content), Segment("\n")]
    return segments


def notification_of(app, text: str) -> Notification:
    """What ``app.notify(text, title=text)`` hands to Textual's toasts (the message that
    carries it is caught on its way: it would be delivered only after this example)."""
    sent: list[Notify] = []
    app.post_message = lambda message: sent.append(message) or True
    try:
        app.notify(text, title=text)
    finally:
        del app.post_message
    (message,) = (m for m in sent if isinstance(m, Notify))
    return message.notification


# -- the palette and toasts, driven as Textual drives them ----------------------------------


def drain(hits) -> list[Hit]:
    """Every hit of a provider's search (it awaits nothing, so it runs to the end here)."""
    found = []
    while True:
        try:
            hits.__anext__().send(None)
        except StopIteration as step:
            found.append(step.value)
        except StopAsyncIteration:
            return found


def palette_segments(hit: Hit) -> list[Segment]:
    """The hit as the palette builds it (``CommandPalette._gather_commands``): a non-Text
    prompt and the help through ``Content.from_markup``."""
    prompt = hit.prompt
    content = (
        Content.from_rich_text(prompt) if isinstance(prompt, Text) else Content.from_markup(prompt)
    )
    parts = [content]
    if hit.help:
        parts.append(Content.from_markup(hit.help))
    return list(Content("\n").join(parts).render_segments())


def hit_text(hit: Hit) -> str:
    return "".join(s.text for s in palette_segments(hit))


def walk(widget: Widget) -> Iterable[Widget]:
    """A composed (not yet mounted) widget and everything composed inside it."""
    yield widget
    for child in getattr(widget, "_pending_children", []):
        yield from walk(child)


def drawn_by(app, widget: Widget) -> list[Segment]:
    if isinstance(widget, Static):
        return [*segments_of(app, widget.content), Segment("\n")]
    return []

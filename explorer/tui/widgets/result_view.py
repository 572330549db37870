"""``ResultView``: a navigable JSON tree of one job's ``extract_result``, drawn with the line API.

Only the lines on screen are computed: a :class:`~explorer.core.json_lines.LineIndex` maps a
line number to a node from the expanded containers alone, so a 200,000-row result opens as
fast as a small one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from explorer.core.confidence import confidence_band
from explorer.core.json_lines import (
    Annotation,
    AnnotationCache,
    LineIndex,
    LineInfo,
    Path,
    find_path,
)
from explorer.core.sanitize import safe_text, scalar_text, summary
from explorer.tui.widgets.rendered_lines import SteadyScrollbars

__all__ = ["Annotation", "ResultView"]

EXPAND_ALL_LIMIT = 10_000


_PARTS = "cursor key string number bool null summary message problem conf-high conf-mid conf-low"


def _indent(depth: int, width: int) -> str:
    """Two cells per level; past half the width, a depth number instead (500-deep data)."""
    if 2 * depth <= width // 2:
        return "  " * depth
    return f"{depth}› ".rjust(width // 2)


class ResultView(SteadyScrollbars, ScrollView, can_focus=True):
    """A JSON tree like jless/fx: ``▸``/``▾`` containers, coloured leaves, confidence on the right.

    Marks beside a value: ``!`` a schema problem, ``?`` flagged low confidence; then the
    confidence (``0.93``) coloured by its band (:func:`~explorer.core.confidence.confidence_band`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="result.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="result.down"),
        Binding("left,h", "collapse_or_parent", "Collapse", show=False, id="result.collapse"),
        Binding("right,l", "expand_or_child", "Expand", show=False, id="result.expand"),
        Binding("space,enter", "toggle", "Toggle", show=False, id="result.toggle"),
        Binding("home,g", "first", "First", show=False, id="result.first"),
        Binding("end,G", "last", "Last", show=False, id="result.last"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="result.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="result.page_down"),
        Binding("e", "expand_all", "Expand all", id="result.expand_all"),
        Binding("c", "collapse_all", "Collapse all", id="result.collapse_all"),
        Binding("n", "next_flagged", "Next flagged", id="result.next_mark"),
        Binding("N", "previous_flagged", "Prev flagged", show=False, id="result.previous_mark"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"result-view--{part}" for part in _PARTS.split()}

    DEFAULT_CSS = """
    ResultView {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        & > .result-view--cursor { background: $block-cursor-blurred-background; }
        &:focus > .result-view--cursor { background: $block-cursor-background; text-style: bold; }
        & > .result-view--key { color: $text-primary; }
        & > .result-view--string { color: $text-success; }
        & > .result-view--number { color: $text-accent; }
        & > .result-view--bool { color: $text-warning; }
        & > .result-view--null { color: $text-muted; text-style: italic; }
        & > .result-view--summary { color: $text-muted; }
        & > .result-view--message { color: $text-muted; text-style: italic; }
        & > .result-view--conf-high { color: $text-success; }
        & > .result-view--conf-mid { color: $text-warning; }
        & > .result-view--conf-low { color: $text-error; }
        & > .result-view--problem { color: $text-error; text-style: bold; }
    }
    """

    class CursorMoved(Message):
        """The cursor landed on a new line (or the value under it changed)."""

        def __init__(self, result_view: ResultView, path: Path, value: Any, is_leaf: bool) -> None:
            super().__init__()
            self.result_view = result_view
            self.path = path
            self.value = value
            self.is_leaf = is_leaf

        @property
        def control(self) -> ResultView:
            """The widget that sent the message."""
            return self.result_view

    def __init__(
        self,
        value: Any = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._index: LineIndex | None = None
        self._message = "No result"
        self._label = "result"
        self._item_label: str | None = None
        self._cursor_line = 0
        self._cursor_path: Path = ()
        self._posted: tuple[Path, Any] | None = None
        self._annotations = AnnotationCache()
        self._has_flagged: Callable[[Path], bool] | None = None
        self._line_cache: LRUCache[tuple[int, int, bool, bool], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._initial = value

    def on_mount(self) -> None:
        """Show the value given to the constructor."""
        if self._initial is not None:
            self.set_value(self._initial)
            self._initial = None

    # -- public API -------------------------------------------------------------------------

    @property
    def value(self) -> Any:
        """The value shown (None when showing the empty message)."""
        return None if self._index is None else self._index.value

    @property
    def line_count(self) -> int:
        """Visible lines (0 while the empty message is shown)."""
        return 0 if self._index is None else self._index.line_count

    @property
    def cursor_line(self) -> int:
        """Line number of the cursor."""
        return self._cursor_line

    @property
    def cursor_path(self) -> Path | None:
        """jq-style path of the node under the cursor, or None when there is no value."""
        return None if self._index is None else self._cursor_path

    @property
    def cursor_value(self) -> Any:
        """The (full, untruncated) value under the cursor."""
        return None if self._index is None else self._index.get(self._cursor_path)

    def set_value(
        self,
        value: Any,
        *,
        label: str = "result",
        item_label: str | None = None,
        empty_message: str | None = None,
        keep_state: bool = False,
    ) -> None:
        """Show ``value``; ``None`` shows ``empty_message`` instead.

        ``item_label`` ("page"/"row") names top-level list items ``page 1`` (1-based, like page
        numbers) or ``row 0`` (0-based, like the path). ``keep_state`` keeps expanded paths,
        the cursor path and the scroll position (live refresh of the same job).
        """
        old = None
        if keep_state and self._index is not None:
            old = (self._index.expanded_paths(), self._cursor_path, self.scroll_y)
        self._label = label
        self._item_label = item_label
        self._annotations.clear()
        if not keep_state:
            self._posted = None
        if value is None:
            self._index = None
            self._message = empty_message or "No result"
            self._cursor_line, self._cursor_path = 0, ()
            self._structure_changed()
            return
        self._index = index = LineIndex(value)
        paths, self._cursor_path, scroll_y = old or ([()], (), 0.0)
        for path in paths:  # parents come first, so a path that vanished stops at its parent
            index.expand(path)
        self._structure_changed()
        self.scroll_to(y=scroll_y, animate=False, force=True)

    def set_annotations(
        self,
        fn: Callable[[Path], Annotation | None] | None,
        *,
        has_flagged: Callable[[Path], bool] | None = None,
    ) -> None:
        """Annotate paths: ``fn(path)`` is called lazily for visible lines and cached per path.

        ``fn`` is also asked about container paths (return None when it has nothing to say).
        ``has_flagged(path)`` is optional: returning False for a container lets ``n``/``N`` skip
        its whole subtree (so a 200,000-row search walks only rows that have marks).
        """
        self._annotations.set(fn)
        self._has_flagged = has_flagged
        self._line_cache.clear()
        self.refresh()

    def expanded_paths(self) -> list[Path]:
        """Every expanded path, parents first."""
        return [] if self._index is None else self._index.expanded_paths()

    def select_path(self, path: Path) -> bool:
        """Expand the ancestors of ``path``, put the cursor on it and scroll to it."""
        index = self._index
        if index is None:
            return False
        try:
            index.get(path)
        except (KeyError, IndexError, TypeError):
            return False
        if path:
            index.expand(path[:-1])
        self._cursor_path = tuple(path)
        self._structure_changed(center=True)
        self._post_cursor()
        return True

    def find_next(self, text: str, forward: bool = True) -> bool:
        """Move to the next key or value containing ``text`` (case-insensitive), wrapping."""
        needle = text.casefold()
        if not needle:
            return False

        def match(path: Path, value: Any) -> bool:
            if path and isinstance(path[-1], str) and needle in path[-1].casefold():
                return True
            if isinstance(value, str):
                return needle in value.casefold()
            if isinstance(value, dict | list):
                return False
            return needle in scalar_text(value, 64)[0].casefold()

        if self._index is None:
            return False
        found = find_path(self._index.value, self._cursor_path, match, forward)
        return found is not None and self.select_path(found)

    # -- rendering --------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Styles changed: drop cached styles and lines."""
        super().notify_style_update()
        self._styles.clear()
        self._line_cache.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(
                f"result-view--{name}", partial=True
            )
        return style

    def _width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def render_line(self, y: int) -> Strip:
        """Render one line of the viewport."""
        width = self._width()
        line = int(self.scroll_y) + y
        base = self.rich_style
        if self._index is None:
            if y != 1:
                return Strip.blank(width, base)
            message = safe_text(self._message, max_len=width)
            text = Text(message, style=base + self._style("message"))
            text.truncate(width, overflow="ellipsis")
            text.align("center", width)
            return Strip(text.render(self.app.console), width)
        if line >= self._index.line_count:
            return Strip.blank(width, base)
        # the cursor's colour depends on focus, hence has_focus in the key
        is_cursor = line == self._cursor_line
        key = (line, width, is_cursor and self.has_focus, is_cursor)
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._line_cache[key] = self._build_line(line, width, is_cursor, base)
        return strip

    def _label_of(self, info: LineInfo, width: int) -> str:
        if not info.path:
            return safe_text(self._label, max_len=width)
        key = info.path[-1]
        if isinstance(key, str):
            return safe_text(key, max_len=width)
        if len(info.path) == 1 and self._item_label:
            number = key + 1 if self._item_label == "page" else key
            return f"{safe_text(self._item_label, max_len=20)} {number}"
        return f"[{key}]"

    def _build_line(self, line: int, width: int, is_cursor: bool, base: Style) -> Strip:
        assert self._index is not None
        info = self._index.locate(line)
        text = Text(no_wrap=True, end="", style=base)
        # Indent and glyph in one run of the base style: a clicked glyph is found by its
        # column (_on_click), and fewer style runs mean fewer bytes to the terminal per line.
        glyph = ("▾ " if info.expanded else "▸ ") if info.is_container else "  "
        text.append(_indent(info.depth, width) + glyph)
        text.append(self._label_of(info, width), style=self._style("key"))
        text.append(": ")
        if info.is_container:
            label = self._item_label if not info.path else None
            text.append(summary(info.value, label), style=self._style("summary"))
        else:
            value, kind = scalar_text(info.value, width)
            text.append(value, style=self._style(kind) if kind != "other" else "")
        right = self._right_part(info)
        if right is not None and 2 * (right.cell_len + 1) > width:
            right = None  # a very narrow view: the value matters more than its confidence
        avail = max(0, width - (right.cell_len + 1 if right else 0))
        if text.cell_len > avail:
            text.truncate(avail, overflow="ellipsis")
        if right:
            text.pad_right(avail - text.cell_len + 1)
            text.append_text(right)
        text.truncate(width, pad=True)
        if is_cursor:
            text.stylize(self._style("cursor"))
        text.stylize(Style(meta={"line": line}))
        return Strip(text.render(self.app.console), width)

    def _right_part(self, info: LineInfo) -> Text | None:
        ann = self._annotations.get(info.path)
        if ann is None:
            return None
        out = Text(no_wrap=True, end="")
        if ann.problem or ann.low:
            out.append("!" if ann.problem else " ", style=self._style("problem"))
            out.append("?" if ann.low else " ", style=self._style("conf-low"))
        if ann.confidence is not None and not info.is_container:
            conf = ann.confidence
            shown = f"{conf:.2f}" if conf == conf else " NaN"
            out.append(" " if out else "")
            out.append(shown, style=self._style(f"conf-{confidence_band(conf)}"))
        return out if out.cell_len else None

    # -- cursor and structure ----------------------------------------------------------------

    def _structure_changed(self, center: bool = False) -> None:
        """Lines moved: re-find the cursor by path, resize, repaint."""
        self._line_cache.clear()
        index = self._index
        if index is None:
            self.virtual_size = Size(0, 1)
            self.refresh()
            return
        self._cursor_path = index.visible_ancestor(self._cursor_path)
        self._cursor_line = index.line_of(self._cursor_path) or 0
        self.virtual_size = Size(0, index.line_count)
        self._scroll_to_cursor(center=center)
        self.refresh()
        self._post_cursor()

    def _scroll_to_cursor(self, animate: bool = False, center: bool = False) -> None:
        region = Region(0, self._cursor_line, 1, 1)
        self.scroll_to_region(region, animate=animate, center=center, force=True, x_axis=False)

    def _post_cursor(self) -> None:
        if self._index is None:
            return
        value = self._index.get(self._cursor_path)
        posted = self._posted
        if posted is not None and posted[0] == self._cursor_path and posted[1] is value:
            return
        self._posted = (self._cursor_path, value)
        is_leaf = not (isinstance(value, dict | list) and value)
        self.post_message(self.CursorMoved(self, self._cursor_path, value, is_leaf))

    def move_cursor(self, line: int, animate: bool = False, center: bool = False) -> None:
        """Put the cursor on ``line`` (clamped), scroll it into view, post ``CursorMoved``."""
        if self._index is None:
            return
        line = max(0, min(line, self._index.line_count - 1))
        old = self._cursor_line
        self._cursor_line = line
        self._cursor_path = self._index.locate(line).path
        self.refresh_lines(old)
        self.refresh_lines(line)
        self._scroll_to_cursor(animate=animate, center=center)
        self._post_cursor()

    def _toggle_path(self, path: Path, expand: bool | None = None) -> None:
        index = self._index
        if index is None:
            return
        if expand is None:
            expand = not index.is_expanded(path)
        if expand:
            index.expand(path)
        else:
            index.collapse(path)
        self._structure_changed()

    # -- actions ----------------------------------------------------------------------------

    def action_move(self, lines: int) -> None:
        """Cursor ``lines`` lines down (negative: up)."""
        self.move_cursor(self._cursor_line + lines)

    def action_first(self) -> None:
        """Cursor to the first line."""
        self.move_cursor(0, animate=True)

    def action_last(self) -> None:
        """Cursor to the last line."""
        self.move_cursor(self.line_count - 1, animate=True)

    def action_page(self, pages: int) -> None:
        """Cursor ``pages`` pages down (negative: up)."""
        page = max(1, self.scrollable_content_region.height - 1)
        self.move_cursor(self._cursor_line + pages * page, animate=True)

    def action_toggle(self) -> None:
        """Expand or collapse the container under the cursor."""
        if (info := self._cursor_info()) is not None and info.is_container:
            self._toggle_path(info.path)

    def _cursor_info(self) -> LineInfo | None:
        return None if self._index is None else self._index.locate(self._cursor_line)

    def action_collapse_or_parent(self) -> None:
        """Collapse the node under the cursor, or go to its parent."""
        if (info := self._cursor_info()) is None:
            return
        if info.is_container and info.expanded:
            self._toggle_path(info.path, expand=False)
        elif info.path:
            self.select_path(info.path[:-1])

    def action_expand_or_child(self) -> None:
        """Expand the node under the cursor, or go to its first child."""
        if (info := self._cursor_info()) is None:
            return
        if info.is_container and not info.expanded:
            self._toggle_path(info.path, expand=True)
        elif info.is_container:
            self.move_cursor(self._cursor_line + 1)

    def action_expand_all(self) -> None:
        """Expand everything below the cursor, refusing beyond ``EXPAND_ALL_LIMIT`` new lines."""
        if self._index is None:
            return
        added = self._index.expand_all(self._cursor_path, EXPAND_ALL_LIMIT)
        if added is None:
            self.notify(
                f"Not expanded: more than {EXPAND_ALL_LIMIT:,} lines below here. "
                "Expand a smaller part.",
                title="Expand all",
                severity="warning",
            )
            return
        self._structure_changed()

    def action_collapse_all(self) -> None:
        """Collapse everything but the root; the cursor moves to its visible ancestor."""
        if self._index is None:
            return
        self._index.collapse_all()
        self._structure_changed()

    def action_next_flagged(self) -> None:
        """Jump to the next flagged node (schema problem or low confidence)."""
        self._jump_to_mark(forward=True)

    def action_previous_flagged(self) -> None:
        """Jump to the previous flagged node."""
        self._jump_to_mark(forward=False)

    def _jump_to_mark(self, forward: bool) -> None:
        annotate = self._annotations.fn
        if self._index is None or annotate is None:
            self.notify("Nothing is flagged in this result.", title="Flagged fields")
            return

        def flagged(path: Path, value: Any) -> bool:
            ann = annotate(path)
            return ann is not None and ann.flagged

        has_flagged = self._has_flagged
        prune = None if has_flagged is None else (lambda path, value: not has_flagged(path))
        found = find_path(self._index.value, self._cursor_path, flagged, forward, prune)
        if found is None:
            self.notify("Nothing is flagged in this result.", title="Flagged fields")
        else:
            self.select_path(found)

    # -- mouse ------------------------------------------------------------------------------

    def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._index is None:
            return
        line = int(self.scroll_y) + offset.y
        if line >= self._index.line_count:
            return
        info = self._index.locate(line)
        self.move_cursor(line)
        glyph_x = len(_indent(info.depth, self._width()))
        if info.is_container and glyph_x <= offset.x < glyph_x + 2:
            self._toggle_path(info.path)

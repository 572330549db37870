"""Painting a scrolled ``Tree`` for less: what a cursor key costs in a long job tree.

Holding a key at the tree's edge scrolls it a line per press, and Textual then repaints every
line on screen: each through ``Tree.render_line`` (which looks up the widget's style, size and
scroll offset per line, a style lookup walking the CSS of every ancestor) and the widget's
styles (background, tint, filters), though all but the new line were drawn a press ago, one
row off. And ``Widget.watch_scroll_y`` repaints the whole scrollbar, though only the two or
three rows at the ends of its thumb change. Here:

- lines drawn before are reused as they were, keyed as ``Tree`` keys its own line cache (the
  line, its nodes' update counts, hover) plus what the styles depend on; new lines are drawn
  by Textual, with the lookups done once per repaint;
- the scrollbar repaints only the rows the thumb moved in, in the frame after the lines (the
  cursor's line is what the key is for; the thumb follows 1/60 s later).

Written against Textual 8.2's ``Tree`` (``_render_line``, ``_tree_lines``, node ``_updates``).
"""

from __future__ import annotations

from math import ceil
from typing import Any, cast

from rich.style import Style
from textual.cache import LRUCache
from textual.css.styles import StylesBase
from textual.geometry import Offset, Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip

__all__ = ["QuickTreePaint"]


class QuickTreePaint:
    """For ``Tree`` subclasses: finished lines reused after a scroll, one style lookup per
    repaint, scrollbar rows repainted as they change."""

    #: (style, scroll offset, width) for the lines of the repaint under way.
    _paint: tuple[Style, Offset, int] | None = None
    #: What every finished line below depends on besides its own tree line.
    _finished_for: tuple[Any, ...] | None = None
    #: Line key (as ``Tree`` keys its own line cache) -> the line as drawn on screen.
    _finished: LRUCache[tuple[Any, ...], Strip] | None = None
    #: Component styles (``tree--cursor``...) while ``_finished_for`` holds.
    _components: dict[tuple[Any, ...], Style] | None = None
    #: Scrollbar positions since the bar was last painted (its thumb is to catch up).
    _thumb_from: set[float] | None = None
    _thumb_due = False

    def render_lines(self, crop: Region) -> list[Strip]:
        # Nothing these depend on changes while the lines of one repaint are drawn.
        scroll = self.scroll_offset  # type: ignore[attr-defined]
        width = self.size.width  # type: ignore[attr-defined]
        self._paint = (self.rich_style, scroll, width)  # type: ignore[attr-defined]
        if self._thumb_from is not None and not self._thumb_due:
            # these lines are in this frame: the scrollbar's thumb follows in the next
            self._thumb_due = True
            self.call_after_refresh(self._repaint_thumb)  # type: ignore[attr-defined]
        try:
            if not _plain_box(self.styles):  # type: ignore[attr-defined]
                self._finished_for = self._components = None  # drawn as Textual draws it
                return super().render_lines(crop)  # type: ignore[misc]
            return self._render_finished(crop, scroll, width)
        finally:
            self._paint = None

    def _render_finished(self, crop: Region, scroll: Offset, width: int) -> list[Strip]:
        """The lines in ``crop``: those drawn before (a scroll moved them) as they were."""
        tree: Any = self
        # what Tree.render_lines does first: its line keys depend on it
        tree._pseudo_class_state = tree.get_pseudo_class_state()
        state = (
            crop.x,
            crop.width,
            scroll.x,
            width,
            tree._updates,
            tree._pseudo_class_state,
            tree.background_colors,
            tree.opacity,
            tuple(tree.get_line_filters()),
        )
        finished = self._finished
        if finished is None or state != self._finished_for:
            finished = self._finished = LRUCache(max(64, 2 * tree.size.height))
            self._finished_for = state
            self._components = {}
        lines = tree._tree_lines
        hover = tree.hover_line >= 0
        keys: list[tuple[Any, ...]] = []
        strips: list[Strip | None] = []
        for y in crop.line_range:
            number = y + scroll.y
            if number < len(lines):
                path = lines[number].path
                key: tuple[Any, ...] = (
                    number,
                    hover and any(node._hover for node in path),
                    tuple(node._updates for node in path),
                )
            else:
                key = ("blank",)
            keys.append(key)
            strips.append(finished.get(key))
        index = 0
        while index < len(strips):
            if strips[index] is not None:
                index += 1
                continue
            end = index + 1
            while end < len(strips) and strips[end] is None:
                end += 1
            # new lines, drawn by Textual (its own line cache, then the widget's styles)
            run = Region(crop.x, crop.y + index, crop.width, end - index)
            for offset, strip in enumerate(super().render_lines(run)):  # type: ignore[misc]
                # runs of one style merged once here: fewer bytes each time it is sent
                strips[index + offset] = finished[keys[index + offset]] = strip.simplify()
            index = end
        return cast(list[Strip], strips)

    def get_component_rich_style(
        self, *names: str, partial: bool = False, default: Style | None = None
    ) -> Style:
        # Textual forgets these at every repaint; a new line looks up six of them.
        components = self._components
        if self._paint is None or components is None or default is not None:
            return super().get_component_rich_style(  # type: ignore[misc]
                *names, partial=partial, default=default
            )
        key = (names, partial)
        style = components.get(key)
        if style is None:
            style = components[key] = super().get_component_rich_style(  # type: ignore[misc]
                *names, partial=partial
            )
        return style

    def render_line(self, y: int) -> Strip:
        if self._paint is None:
            return super().render_line(y)  # type: ignore[misc]
        style, (scroll_x, scroll_y), width = self._paint
        return self._render_line(y + scroll_y, scroll_x, scroll_x + width, style)  # type: ignore[attr-defined]

    def watch_scroll_y(self, old: float, new: float) -> None:
        if self.show_vertical_scrollbar:  # type: ignore[attr-defined]
            bar = self.vertical_scrollbar  # type: ignore[attr-defined]
            position = bar.validate_position(new)
            if position != bar.position and bar.vertical:
                # Set quietly (the assignment in Textual's watcher then changes nothing); the
                # rows the thumb moved in are repainted in the frame after the lines'.
                if self._thumb_from is None:
                    self._thumb_from = set()
                    if round(old) == round(new):  # no lines to repaint first
                        self.call_after_refresh(self._repaint_thumb)  # type: ignore[attr-defined]
                self._thumb_from.add(bar.position)
                bar.set_reactive(ScrollBar.position, position)
        super().watch_scroll_y(old, new)  # type: ignore[misc]

    def _repaint_thumb(self) -> None:
        """Repaint the scrollbar rows that changed since it was last drawn."""
        shown, self._thumb_from = self._thumb_from or set(), None
        self._thumb_due = False
        bar = self.vertical_scrollbar  # type: ignore[attr-defined]
        # (any of the positions passed may be on screen, if the bar was repainted meanwhile)
        rows = {y for position in shown for y in _changed_rows(bar, position, bar.position)}
        for y in sorted(rows):
            bar.refresh(Region(0, y, bar.size.width, 1))


def _changed_rows(bar: ScrollBar, old: float, new: float) -> list[int]:
    """The rows a vertical scrollbar draws differently at two positions (as ``ScrollBar``
    draws them)."""
    size = bar.size.height
    if old == new or size <= 0:
        return []
    window = bar.window_size if bar.window_size < bar.window_virtual_size else 0
    shape: dict[str, Any] = {
        "size": size,
        "virtual_size": ceil(bar.window_virtual_size),
        "window_size": ceil(window),
        "thickness": bar.thickness,
        "vertical": True,
    }
    render = bar.renderer.render_bar
    before = render(position=old, **shape).segments
    after = render(position=new, **shape).segments
    if len(before) != size or len(after) != size:
        return list(range(size))
    return [y for y, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]


def _plain_box(styles: StylesBase) -> bool:
    """No border, padding or outline: a line is drawn the same on whichever row it lands."""
    return not any(styles.gutter) and not any(edge for edge, _ in styles.outline)

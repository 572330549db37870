"""A pane of Rich content drawn through Textual's line API, repainting only what changed.

A ``Static`` inside a ``VerticalScroll`` re-measures and re-renders its whole content on every
``update`` (a layout pass, then every line sent to the terminal again). The Overview and
Field-metadata panes change on every cursor move, mostly in a line or two, so they render here
once per update at the pane's width and hand Textual only the lines that differ: moving the
cursor from one job (or field) to the next writes those lines and nothing else.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.segment import Segment
from textual.events import Resize
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["RenderedLines", "SteadyScrollbars"]


class SteadyScrollbars:
    """For ScrollViews: no scrollbar repaints unless the scrollbar changed.

    At every reflow Textual hands a ScrollView its region size as the "virtual size", which
    never equals the real one, so any layout change anywhere on screen (a toast, the status
    line, another pane) repaints every ScrollView's scrollbars: ~850 bytes at 200x50, on each
    cursor move. When the size, the container and the virtual size are what they were at the
    last update, the scrollbars are too.
    """

    _steady_key: tuple[Any, ...] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        key = (size, container_size, self.virtual_size)  # type: ignore[attr-defined]
        if key == self._steady_key:
            return False
        self._steady_key = key
        return super()._size_updated(  # type: ignore[misc]
            size, virtual_size, container_size, layout=layout
        )

    def refresh_lines(self, y_start: int, line_count: int = 1) -> None:
        """Repaint lines of the text area (Textual's version also resends the scrollbar)."""
        width = self.size.width - self.scrollbar_size_vertical  # type: ignore[attr-defined]
        y = y_start - self.scroll_offset.y  # type: ignore[attr-defined]
        self.refresh(Region(0, y, width, line_count))  # type: ignore[attr-defined]


class RenderedLines(SteadyScrollbars, ScrollView):
    """Scrollable Rich content: ``update()`` re-renders it and repaints the changed lines."""

    DEFAULT_CSS = """
    RenderedLines {
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    """

    def __init__(self, content: RenderableType = "", **kw: Any) -> None:
        super().__init__(**kw)
        self._content: RenderableType = content
        self._lines: list[Strip] = []
        self._width = 0

    @property
    def content(self) -> RenderableType:
        """What the pane shows, as given to :meth:`update`."""
        return self._content

    @property
    def lines(self) -> list[Strip]:
        """The content as rendered at the current width."""
        return self._lines

    def update(self, content: RenderableType) -> None:
        """Show ``content`` instead; only lines that come out different are repainted."""
        self._content = content
        self._render_content()

    def on_resize(self, event: Resize) -> None:
        self._render_content()

    def on_mount(self) -> None:
        self._render_content()

    def _render_content(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or not self.is_mounted:
            return  # rendered at the first resize, once the width is known
        console = self.app.console
        options = console.options.update_width(width).update(highlight=False)
        segments = console.render(self._content, options)
        # Simplified (runs of one style merged), so lines that look the same compare equal
        # however the renderer happened to split them.
        new = [
            strip.adjust_cell_length(width).simplify()
            for strip in Strip.from_lines(list(Segment.split_lines(segments)))
        ]
        old, self._lines = self._lines, new
        old_width, self._width = self._width, width
        if len(new) != len(old) or width != old_width:
            self._set_line_count(len(new))
        if width != old_width:
            self.refresh()
            return
        blank = None
        top, height = self.scroll_offset.y, self.size.height
        for y in range(top, top + height):
            if (new[y] if y < len(new) else blank) != (old[y] if y < len(old) else blank):
                self.refresh_lines(y)

    def _set_line_count(self, count: int) -> None:
        size = Size(self._width, count)
        view = self.scrollable_content_region.height
        if max(self.virtual_size.height, count) <= view:
            # Fits before and after: no scrollbar appears or goes, so no layout pass is needed
            # (a layout re-renders far more than the few lines that changed).
            self.set_reactive(ScrollView.virtual_size, size)
        else:
            self.virtual_size = size

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.rich_style  # not free to compute: once per line
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._lines[index].crop_extend(0, width, base).apply_style(base)

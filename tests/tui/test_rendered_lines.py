"""RenderedLines: the Overview and Field-metadata panes repaint only the lines that changed."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region

from explorer.tui.widgets.rendered_lines import RenderedLines


def table(status: str, rows: int = 5) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan")
    grid.add_column()
    for n in range(rows):
        grid.add_row(f"field {n}", status if n == 2 else f"value {n}")
    return grid


class OnePane(App):
    def compose(self) -> ComposeResult:
        yield RenderedLines(Text("nothing yet"), id="pane")


def shown(pane: RenderedLines) -> list[str]:
    return [pane.render_line(y).text.rstrip() for y in range(pane.size.height)]


async def test_an_update_repaints_only_the_lines_that_changed() -> None:
    app = OnePane()
    async with app.run_test(size=(40, 10)) as pilot:
        pane = app.query_one(RenderedLines)
        assert shown(pane)[0] == "nothing yet"
        pane.update(table("RUNNING"))
        await pilot.pause()
        assert shown(pane)[2] == "field 2  RUNNING"
        repainted: list[Region] = []
        original = pane.refresh

        def spy(*regions, **kw):
            repainted.extend(regions)
            return original(*regions, **kw)

        pane.refresh = spy
        pane.update(table("COMPLETED"))
        await pilot.pause()
        assert shown(pane)[2] == "field 2  COMPLETED"
        assert [(r.y, r.height) for r in repainted] == [(2, 1)]
        # The line repainted stops short of the scrollbar column.
        assert repainted[0].width == pane.size.width - pane.scrollbar_size_vertical


async def test_more_lines_scroll_and_a_resize_rewraps() -> None:
    app = OnePane()
    async with app.run_test(size=(40, 6)) as pilot:
        pane = app.query_one(RenderedLines)
        pane.update(table("x", rows=20))
        await pilot.pause()
        assert pane.virtual_size.height == 20 and pane.max_scroll_y > 0
        pane.update(Text("word " * 30))
        await pilot.pause()
        narrow = len(pane.lines)
        await pilot.resize_terminal(80, 6)
        await pilot.pause()
        assert len(pane.lines) < narrow  # wrapped again at the new width
        assert "word word" in shown(pane)[0]

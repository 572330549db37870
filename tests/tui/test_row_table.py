"""RowTable: columns, fixed header and gutter, cell cursor, annotations, hostile text, size."""

from __future__ import annotations

import re
from typing import Any

from textual.app import App, ComposeResult

from explorer.core.jsonpath import MISSING
from explorer.tui.widgets.result_view import Annotation
from explorer.tui.widgets.row_table import RowTable

RAW = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


class TableApp(App[None]):
    """Just a RowTable, recording CellHighlighted messages."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[int, Any, Any]] = []

    def compose(self) -> ComposeResult:
        yield RowTable()

    def on_mount(self) -> None:
        self.animation_level = "none"

    def on_row_table_cell_highlighted(self, message: RowTable.CellHighlighted) -> None:
        self.cells.append((message.row, message.column, message.value))


def screen_lines(table: RowTable) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


async def start(app: TableApp, rows: list[Any]) -> RowTable:
    table = app.query_one(RowTable)
    table.set_rows(rows)
    table.focus()
    return table


async def test_columns_cells_and_cursor_messages() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        rows = [{"a": 1, "b": "two"}, {"c": [1, {"d": None}], "a": True}, {"b": None}]
        table = await start(app, rows)
        await pilot.pause()
        assert table.columns == ["a", "b", "c"]
        lines = screen_lines(table)
        assert lines[:4] == [
            "#  a     b     c",
            "0  1     two",
            '1  true        [1, {"d": null}]',
            "2        null",
        ]
        await pilot.press("right", "down")
        assert (table.cursor_row, table.cursor_column) == (1, "b")
        assert table.cursor_value is MISSING
        await pilot.press("l", "j")
        await pilot.pause()
        assert app.cells == [
            (0, "a", 1),
            (0, "b", "two"),
            (1, "b", MISSING),
            (1, "c", [1, {"d": None}]),
            (2, "c", MISSING),
        ]
        await pilot.press("right")  # already at the last column: nothing new
        await pilot.pause()
        assert len(app.cells) == 5
        cursor_bg = table.get_component_rich_style("row-table--cursor").bgcolor
        cells = [s for s in table.render_line(3) if s.style and s.style.bgcolor == cursor_bg]
        assert cells and "".join(s.text for s in cells).strip() == ""  # the empty "c" of row 2


async def test_keys_beyond_the_sample_become_columns() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        rows: list[Any] = [{"a": 1}] * 1_500 + [{"a": 2, "late": "here"}]
        table = await start(app, rows)
        assert table.columns == ["a"]
        table.select_row(1_500)
        await pilot.pause()
        assert table.columns == ["a", "late"]
        await pilot.pause()
        assert screen_lines(table)[-1] == "1500  2  here"


async def test_horizontal_scroll_keeps_gutter_and_header() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        rows = [{f"col{i}": f"value {i} " + "x" * 30 for i in range(8)} for _ in range(50)]
        table = await start(app, rows)
        await pilot.pause()
        assert table.virtual_size.width > table.size.width
        await pilot.press(*["right"] * 7)
        await pilot.pause()
        assert table.cursor_column == "col7" and table.scroll_x > 0
        lines = screen_lines(table)
        # the gutter (row numbers, 2 digits here) stays put while the cells scroll
        assert lines[0].startswith(" #  ") and "col7" in lines[0] and "col0" not in lines[0]
        assert lines[1].startswith(" 0 ") and lines[1].endswith("value 7 " + "x" * 30)
        await pilot.press("0")
        await pilot.pause()
        assert table.cursor_column == "col0" and table.scroll_x == 0
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert screen_lines(table)[0].startswith(" #  col0")  # the header stays on top
        assert table.cursor_row == 2 * (table.scrollable_content_region.height - 2)


async def test_two_hundred_thousand_rows() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        row = {"date": "2024-01-01", "amount": 1.5, "memo": "coffee", "tags": ["a"]}
        table = await start(app, [row] * 200_000)
        await pilot.pause()
        assert table.row_count == 200_000
        assert table.virtual_size.height == 200_001
        await pilot.press("pagedown")
        assert table.cursor_row == table.scrollable_content_region.height - 2
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == 199_999
        last = [line for line in screen_lines(table) if line][-1]
        assert last.startswith("199999  2024-01-01") and last.endswith('["a"]')
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_y == 0


async def test_annotations_colour_and_mark_cells() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        rows = [{"a": "one", "b": "two"}, {"a": "three", "b": "four"}]
        notes = {
            (0, "a"): Annotation(confidence=0.95),
            (0, "b"): Annotation(confidence=0.93, problem="not a number"),
            (1, "a"): Annotation(confidence=0.4, low=True),
        }
        table = await start(app, rows)
        table.set_annotations(notes.get)
        await pilot.pause()
        lines = screen_lines(table)
        assert lines[1] == "0  one    two !"
        assert lines[2] == "1  three? four"
        high = table.get_component_rich_style("row-table--conf-high").color
        low = table.get_component_rich_style("row-table--conf-low").color
        colours = {s.text.strip(): s.style.color for s in table.render_line(2) if s.style}
        assert colours["three?"] == low  # the cell and its mark share the colour
        colours = {s.text.strip(): s.style.color for s in table.render_line(1) if s.style}
        assert colours["one"] == high


async def test_hostile_and_odd_values() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        deep: Any = 1
        for _ in range(500):
            deep = [deep]
        rows = [
            {"k\x1b[31m": "[bold]x[/] \x1b]0;t\x07 \u202e\x00", "deep": deep},
            {"k\x1b[31m": "[@click=app.quit]y[/]", "deep": "x" * 1_000_000},
            7,
        ]
        table = await start(app, rows)
        await pilot.pause()
        assert table.columns == ["k\x1b[31m", "deep", None]
        text = "\n".join(screen_lines(table))
        assert "k\\x1b[31m" in text and "value" in text
        assert "[bold]x[/] \\x1b]0;t\\x07 \\u202e\\x00" in text
        assert "[@click=app.quit]y[/]" in text
        assert "[[[[[[" in text and "…" in text
        assert screen_lines(table)[3].rstrip().endswith("7")
        for y in range(table.size.height):
            for segment in table.render_line(y):
                assert not RAW.search(segment.text)
        await pilot.press("down", "down")
        assert app.cells[-1] == (2, "k\x1b[31m", MISSING)
        await pilot.press("$")
        assert app.cells[-1] == (2, None, 7)


async def test_keep_state_empty_and_binding_ids() -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = await start(app, [{"a": i, "b": i} for i in range(100)])
        await pilot.press("right")
        table.select_row(60)
        await pilot.pause()
        table.set_rows([{"b": i, "a": i} for i in range(100)], keep_state=True)
        assert (table.cursor_row, table.cursor_column) == (60, "b")
        table.set_rows([])
        await pilot.pause()
        assert any("No rows" in line for line in screen_lines(table))
        await pilot.press("down", "right", "end")  # nothing to move over, nothing breaks
        ids = [binding.id for binding in RowTable.BINDINGS]  # type: ignore[union-attr]
        assert all(i and i.startswith("rows.") for i in ids) and len(set(ids)) == len(ids)

"""The Overview's label/value rows are drawn exactly as the Rich table they replace."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from explorer.tui.widgets.panes import KeyValueRows


def lines(renderable, width: int) -> list[Strip]:
    """As the Overview pane turns what it shows into lines (runs of one style merged)."""
    console = Console(
        file=io.StringIO(), color_system="truecolor", force_terminal=True, highlight=False
    )
    options = console.options.update_width(width).update(highlight=False)
    segments = console.render(renderable, options)
    return [
        strip.adjust_cell_length(width).simplify()
        for strip in Strip.from_lines(list(Segment.split_lines(segments)))
    ]


def sample_rows() -> KeyValueRows:
    rows = KeyValueRows()
    rows.add_row("Job", Text("ext-5073e6a1-1b2c-4d5e-8f90-123456789abc"))
    status = Text("◐ ", style="yellow")
    status.append("RUNNING", style="bold yellow")
    status.append("  for 40 s", style="dim")
    rows.add_row("Status", status)
    rows.add_row("Error", Text("Boom: " + "word " * 30 + "\nsecond line", style="red"))
    rows.add_row("Document", Text("請求書-2041.pdf").append("  dfl-1234", style="dim"))
    rows.add_row("Parse job", Text("—", style="dim"))
    rows.add_row("Tabs", Text("a\tb\tc"))
    rows.add_row("Empty", Text(""))
    rows.add_row("Configuration", Text("x" * 150))
    rows.add_row("Right", Text("right-justified", justify="right"))
    return rows


@pytest.mark.parametrize("width", [8, 14, 15, 16, 17, 24, 40, 62, 80, 120, 200])
def test_rows_draw_as_the_table(width: int) -> None:
    rows = sample_rows()
    assert lines(rows, width) == lines(rows.as_table(), width)


def test_short_values_do_not_widen_the_rows() -> None:
    rows = KeyValueRows()
    rows.add_row("Job", Text("ext-1"))
    rows.add_row("Usage", Text("—", style="dim"))
    drawn = lines(rows, 60)
    assert drawn == lines(rows.as_table(), 60)
    assert drawn[0].text.rstrip() == "Job    ext-1"

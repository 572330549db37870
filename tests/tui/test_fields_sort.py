"""Sorting the Fields table: many rows sort in a thread and the table follows when done."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult

from explorer.core.analysis import Analysis
from explorer.core.field_sort import RowOrder
from explorer.core.fields import FieldRow, field_rows
from explorer.tui.widgets import fields_pane
from explorer.tui.widgets.fields_pane import FieldsPane, RowCells
from tests.core.test_field_sort import reference_sort
from tests.tui.helpers import wait_until


class FieldsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FieldsPane()

    def on_mount(self) -> None:
        self.animation_level = "none"


def table_job(count: int) -> dict[str, Any]:
    """A per_table_row job: two fields a row, confidences and pages all over the place."""
    result = [
        {"description": f"item {(i * 7) % 13}", "amount": (i * 37) % 11} for i in range(count)
    ]
    meta = [
        {
            "description": {"confidence": ((i * 5) % 9) / 10, "citation": [{"page": i % 4 + 1}]},
            "amount": {"confidence": ((i * 3) % 7) / 10},
        }
        for i in range(count)
    ]
    return {
        "extract_result": result,
        "extract_metadata": {"field_metadata": {"row_metadata": meta}},
    }


def reference(rows: list[FieldRow], column: str, descending: bool = False) -> list[FieldRow]:
    ordered = list(rows)
    reference_sort(ordered, column, descending=descending)
    return ordered


def same(shown: Any, rows: list[FieldRow]) -> bool:
    return len(shown) == len(rows) and all(a is b for a, b in zip(shown, rows, strict=True))


@pytest.fixture
def few_sync_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sort anything over 20 rows in a thread (400,000 in the app; tests stay small)."""
    monkeypatch.setattr(fields_pane, "SYNC_SORT_ROWS", 20)


async def test_many_rows_sort_in_a_thread_and_the_table_follows(few_sync_rows: None) -> None:
    analysis = Analysis("job", rows=field_rows(table_job(150)))
    rows = analysis.rows
    app = FieldsApp()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.query_one(FieldsPane)
        pane.set_analysis(analysis)
        # at once: every row, unsorted, while the path order is worked out
        assert pane.sorting and same(pane.shown_rows, rows)
        await wait_until(pilot, lambda: not pane.sorting)
        assert same(pane.shown_rows, reference(rows, "path"))
        table = pane.table
        assert table.row_count == len(rows)
        assert table.rows[0]["path"] == pane.shown_rows[0].path_str == ".[0].amount"
        table.focus()
        await pilot.press("s")  # by confidence: the table keeps the path order until it is known
        assert pane.sort_column == "confidence"
        if pane.sorting:
            assert same(pane.shown_rows, reference(rows, "path"))
        await wait_until(pilot, lambda: not pane.sorting)
        assert same(pane.shown_rows, reference(rows, "confidence"))
        await pilot.press("o")
        await wait_until(pilot, lambda: not pane.sorting)
        assert same(pane.shown_rows, reference(rows, "confidence", descending=True))
        await pilot.press("o")  # known already: no thread
        assert not pane.sorting
        assert same(pane.shown_rows, reference(rows, "confidence"))
        for column in ("value", "pages", "problems", "path"):
            await pilot.press("s")
            assert pane.sort_column == column
            await wait_until(pilot, lambda: not pane.sorting)
            assert same(pane.shown_rows, reference(rows, column)), column
        cells = table.rows[5]
        assert cells is table.rows[5]  # read twice, the same cells (the cursor compares them)
        assert cells["path"] == pane.shown_rows[5].path_str


async def test_a_filter_keeping_few_rows_sorts_them_at_once(few_sync_rows: None) -> None:
    analysis = Analysis("job", rows=field_rows(table_job(150)))
    app = FieldsApp()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.query_one(FieldsPane)
        pane.set_analysis(analysis)
        await wait_until(pilot, lambda: not pane.sorting)
        pane.descending = True
        pane.sort_column = "value"
        pane.text = "item 12"
        pane.refilter()
        kept = [r for r in analysis.rows if "item 12" in str(r.value)]
        assert 0 < len(kept) <= 20 and not pane.sorting
        assert same(pane.shown_rows, reference(kept, "value", descending=True))
        pane.text = ""
        pane.refilter()  # every row again: the value order of all of them takes a thread
        assert pane.sorting and len(pane.shown_rows) == len(analysis.rows)
        await wait_until(pilot, lambda: not pane.sorting)
        assert same(pane.shown_rows, reference(analysis.rows, "value", descending=True))
        pane.text = "item 1"  # item 1, 10, 11, 12: more than 20, and the order is known
        pane.refilter()
        kept = [r for r in analysis.rows if "item 1" in str(r.value)]
        assert len(kept) > 20 and not pane.sorting
        assert same(pane.shown_rows, reference(kept, "value", descending=True))


async def test_problems_found_later_sort_again(few_sync_rows: None) -> None:
    analysis = Analysis("job", rows=field_rows(table_job(40)))
    app = FieldsApp()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.query_one(FieldsPane)
        pane.sort_column = "problems"
        pane.set_analysis(analysis)
        await wait_until(pilot, lambda: not pane.sorting)
        assert same(pane.shown_rows, reference(analysis.rows, "problems"))
        late = analysis.rows[33]
        late.problems.append("not found on its page")  # the document arrived and was checked
        pane.set_analysis(analysis, keep_state=True)
        await wait_until(pilot, lambda: not pane.sorting)
        assert pane.shown_rows[0] is late
        assert same(pane.shown_rows, reference(analysis.rows, "problems"))


async def test_a_sort_finishing_after_the_job_changed_is_dropped(few_sync_rows: None) -> None:
    app = FieldsApp()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.query_one(FieldsPane)
        pane.sort_column = "value"
        pane.set_analysis(Analysis("job", rows=field_rows(table_job(200))))
        pane.show_message("Analysing fields…")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.analysis is None and pane.shown_rows == [] and pane.table.row_count == 0
        other = Analysis("other", rows=field_rows(table_job(5)))
        pane.set_analysis(other)  # ten rows: sorted at once
        assert not pane.sorting
        assert same(pane.shown_rows, reference(other.rows, "value"))


async def test_a_sort_that_fails_says_so(
    few_sync_rows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kw: Any) -> bool:
        raise MemoryError

    monkeypatch.setattr(RowOrder, "prepare", broken)
    app = FieldsApp()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.query_one(FieldsPane)
        analysis = Analysis("job", rows=field_rows(table_job(30)))
        pane.set_analysis(analysis)
        await wait_until(pilot, lambda: not pane.sorting)
        assert same(pane.shown_rows, analysis.rows)  # unsorted, but shown
        assert any("Could not sort" in str(n.message) for n in app._notifications)


def test_row_cells_are_made_when_read() -> None:
    rows = field_rows(table_job(3))
    made = RowCells(rows)
    assert len(made) == 6 and made[-1]["path"] == ".[2].amount"
    assert [c["path"] for c in made[1:3]] == [".[0].amount", ".[1].description"]
    assert made[0] is made[0] and made[0]["confidence"] == 0.0
    with pytest.raises(IndexError):
        made[6]


async def test_going_back_to_a_job_reuses_its_orders(few_sync_rows: None) -> None:
    first = Analysis("first", rows=field_rows(table_job(60)))
    second = Analysis("second", rows=field_rows(table_job(70)))
    app = FieldsApp()
    async with app.run_test(size=(120, 30)) as pilot:
        pane = app.query_one(FieldsPane)
        pane.set_analysis(first)
        await wait_until(pilot, lambda: not pane.sorting)
        kept = pane.row_order
        pane.show_message("Analysing fields…")  # another job, on its way
        pane.set_analysis(second)
        await wait_until(pilot, lambda: not pane.sorting)
        assert pane.row_order is not kept
        pane.set_analysis(first)  # back: sorted at once
        assert pane.row_order is kept and not pane.sorting
        assert same(pane.shown_rows, reference(first.rows, "path"))


def test_the_benchmark_measures_every_column() -> None:
    from benchmarks.fields_sort import measure

    result = measure({"rows": 40, "seed": 1})
    assert result["fields"] == 80
    assert set(result["columns"]) == {"path", "confidence", "value", "pages", "problems"}
    for timings in result["columns"].values():
        assert timings["first_s"] >= 0 and timings["floats_s"] >= 0
        assert timings["sampled"] == 80 * 5  # every cell of the table's width sample

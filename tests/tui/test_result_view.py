"""ResultView: lines, navigation, state across refreshes, marks, search and hostile text."""

from __future__ import annotations

import random
import re
from typing import Any

from textual.app import App, ComposeResult

from explorer.core.json_lines import LineIndex, iter_nodes
from explorer.tui.widgets.result_view import Annotation, ResultView

# What must never reach the terminal raw: C0/C1 controls, DEL, bidi, zero-width, surrogates.
RAW = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)

DOC = {
    "vendor": "ACME",
    "total": 12.5,
    "paid": True,
    "note": None,
    "line_items": [{"sku": "a", "amount": 1}, {"sku": "b", "amount": 2}],
    "tags": [],
}


class ViewApp(App[None]):
    """Just a ResultView, recording the CursorMoved paths."""

    def __init__(self) -> None:
        super().__init__()
        self.moved: list[tuple] = []

    def compose(self) -> ComposeResult:
        yield ResultView()

    def on_mount(self) -> None:
        self.animation_level = "none"  # scrolls land at once: deterministic assertions

    def on_result_view_cursor_moved(self, message: ResultView.CursorMoved) -> None:
        self.moved.append(message.path)


def screen_lines(view: ResultView) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def start(app: ViewApp, value: Any, **kw: Any) -> ResultView:
    view = app.query_one(ResultView)
    view.set_value(value, **kw)
    view.focus()
    return view


async def test_per_doc_lines_navigation_and_messages() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await start(app, DOC)
        await pilot.pause()
        assert screen_lines(view)[:8] == [
            "▾ result: {6 keys}",
            '    vendor: "ACME"',
            "    total: 12.5",
            "    paid: true",
            "    note: null",
            "  ▸ line_items: [2 items]",
            "    tags: []",
            "",
        ]
        assert view.line_count == 7 and view.cursor_path == ()
        await pilot.press("j", "j", "j", "j", "j")
        assert view.cursor_path == ("line_items",)
        await pilot.press("right")  # expands
        assert view.line_count == 9
        assert screen_lines(view)[6] == "    ▸ [0]: {2 keys}"
        await pilot.press("l", "l", "down", "down")  # first child, expand it, into its leaves
        assert view.cursor_path == ("line_items", 0, "amount")
        assert view.cursor_value == 1
        await pilot.press("h")  # leaf: to the parent
        assert view.cursor_path == ("line_items", 0)
        await pilot.press("left")  # expanded: collapses
        assert view.line_count == 9 and ("line_items", 0) not in view.expanded_paths()
        await pilot.press("space")
        assert ("line_items", 0) in view.expanded_paths()
        await pilot.press("G")
        assert view.cursor_path == ("tags",)
        await pilot.press("g")
        assert view.cursor_path == ()
        await pilot.press("k")  # already at the top: no new message
        await pilot.pause()
        assert app.moved[0] == ()
        assert app.moved[1:6] == [("vendor",), ("total",), ("paid",), ("note",), ("line_items",)]
        assert app.moved[-2:] == [("tags",), ()]
        assert all(a != b for a, b in zip(app.moved, app.moved[1:], strict=False))
        cursor_bg = view.get_component_rich_style("result-view--cursor").bgcolor
        assert {s.style.bgcolor for s in view.render_line(0) if s.style} == {cursor_bg}
        assert cursor_bg not in {s.style.bgcolor for s in view.render_line(1) if s.style}


async def test_keep_state_across_refresh() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await start(app, DOC)
        assert view.select_path(("line_items", 1, "amount"))
        await pilot.pause()
        assert view.cursor_path == ("line_items", 1, "amount")
        fresh = {**DOC, "line_items": [{"sku": "a", "amount": 1}, {"sku": "b", "amount": 3}]}
        view.set_value(fresh, keep_state=True)
        await pilot.pause()
        assert view.cursor_path == ("line_items", 1, "amount")
        assert view.cursor_value == 3
        assert {("line_items",), ("line_items", 1)} <= set(view.expanded_paths())
        # the cursor's path is gone: the cursor falls back to what is left of it
        view.set_value({**DOC, "line_items": []}, keep_state=True)
        assert view.cursor_path == ("line_items",)
        view.set_value(fresh)  # a different job: fresh state
        assert view.cursor_path == () and view.expanded_paths() == [()]
        # the scroll position survives a refresh too
        many = {"items": [{"n": i} for i in range(200)]}
        view.set_value(many)
        view.select_path(("items", 150))
        await pilot.pause()
        scroll_y = view.scroll_y
        assert scroll_y > 100
        view.set_value({"items": [{"n": i} for i in range(201)]}, keep_state=True)
        await pilot.pause()
        assert view.scroll_y == scroll_y and view.cursor_path == ("items", 150)


async def test_pages_and_rows_are_labelled() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await start(app, [{"a": 1}, {"b": 2}], item_label="page")
        await pilot.pause()
        assert screen_lines(view)[:3] == [
            "▾ result: [2 pages]",
            "  ▸ page 1: {1 key}",
            "  ▸ page 2: {1 key}",
        ]
        view.set_value([{"a": 1}], item_label="row")
        await pilot.pause()
        assert screen_lines(view)[1] == "  ▸ row 0: {1 key}"
        await pilot.press("down")
        assert view.cursor_path == (0,)  # paths stay jq paths: .[0]


async def test_two_hundred_thousand_rows() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        row = {"date": "2024-01-01", "amount": 1.5, "memo": "coffee"}
        view = await start(app, [row] * 200_000, item_label="row")
        await pilot.pause()
        assert view.line_count == 200_001
        await pilot.press("pagedown")
        page = view.scrollable_content_region.height - 1
        assert view.cursor_line == page
        await pilot.press("end")
        await pilot.pause()
        assert view.cursor_path == (199_999,)
        assert "row 199999: {3 keys}" in screen_lines(view)[-1]
        await pilot.press("right", "down", "down")
        assert view.cursor_path == (199_999, "amount")
        assert view.line_count == 200_004
        await pilot.press("pageup", "home")
        assert view.cursor_path == ()


async def test_next_and_previous_mark() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        value = {"a": 1, "b": {"c": 2, "d": 3}, "e": [4, 5]}
        notes = {
            ("a",): Annotation(confidence=0.95),
            ("b", "d"): Annotation(confidence=0.5, low=True),
            ("e", 1): Annotation(problem="must be a string"),
        }
        calls: list[tuple] = []

        def annotate(path: tuple) -> Annotation | None:
            calls.append(path)
            return notes.get(path)

        view = await start(app, value)
        view.set_annotations(annotate)
        await pilot.pause()
        lines = screen_lines(view)
        assert lines[1].startswith("    a: 1") and lines[1].endswith("0.95")
        assert calls.count(("a",)) == 1  # cached per path
        assert ("b", "d") not in calls  # lazily: only visible lines are asked
        await pilot.press("n")
        assert view.cursor_path == ("b", "d")
        assert ("b",) in view.expanded_paths()
        await pilot.pause()
        assert screen_lines(view)[view.cursor_line].endswith("? 0.50")
        await pilot.press("n")
        assert view.cursor_path == ("e", 1)
        assert screen_lines(view)[view.cursor_line].rstrip().endswith("!")
        await pilot.press("n")  # wraps
        assert view.cursor_path == ("b", "d")
        await pilot.press("N")  # wraps backwards
        assert view.cursor_path == ("e", 1)
        await pilot.press("N")
        assert view.cursor_path == ("b", "d")


async def test_marks_in_big_lists_skip_rows_without_marks() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        rows = [{"x": 1, "y": 2}] * 50_000
        view = await start(app, rows, item_label="row")
        flagged = {(40_000, "y"), (7, "x")}
        asked: list[tuple] = []

        def annotate(path: tuple) -> Annotation | None:
            asked.append(path)
            return Annotation(low=True) if path in flagged else None

        def has_marks(path: tuple) -> bool:  # only rows 7 and 40000 have anything flagged
            return len(path) != 1 or path[0] in {7, 40_000}

        view.set_annotations(annotate, has_flagged=has_marks)
        await pilot.press("n")
        assert view.cursor_path == (7, "x")
        await pilot.press("n")
        assert view.cursor_path == (40_000, "y")
        await pilot.press("N")
        assert view.cursor_path == (7, "x")
        # pruned rows are asked about once (the row itself), never about their fields
        assert (100, "x") not in asked


async def test_find_next_expands_ancestors() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        value = {"a": {"b": [{"c": "the Needle here"}]}, "z": {"needle_key": 1}}
        view = await start(app, value)
        assert view.find_next("NEEDLE")
        assert view.cursor_path == ("a", "b", 0, "c")
        assert {("a",), ("a", "b"), ("a", "b", 0)} <= set(view.expanded_paths())
        assert view.find_next("needle")
        assert view.cursor_path == ("z", "needle_key")
        assert view.find_next("needle", forward=False)
        assert view.cursor_path == ("a", "b", 0, "c")
        assert not view.find_next("absent")
        assert view.find_next("1")  # numbers match on their text
        assert view.cursor_path == ("z", "needle_key")
        await pilot.pause()


async def test_hostile_text_is_inert_and_visible() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        value = {
            "markup": "[bold]x[/]",
            "click": "[@click=app.quit]x[/]",
            "clear": "\x1b[2J",
            "title": "\x1b]0;t\x07",
            "bidi": "1\u202e00",
            "nul": "\x00\x7f\x9b",
            "zw": "a\u200bb\ufeff",
            "lines": "a\nb",
            "key\x1b[31m[red]": "v",
            "lone": "\ud800",
        }
        view = await start(app, value)
        await pilot.pause()
        text = "\n".join(screen_lines(view))
        for shown in [
            '"[bold]x[/]"',
            '"[@click=app.quit]x[/]"',
            '"\\x1b[2J"',
            '"\\x1b]0;t\\x07"',
            '"1\\u202e00"',
            '"\\x00\\x7f\\x9b"',
            '"a\\u200bb\\ufeff"',
            '"a\\nb"',
            "key\\x1b[31m[red]: ",
            '"\\ud800"',
        ]:
            assert shown in text
        for y in range(view.size.height):
            for segment in view.render_line(y):
                assert not RAW.search(segment.text)
                meta = segment.style.meta if segment.style else {}
                assert not any(str(k).startswith("@") for k in meta)
        assert app.is_running


async def test_huge_values() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        value = {
            "big": "x" * 1_000_000,
            "nan": float("nan"),
            "inf": float("inf"),
            "ninf": float("-inf"),
            "huge": 10**5000,
            "scalars": list(range(10_000)),
        }
        view = await start(app, value)
        await pilot.pause()
        lines = screen_lines(view)
        width = view.scrollable_content_region.width
        assert lines[1].startswith('    big: "xxx') and lines[1].endswith("…")
        assert len(view.render_line(1).text) == width
        assert lines[2:5] == ["    nan: NaN", "    inf: Infinity", "    ninf: -Infinity"]
        assert lines[5].startswith("    huge: 1000") and lines[5].endswith("…")
        view.select_path(("scalars", 9_999))
        await pilot.pause()
        assert view.line_count == 7 + 10_000
        assert screen_lines(view)[view.cursor_line - int(view.scroll_y)] == "      [9999]: 9999"


async def test_deep_nesting_and_bounded_expand_all() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        deep: Any = "bottom"
        for _ in range(500):
            deep = {"k": deep}
        view = await start(app, deep)
        await pilot.press("e")
        assert view.line_count == 501
        await pilot.press("end")
        await pilot.pause()
        assert view.cursor_value == "bottom" and len(view.cursor_path) == 500
        assert screen_lines(view)[-1].lstrip().startswith("500› ")
        await pilot.press("c")
        assert view.line_count == 2 and view.cursor_path == ("k",)  # its visible ancestor
        # 5,000 rows of 5: expanding all would add 25,000 lines, so it is refused
        view.set_value([[1, 2, 3, 4, 5]] * 5_000)
        told: list[str] = []
        view.notify = lambda message, **kw: told.append(message)  # type: ignore[method-assign]
        await pilot.press("e")
        assert view.line_count == 5_001 and "10,000" in told[0]
        await pilot.press("down", "e")  # one row is fine
        assert view.line_count == 5_006


async def test_mouse_moves_cursor_and_toggles() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await start(app, DOC)
        await pilot.pause()
        await pilot.click(ResultView, offset=(10, 2))
        assert view.cursor_path == ("total",)
        await pilot.click(ResultView, offset=(2, 5))  # the ▸ of line_items
        assert view.cursor_path == ("line_items",) and view.line_count == 9
        await pilot.click(ResultView, offset=(12, 5))  # the label: cursor only
        assert view.line_count == 9


async def test_empty_message_and_binding_ids() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await start(app, None, empty_message="No result yet: job is RUNNING")
        await pilot.pause()
        assert any("No result yet: job is RUNNING" in line for line in screen_lines(view))
        assert view.cursor_path is None and view.line_count == 0
        await pilot.press("j", "e", "n", "space")  # nothing to do, nothing breaks
        ids = [binding.id for binding in ResultView.BINDINGS]  # type: ignore[union-attr]
        assert all(i and i.startswith("result.") for i in ids) and len(set(ids)) == len(ids)


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.4:
        return rng.choice([1, "s", None, True, [], {}, 2.5])
    if roll < 0.7:
        return {f"k{i}": _random_value(rng, depth + 1) for i in range(rng.randint(0, 4))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def _all_lines(value: Any, expanded: set[tuple]) -> list[tuple]:
    """The visible paths, the slow obvious way."""
    out: list[tuple] = []
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        out.append(path)
        if path in expanded and isinstance(node, dict | list) and node:
            items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
            stack.extend(((*path, k), child) for k, child in reversed(items))
    return out


def test_line_index_matches_a_full_walk() -> None:
    rng = random.Random(7)
    for _ in range(150):
        value = _random_value(rng)
        index = LineIndex(value)
        index.expand(())
        paths = [path for path, _ in iter_nodes(value, None)]
        for _ in range(12):
            path = rng.choice(paths)
            action = rng.randrange(3)
            if action == 0:
                index.expand(path)
            elif action == 1:
                index.collapse(path)
            else:
                index.expand_all(path, 1_000)
            lines = _all_lines(value, set(index.expanded_paths()))
            assert index.line_count == len(lines)
            for n, expected in enumerate(lines):
                assert index.locate(n).path == expected
                assert index.line_of(expected) == n
        for n, path in enumerate(paths):  # document order, both ways
            assert [p for p, _ in iter_nodes(value, path)] == paths[n + 1 :]
            assert [p for p, _ in iter_nodes(value, path, forward=False)] == paths[:n][::-1]

"""The Fields table sorts by precomputed keys (``RowOrder``) in exactly the old order.

The reference below is the sort as it was before keys were precomputed: a tuple key built per
row per sort (``sort_key``), blank rows kept last in either direction. Every test compares the
new order with it, row for row, on hand-picked odd rows and on random ones.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core import field_sort
from explorer.core.field_row import FieldRow
from explorer.core.field_sort import SORT_COLUMNS, RowOrder, sort_rows
from explorer.core.fields import field_rows
from explorer.core.jsonpath import Path
from explorer.core.sanitize import safe_value

# -- the reference: the sort as it was ------------------------------------------------------


def ref_path_key(path: Path) -> tuple[tuple[int, int | float, str], ...]:
    return tuple((0, part, "") if type(part) is int else (1, 0, str(part)) for part in path)


def ref_value_key(row: FieldRow) -> tuple[Any, ...]:
    v = row.value
    if not row.in_result:
        return (True, 1)
    if v is None:
        return (True, 0)
    t = type(v)
    if t is int or t is float:
        if v != v:  # NaN: after every number
            return (False, 0, 1, 0)
        return (False, 0, 0, v)
    if t is str:
        return (False, 1, v.casefold(), v)
    if t is bool:
        return (False, 2, v)
    if t is dict or t is list:
        return (False, 3, t is list, len(v))
    return (False, 4, safe_value(v, 200))


def ref_pages_key(row: FieldRow) -> tuple[Any, ...]:
    pages = [c.page for c in row.citations if c.page is not None] if row.meta is not None else []
    return (not pages, min(pages) if pages else 0)


REF_KEYS: dict[str, Callable[[FieldRow], tuple[Any, ...]]] = {
    "path": lambda row: (False, ref_path_key(row.path)),
    "confidence": lambda row: (True, 0.0) if row.confidence is None else (False, row.confidence),
    "value": ref_value_key,
    "pages": ref_pages_key,
    "problems": lambda row: (False, -len(row.problems), ref_path_key(row.path)),
}


def reference_sort(rows: list[FieldRow], column: str, *, descending: bool = False) -> None:
    """The old ``sort_rows``, as it was."""
    key_of = REF_KEYS.get(column, REF_KEYS["path"])
    keys = [key_of(row) for row in rows]
    filled = [i for i, key in enumerate(keys) if not key[0]]
    blank = [i for i, key in enumerate(keys) if key[0]]
    filled.sort(key=keys.__getitem__, reverse=descending)
    blank.sort(key=keys.__getitem__)
    rows[:] = [rows[i] for i in filled + blank]


def expected(rows: list[FieldRow], column: str, descending: bool) -> list[int]:
    """Positions of ``rows`` in the reference order."""
    ordered = list(rows)
    reference_sort(ordered, column, descending=descending)
    where = {id(row): i for i, row in enumerate(rows)}
    return [where[id(row)] for row in ordered]


def positions(rows: list[FieldRow], ordered: list[FieldRow]) -> list[int]:
    where = {id(row): i for i, row in enumerate(rows)}
    return [where[id(row)] for row in ordered]


COLUMNS = [*SORT_COLUMNS, "no such column"]
BOTH = [(column, descending) for column in COLUMNS for descending in (False, True)]

# -- random rows ------------------------------------------------------------------------------


class Odd:
    """A value of no JSON type (compared by its text)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class Text(str):
    """A string subclass: not ``type(v) is str``, so the old key treats it as other."""


texts = st.sampled_from(["", "a", "A", "b", "B", "ß", "ss", "SS", "é", "E\u0301", "10", "9"])
parts = st.one_of(
    st.integers(-2, 12),
    texts,
    st.sampled_from([2**70, True, False, 1.0, None, Text("a")]),
)
numbers = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, 0.5, -0.0, 0.0, 2**70, 2**70 + 1, 10**400, float(2**70)]),
)
values = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    texts,
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(texts, st.integers(0, 1), max_size=3),
    st.builds(Odd, texts),
    st.builds(Text, texts),
    st.just(decimal.Decimal("1.5")),
)
pages = st.one_of(
    st.integers(-1, 6),
    st.sampled_from([None, "3", " 2 ", "x", 2.0, 2.5, math.nan, True, 10**12, "1234567890"]),
)
citation = st.one_of(
    st.fixed_dictionaries({"page": pages}),
    st.fixed_dictionaries({}, optional={"page": pages, "matching_text": texts}),
    st.sampled_from([None, "p3", 3]),
)
citations = st.one_of(
    st.lists(citation, max_size=3),
    citation,
    st.lists(st.fixed_dictionaries({"page": st.integers(1, 4)}), min_size=1, max_size=1),
)
confidences = st.one_of(numbers, st.none(), st.sampled_from([True, "0.5", [0.5]]))


@st.composite
def metas(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 5)) == 0:
        return None
    meta: dict[str, Any] = {}
    if draw(st.booleans()):
        meta["confidence"] = draw(confidences)
    which = draw(st.sampled_from(["citation", "citations", "both", "none"]))
    if which in ("citation", "both"):
        meta["citation"] = draw(citations)
    if which in ("citations", "both"):
        meta["citations"] = draw(citations)
    return meta


@st.composite
def rows_of(draw: st.DrawFn) -> list[FieldRow]:
    out = []
    for _ in range(draw(st.integers(0, 30))):
        path = tuple(draw(st.lists(parts, max_size=3)))
        row = FieldRow(
            path,
            draw(values),
            draw(metas()),
            in_result=draw(st.booleans()),
            problems=draw(st.one_of(st.none(), st.lists(texts, max_size=3))),
        )
        if draw(st.integers(0, 4)) == 0:
            row.citations  # noqa: B018 - read once: cached, as the table's Pages column does
        out.append(row)
    return out


@st.composite
def common_rows(draw: st.DrawFn) -> list[FieldRow]:
    """Rows as a per_table_row job gives them: the shapes the fast paths take."""
    out = []
    for i in range(draw(st.integers(0, 30))):
        for name in draw(st.sampled_from([("b", "a"), ("a",), ("a", "b", "c")])):
            meta = {
                "confidence": draw(st.sampled_from([0.5, 0.25, 0.75, 1.0])),
                "citation": [{"page": draw(st.integers(1, 3))}],
            }
            value = draw(st.one_of(st.floats(0, 9).map(lambda x: round(x, 1)), texts, st.none()))
            out.append(FieldRow((i, name), value, meta))
    return out


@st.composite
def float_rows(draw: st.DrawFn) -> list[FieldRow]:
    """Confidences and values all floats (NaN and infinities too), or none: the fast paths."""
    odd = st.sampled_from([math.nan, math.inf, -math.inf, 0.5, 0.5, -0.0, 0.0, float(2**70)])
    floats = st.one_of(odd, st.floats())
    out = []
    for i in range(draw(st.integers(0, 30))):
        meta = draw(
            st.one_of(st.none(), st.fixed_dictionaries({}, optional={"confidence": floats}))
        )
        out.append(FieldRow((i,), draw(st.one_of(floats, st.none())), meta))
    return out


@st.composite
def repeated_texts(draw: st.DrawFn) -> list[FieldRow]:
    """Values from a few texts, again and again (a category column), some differing in case."""
    few = draw(st.lists(texts, min_size=2, max_size=4, unique=True))
    values = draw(st.lists(st.sampled_from(few), min_size=8, max_size=60))
    values += draw(st.lists(st.one_of(st.none(), numbers), max_size=5))
    values = draw(st.permutations(values))
    return [FieldRow((i,), v) for i, v in enumerate(values)]


SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(rows_of())
def test_every_column_both_ways_in_the_old_order(rows: list[FieldRow]) -> None:
    order = RowOrder(rows)
    got = {(c, d): order.sorted_rows(c, d) for c, d in BOTH}  # before the reference caches
    for column, descending in BOTH:
        assert positions(rows, got[column, descending]) == expected(rows, column, descending)
    # the reference read every row's citations (cached now): the same order from those
    again = RowOrder(rows)
    for column, descending in BOTH:
        ordered = again.sorted_rows(column, descending)
        assert positions(rows, ordered) == expected(rows, column, descending)


@SETTINGS
@given(common_rows(), st.sampled_from(BOTH))
def test_usual_rows_in_the_old_order(rows: list[FieldRow], how: tuple[str, bool]) -> None:
    column, descending = how
    assert positions(rows, RowOrder(rows).sorted_rows(column, descending)) == expected(
        rows, column, descending
    )


@SETTINGS
@given(float_rows(), st.sampled_from(BOTH))
def test_float_rows_in_the_old_order(rows: list[FieldRow], how: tuple[str, bool]) -> None:
    column, descending = how
    assert positions(rows, RowOrder(rows).sorted_rows(column, descending)) == expected(
        rows, column, descending
    )


@SETTINGS
@given(repeated_texts(), st.booleans())
def test_repeated_texts_in_the_old_order(rows: list[FieldRow], descending: bool) -> None:
    ordered = RowOrder(rows).sorted_rows("value", descending)
    assert positions(rows, ordered) == expected(rows, "value", descending)


@SETTINGS
@given(rows_of(), st.data())
def test_a_kept_subset_sorts_as_the_subset_would(rows: list[FieldRow], data: st.DataObject):
    keep = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    column, descending = data.draw(st.sampled_from(BOTH))
    subset = [row for row, kept in zip(rows, keep, strict=True) if kept]
    ordered = RowOrder(rows).sorted_rows(column, descending, keep=bytearray(keep))
    assert positions(subset, ordered) == expected(subset, column, descending)


@SETTINGS
@given(rows_of(), st.data())
def test_sort_rows_sorts_in_place_as_before(rows: list[FieldRow], data: st.DataObject) -> None:
    column, descending = data.draw(st.sampled_from(BOTH))
    want = expected(rows, column, descending)
    shown = list(rows)
    sort_rows(shown, column, descending=descending)
    assert positions(rows, shown) == want


# -- by hand ------------------------------------------------------------------------------------


def check_all(rows: list[FieldRow]) -> None:
    order = RowOrder(rows)
    for column, descending in BOTH:
        assert positions(rows, order.sorted_rows(column, descending)) == expected(
            rows, column, descending
        ), (column, descending)


def test_a_job_in_document_order_and_shuffled() -> None:
    meta = [
        {"b": {"confidence": 0.5, "citation": [{"page": 2}]}, "a": {"confidence": 0.5}}
        for _ in range(30)
    ]
    job = {
        "extract_result": [{"b": i % 7, "a": f"x{i % 4}"} for i in range(30)],
        "extract_metadata": {"field_metadata": {"row_metadata": meta}},
    }
    rows = field_rows(job)
    # document order is not path order: .[0].b comes before .[0].a
    assert [r.path_str for r in rows[:2]] == [".[0].b", ".[0].a"]
    check_all(rows)
    check_all(rows[::-1])
    check_all(rows[::7] + rows[1::3])


def test_indices_and_keys_at_one_level_sort_as_before() -> None:
    rows = [FieldRow(p, None) for p in [("a", 2), ("a", "k"), ("a", 10), ("a",), ("a", "b", 1)]]
    check_all(rows)
    assert [r.path for r in RowOrder(rows).sorted_rows("path")] == [
        ("a",),
        ("a", 2),
        ("a", 10),
        ("a", "b", 1),
        ("a", "k"),
    ]


def test_path_codes_wider_than_one_character(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(field_sort, "_BASE", 3)  # nine distinct segments need two digits each
    rows = [FieldRow(p, None) for p in [(5, "b"), (1,), ("z", 0), (True,), (3, "a"), (2, 2)]]
    rows += [FieldRow((i, "k" if i % 2 else i), None) for i in range(9)]
    check_all(rows)


def test_texts_differing_in_case_only_tie_break_on_the_text() -> None:
    values = ["b", "B", "a", "A", "a", "ß", "SS", "ss", 1.5, None, "B"]
    rows = [FieldRow((i,), v) for i, v in enumerate(values)]
    check_all(rows)
    shown = [r.value for r in RowOrder(rows).sorted_rows("value")]
    assert shown == [1.5, "A", "a", "a", "B", "B", "b", "SS", "ss", "ß", None]


def test_texts_repeated_rank_by_case_then_text() -> None:
    values = ["b", "B", "a", "A", "ss", "SS", "ß"] * 5 + [None, 2.5]
    rows = [FieldRow((i,), v) for i, v in enumerate(values)]
    check_all(rows)
    shown = [r.value for r in RowOrder(rows).sorted_rows("value")]
    assert shown == [2.5] + ["A"] * 5 + ["a"] * 5 + ["B"] * 5 + ["b"] * 5 + ["SS"] * 5 + [
        "ss"
    ] * 5 + ["ß"] * 5 + [None]


def test_nan_and_infinities() -> None:
    floats = [math.nan, 1.0, math.nan, -1.0, math.inf, -math.inf, 0.0, -0.0, math.nan, 2.0]
    rows = [FieldRow((i,), v, {"confidence": v}) for i, v in enumerate(floats)]
    check_all(rows)
    shown = [r.value for r in RowOrder(rows).sorted_rows("value")]
    assert shown[:7] == [-math.inf, -1.0, 0.0, -0.0, 1.0, 2.0, math.inf]
    assert all(math.isnan(v) for v in shown[7:])
    shown = [r.confidence for r in RowOrder(rows).sorted_rows("confidence", True)]
    assert shown == [2.0, 1.0, 0.0, -0.0, -1.0] + [None] * 5


def test_confidences_that_are_not_floats_read_as_the_property_does() -> None:
    confidences = [0.5, 1, 10**400, True, "0.9", math.inf, math.nan, None, 0.25, 2**70]
    rows = [FieldRow((i,), 0, {"confidence": c}) for i, c in enumerate(confidences)]
    rows.append(FieldRow(("none",), 0))
    check_all(rows)
    shown = [r.confidence for r in RowOrder(rows).sorted_rows("confidence")]
    assert shown == [0.25, 0.5, 1.0, float(2**70)] + [None] * 7


def test_problems_forgotten_are_read_again() -> None:
    rows = [FieldRow((i,), i) for i in range(5)]
    order = RowOrder(rows)
    assert [r.path for r in order.sorted_rows("problems")] == [(i,) for i in range(5)]
    assert order.is_cached("problems") and order.is_cached("path")
    rows[3].problems.append("late")  # a grounding check found something
    order.forget("problems")
    assert not order.is_cached("problems") and order.is_cached("path")
    assert order.sorted_rows("problems")[0].path == (3,)
    check_all(rows)


def test_prepare_keeps_the_order_unless_cancelled() -> None:
    rows = [FieldRow((i,), 5 - i, {"confidence": i / 10}) for i in range(6)]
    order = RowOrder(rows)
    assert not order.prepare("value", cancelled=lambda: True)
    assert not order.is_cached("value")
    assert order.prepare("value", True, cancelled=lambda: False)
    assert order.is_cached("value", True) and not order.is_cached("value")
    assert order.order("value", True) == list(range(6))
    assert order.is_cached("no such column") is order.is_cached("path")

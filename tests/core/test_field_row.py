"""Sorting a table of field rows the way a person reads it: paths and numbers in number order."""

from __future__ import annotations

import math

import pytest

from explorer.core.field_row import FieldRow
from explorer.core.field_sort import SORT_COLUMNS, path_sort_key, sort_key, sort_rows
from explorer.core.fields import field_rows
from tests.core import entry, statement_job


def paths(rows: list[FieldRow]) -> list[str]:
    return [r.path_str for r in rows]


def sorted_by(rows: list[FieldRow], column: str, descending: bool = False) -> list[FieldRow]:
    rows = list(rows)
    sort_rows(rows, column, descending=descending)
    return rows


def test_paths_sort_array_indices_as_numbers() -> None:
    job = {"extract_result": {"items": list(range(12)), "a": 1}}
    rows = field_rows(job)[::-1]  # start from the wrong order
    assert paths(sorted_by(rows, "path")) == [
        ".a",
        *(f".items[{i}]" for i in range(12)),
    ]  # .items[2] before .items[10], not .items[0], [10], [11], [2]


def test_per_row_paths_sort_row_by_row() -> None:
    rows = field_rows(statement_job(12))
    shuffled = sorted(rows, key=lambda r: r.path_str)  # the old string order
    assert paths(shuffled)[:6] == [".[0].amount", ".[0].date", ".[0].description",
                                   ".[10].amount", ".[10].date", ".[10].description"]  # fmt: skip
    ordered = sorted_by(shuffled, "path")
    assert [r.path[0] for r in ordered] == [i for i in range(12) for _ in range(3)]
    assert paths(ordered)[:3] == [".[0].amount", ".[0].date", ".[0].description"]


def test_path_key_is_segment_by_segment() -> None:
    assert path_sort_key(("a", 2)) < path_sort_key(("a", 10)) < path_sort_key(("b", 0))
    assert path_sort_key(("a",)) < path_sort_key(("a", 0))  # a container before its fields
    assert path_sort_key(("x", 9)) < path_sort_key(("x", "key"))  # indices, then odd keys


def test_values_sort_numbers_numerically_then_strings_then_null_last() -> None:
    values = [10, "b", None, 9.5, "A", -3, True, 100, "10", math.nan, False, [], 2**70]
    job = {"extract_result": {f"k{i}": v for i, v in enumerate(values)}}
    shown = [r.value for r in sorted_by(field_rows(job), "value")]
    assert shown[:6] == [-3, 9.5, 10, 100, 2**70, shown[5]] and math.isnan(shown[5])
    assert shown[6:] == ["10", "A", "b", False, True, [], None]


def test_null_and_missing_values_stay_last_when_descending() -> None:
    job = {
        "extract_result": {"a": 2, "b": None, "c": 30, "d": "x"},
        "extract_metadata": {"field_metadata": {"document_metadata": {"gone": entry(0.5)}}},
    }
    rows = field_rows(job)
    assert [r.value for r in sorted_by(rows, "value")][:4] == [2, 30, "x", None]
    down = sorted_by(rows, "value", descending=True)
    assert [r.value for r in down[:3]] == ["x", 30, 2]
    assert paths(down[3:]) == [".b", ".gone"]  # null, then the field missing from the result


def test_confidence_sorts_numerically_and_unknown_last_both_ways() -> None:
    meta = {"a": entry(0.95), "b": entry(0.1), "c": entry(0.85)}  # d: no metadata
    job = {
        "extract_result": {"a": 1, "b": 2, "c": 3, "d": 4},
        "extract_metadata": {"field_metadata": {"document_metadata": meta}},
    }
    rows = field_rows(job)
    assert paths(sorted_by(rows, "confidence")) == [".b", ".c", ".a", ".d"]
    assert paths(sorted_by(rows, "confidence", descending=True)) == [".a", ".c", ".b", ".d"]


def test_pages_and_problems() -> None:
    meta = {"a": entry(0.9, 3), "b": entry(0.9, 1), "c": entry(0.9)}
    job = {
        "extract_result": {"a": 1, "b": 2, "c": 3},
        "extract_metadata": {"field_metadata": {"document_metadata": meta}},
    }
    rows = field_rows(job)
    assert paths(sorted_by(rows, "pages")) == [".b", ".a", ".c"]
    rows[2].problems.extend(["x", "y"])
    rows[0].problems.append("z")
    assert paths(sorted_by(rows, "problems")) == [".c", ".a", ".b"]


@pytest.mark.parametrize("column", [*SORT_COLUMNS, "no such column"])
def test_every_column_sorts_odd_rows_without_error(column: str) -> None:
    job = {"extract_result": [{"a": math.inf, "b": {}, "c": [], "d": 10**5000}, "x", None]}
    rows = field_rows(job)
    for descending in (False, True):
        assert sorted(paths(sorted_by(rows, column, descending))) == sorted(paths(rows))
    assert isinstance(sort_key(rows[0], column), tuple)

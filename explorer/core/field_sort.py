"""How a table of field rows sorts: paths segment by segment with array indices as numbers
(``.[2]`` before ``.[10]``), values as numbers when they are numbers.

:func:`sort_key` defines the order; :class:`RowOrder` computes it from flat keys, once per
column, and keeps it (400,000 rows sort in a fraction of a second); :class:`OrderedRows` shows
rows in a kept order without copying them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, compress, repeat
from operator import attrgetter, is_, is_not, not_
from typing import Any, overload

from explorer.core.field_row import Citation, FieldRow, _number, _page, raw_citations
from explorer.core.jsonpath import Path
from explorer.core.sanitize import safe_value

__all__ = [
    "SORT_COLUMNS",
    "OrderedRows",
    "RowOrder",
    "path_sort_key",
    "sort_key",
    "sort_rows",
]


#: The columns a table of field rows sorts by (see :func:`sort_key`).
SORT_COLUMNS = ("path", "confidence", "value", "pages", "problems")


def path_sort_key(path: Path) -> tuple[tuple[int, int | float, str], ...]:
    """Order of a path, segment by segment: array indices as numbers, keys as text.

    ``("items", 2)`` sorts before ``("items", 10)``; a path before the paths below it; at one
    level indices come before keys (metadata can put both under one array).
    """
    return tuple((0, part, "") if type(part) is int else (1, 0, str(part)) for part in path)


def _value_key(row: FieldRow) -> tuple[Any, ...]:
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


def _pages_key(row: FieldRow) -> tuple[Any, ...]:
    pages = [c.page for c in row.citations if c.page is not None] if row.meta is not None else []
    return (not pages, min(pages) if pages else 0)


_SORT_KEYS: dict[str, Callable[[FieldRow], tuple[Any, ...]]] = {
    "path": lambda row: (False, path_sort_key(row.path)),
    "confidence": lambda row: (True, 0.0) if row.confidence is None else (False, row.confidence),
    "value": _value_key,
    "pages": _pages_key,
    "problems": lambda row: (False, -len(row.problems), path_sort_key(row.path)),
}


def sort_key(row: FieldRow, column: str) -> tuple[Any, ...]:
    """The order of a row in a table sorted by ``column`` (one of :data:`SORT_COLUMNS`).

    - ``path``: :func:`path_sort_key` (``.[2]`` before ``.[10]``).
    - ``confidence``: numerically; rows without one last.
    - ``value``: numbers numerically, then strings (case-insensitively), booleans, objects and
      arrays (by size); ``null`` and then fields missing from the result last.
    - ``pages``: by the first cited page; uncited rows last.
    - ``problems``: the most problems first, then by path.

    The first element says whether the row is *blank* for that column (no confidence, no value,
    no page): :func:`sort_rows` keeps blank rows last in either direction. An unknown column
    sorts by path.
    """
    return _SORT_KEYS.get(column, _SORT_KEYS["path"])(row)


def sort_rows(rows: list[FieldRow], column: str, *, descending: bool = False) -> None:
    """Sort ``rows`` in place by ``column`` (:func:`sort_key`); ties keep their order.

    Descending reverses the order of the rows that have a value in the column; the blank ones
    stay last, in ascending order, either way (a confidence sort shows the fields that have one
    first). This is :meth:`RowOrder.order` for one sort; keep a :class:`RowOrder` to sort the
    same rows again.
    """
    rows[:] = RowOrder(rows).sorted_rows(column, descending=descending)


# -- sorting by precomputed keys --------------------------------------------------------------
#
# ``sort_key`` says what the order is; building its tuples for 400,000 rows and comparing them
# took seconds. ``RowOrder`` computes the same order from one flat key per row (a float, an int,
# a string: the types the sort compares fastest), sorts row indices by it once per column and
# keeps the result. Rows whose keys are not comparable with each other (numbers and strings in
# the value column) are sorted in separate segments, laid end to end in the order ``sort_key``
# puts them in; reversing lays the segments out backwards, each reversed stably.

_PATH = attrgetter("path")
_PROBLEMS = attrgetter("_problems")
#: Digits of a path code: one character per segment rank (code points compare as numbers).
_BASE = 0x110000

#: Row indices in document order (ties keep it), and the key to sort them by (None: all tie).
_Segment = tuple[list[int], Callable[[int], Any] | None]


class _Segments:
    """One column's order: segments of rows with a value, then the blank rows.

    Each segment is sorted when an order is asked for, from document order: the keys are then
    read in the order they sit in memory, which on a big job is the cheaper half of the sort.
    ``ascending`` holds segments already sorted ascending (the path, whose sort had to be
    tried), by position.
    """

    __slots__ = ("ascending", "blank", "filled")

    def __init__(
        self, filled: list[_Segment], blank: list[int], ascending: frozenset[int] = frozenset()
    ) -> None:
        self.filled = filled
        self.blank = blank
        self.ascending = ascending

    def ordered(self, descending: bool) -> list[int]:
        out: list[int] = []
        segments = list(enumerate(self.filled))
        for position, (index, key) in reversed(segments) if descending else segments:
            sorted_already = not descending and position in self.ascending
            if key is not None and len(index) > 1 and not sorted_already:
                index = sorted(index, key=key, reverse=descending)  # stable both ways
            out += index
        out += self.blank
        return out


def _column(column: str) -> str:
    return column if column in _PARTS or column == "problems" else "path"


class RowOrder:
    """The order of one list of rows by each sort column, worked out once and kept.

    The first sort by a column reads one flat key per row and sorts the row indices by it; the
    order is kept, so sorting by that column again, either way, or a filtered subset of the
    rows (:meth:`sorted_rows` with ``keep``) costs one pass over the indices. The order is
    exactly :func:`sort_rows`'s. The rows must not change while this is in use; when their
    problems do (a grounding check), :meth:`forget` the problems column.

    Orders are computed under a lock, so a worker thread can compute one while another thread
    reads those already kept (:meth:`is_cached`, then :meth:`order` or :meth:`sorted_rows`).
    """

    def __init__(self, rows: Sequence[FieldRow]) -> None:
        self.rows = rows
        self.size = len(rows)
        # one int object per index, shared by every order kept (not one per order)
        self._index = list(range(self.size))
        self._parts: dict[str, _Segments] = {}
        self._orders: dict[tuple[str, bool], list[int]] = {}
        self._generation: dict[str, int] = {}
        self._lock = threading.Lock()  # held while an order is worked out
        self._store = threading.Lock()  # held a moment: keeping a result, or forgetting

    def is_cached(self, column: str, descending: bool = False) -> bool:
        """Whether the order by ``column`` is kept (so :meth:`order` returns at once)."""
        return (_column(column), descending) in self._orders

    def order(self, column: str, descending: bool = False) -> list[int]:
        """Indices of the rows sorted by ``column`` (one of :data:`SORT_COLUMNS`; else path).

        The list is the one kept: do not change it.
        """
        key = (_column(column), descending)
        got = self._orders.get(key)
        if got is None:
            with self._lock:
                got = self._compute(*key)
        return got

    def prepare(
        self,
        column: str,
        descending: bool = False,
        cancelled: Callable[[], bool] | None = None,
    ) -> bool:
        """Compute and keep an order (in a worker thread); False when ``cancelled()`` said so
        before the work started (after waiting for the lock)."""
        key = (_column(column), descending)
        if key in self._orders:
            return True
        with self._lock:
            if cancelled is not None and cancelled():
                return False
            self._compute(*key)
        return True

    def sorted_rows(
        self, column: str, descending: bool = False, keep: Sequence[Any] | None = None
    ) -> list[FieldRow]:
        """The rows sorted by ``column``; with ``keep`` (truthy by row index) only those."""
        order = self.order(column, descending)
        rows = self.rows
        if keep is None:
            return list(map(rows.__getitem__, order))
        return [rows[i] for i in order if keep[i]]

    def view(
        self, column: str, descending: bool = False, keep: Sequence[Any] | None = None
    ) -> OrderedRows:
        """:meth:`sorted_rows` without copying the rows: their order, read on access (its
        indices may be the kept order: do not change them)."""
        order = self.order(column, descending)
        if keep is not None:
            order = [i for i in order if keep[i]]
        return OrderedRows(self.rows, order)

    def forget(self, *columns: str) -> None:
        """Drop the orders by these columns (all without any): their keys changed."""
        names = set(columns or (*_PARTS, "problems"))
        if "path" in names:
            names.add("problems")  # ties in problems sort by path
        with self._store:
            for name in names:
                self._generation[name] = self._generation.get(name, 0) + 1
                self._parts.pop(name, None)
                self._orders.pop((name, False), None)
                self._orders.pop((name, True), None)

    def _compute(self, column: str, descending: bool) -> list[int]:
        """The order (under the lock); kept unless :meth:`forget` was called meanwhile."""
        key = (column, descending)
        got = self._orders.get(key)
        if got is not None:
            return got
        generation = self._generation.get(column, 0)
        if column == "problems":
            by_path = self._compute("path", descending)
            got = _by_problem_count(self.rows, by_path, descending)
            with self._store:
                if self._generation.get(column, 0) == generation:
                    self._orders[key] = got
            return got
        parts = self._parts.get(column)
        if parts is None:
            parts = _PARTS[column](self.rows, self._index)
        got = parts.ordered(descending)
        with self._store:
            if self._generation.get(column, 0) == generation:
                self._orders[key] = got
                if (column, not descending) in self._orders:
                    self._parts.pop(column, None)  # both ways kept: the segments are done
                else:
                    self._parts[column] = parts
        return got


class OrderedRows(Sequence[FieldRow]):
    """Rows in the order of a list of their indices, read on access: showing 400,000 sorted
    rows copies no row (building that list alone costs as much as a sort on a big job)."""

    __slots__ = ("indices", "rows")

    def __init__(self, rows: Sequence[FieldRow], indices: Sequence[int]) -> None:
        self.rows = rows
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    @overload
    def __getitem__(self, index: int) -> FieldRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[FieldRow]: ...

    def __getitem__(self, index: int | slice) -> FieldRow | list[FieldRow]:
        if isinstance(index, slice):
            return list(map(self.rows.__getitem__, self.indices[index]))
        return self.rows[self.indices[index]]

    def __iter__(self) -> Iterator[FieldRow]:
        return map(self.rows.__getitem__, self.indices)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a is b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"OrderedRows({len(self)} rows)"


def _path_parts(rows: Sequence[FieldRow], index: list[int]) -> _Segments:
    """Paths as they are when every segment is an ``int`` or a ``str``: tuples then compare
    as :func:`path_sort_key` (indices as numbers, keys as text) with nothing built per row.
    An index and a key at one level (the tuples cannot compare) or any other segment type:
    :func:`_path_codes`."""
    paths: list[Any] = list(map(_PATH, rows))
    keys: list[Any] = paths
    if not set(map(type, chain.from_iterable(paths))) <= {int, str}:
        keys = _path_codes(paths)
    try:
        ordered = sorted(index, key=keys.__getitem__)
    except TypeError:
        keys = _path_codes(paths)
        ordered = sorted(index, key=keys.__getitem__)
    return _Segments([(ordered, keys.__getitem__)], [], frozenset({0}))


def _path_codes(paths: list[Any]) -> list[str]:
    """Each path as a string that sorts as its :func:`path_sort_key`: one fixed-width code per
    segment, the segment's rank among all segments (indices by number, then keys by text)."""
    ints: set[int] = set()
    texts: set[str] = set()
    for path in paths:
        for part in path:
            if type(part) is int:
                ints.add(part)
            else:
                texts.add(str(part))
    width = 1
    while _BASE**width < len(ints) + len(texts):
        width += 1

    def code(rank: int) -> str:
        digits = []
        for _ in range(width):
            rank, digit = divmod(rank, _BASE)
            digits.append(chr(digit))
        return "".join(reversed(digits))

    int_codes = {part: code(rank) for rank, part in enumerate(sorted(ints))}
    text_codes = {text: code(rank) for rank, text in enumerate(sorted(texts), len(ints))}
    return [
        "".join([int_codes[p] if type(p) is int else text_codes[str(p)] for p in path])
        for path in paths
    ]


# The key readers below are one plain loop over the rows each: on a big job every row, its
# metadata and its value sit in different places in memory, and one pass that touches each of
# them once is faster than several C-level passes (map, compress) that each touch them again.


def _confidence_parts(rows: Sequence[FieldRow], index: list[int]) -> _Segments:
    """Numerically; rows without a finite confidence blank (as :attr:`FieldRow.confidence`)."""
    keys: list[Any] = [None] * len(index)
    filled: list[int] = []
    for i, row in zip(index, rows, strict=True):
        meta = row.meta
        if meta is not None:
            v = meta.get("confidence")
            if type(v) is float:
                if v - v == 0.0:  # finite
                    filled.append(i)
                    keys[i] = v
            elif v is not None:  # an int, or not a number: as the property reads it
                keys = [None if (m := r.meta) is None else _number(m.get("confidence"))
                        for r in rows]  # fmt: skip
                filled = list(compress(index, map(is_not, keys, repeat(None))))
                break
    return _Segments([(filled, keys.__getitem__)], _others(index, filled, keys))


def _others(index: list[int], filled: list[int], keys: list[Any]) -> list[int]:
    """The indices not in ``filled`` (whose key is None), in order."""
    if len(filled) == len(index):
        return []
    return list(compress(index, map(is_, keys, repeat(None))))


def _value_parts(rows: Sequence[FieldRow], index: list[int]) -> _Segments:
    """:func:`_value_key`'s order: numbers, NaN, strings, false, true, objects, arrays,
    anything else (as text); then null and fields missing from the result, blank."""
    keys: list[Any] = [None] * len(index)
    numbers: list[int] = []
    nan: list[int] = []
    texts: list[int] = []
    nulls: list[int] = []
    missing: list[int] = []
    rest: list[int] = []
    for i, row in zip(index, rows, strict=True):
        if not row.in_result:
            missing.append(i)
            continue
        v = row.value
        t = type(v)
        if t is float:
            if v == v:
                numbers.append(i)
                keys[i] = v
            else:
                nan.append(i)
        elif t is str:
            texts.append(i)
            keys[i] = v
        elif v is None:
            nulls.append(i)
        elif t is int:
            numbers.append(i)
            keys[i] = v
        else:
            rest.append(i)
    key = keys.__getitem__
    segments: list[_Segment] = [(numbers, key), (nan, None)]
    if texts:
        _text_keys(texts, keys)
        segments.append((texts, key))
    kinds: dict[type, list[int]] = {bool: [], dict: [], list: []}
    others: list[int] = []
    for i in rest:
        kinds.get(type(rows[i].value), others).append(i)
    flags = kinds[bool]
    segments.append(([i for i in flags if not rows[i].value], None))
    segments.append(([i for i in flags if rows[i].value], None))
    for kind in (dict, list):
        containers = kinds[kind]
        if containers:
            size = {i: len(rows[i].value) for i in containers}.__getitem__
            segments.append((containers, size))
    if others:  # anything else, by its text
        text_of = {i: safe_value(rows[i].value, 200) for i in others}.__getitem__
        segments.append((others, text_of))
    return _Segments(segments, nulls + missing)


def _text_keys(texts: list[int], keys: list[Any]) -> None:
    """Replace the texts at ``texts`` in ``keys`` by keys in :func:`_value_key`'s order: by
    ``casefold()``, then (texts differing in case only) by the text itself."""
    originals = list(map(keys.__getitem__, texts))
    distinct = set(originals)
    if len(distinct) * 4 <= len(texts):
        # the same texts again and again (a category, a currency): rank the distinct ones
        ranked = sorted(distinct)
        ranked.sort(key=str.casefold)  # stable: texts equal but for case stay in text order
        rank = {text: r for r, text in enumerate(ranked)}
        for i, text in zip(texts, originals, strict=True):
            keys[i] = rank[text]
        return
    folded = list(map(str.casefold, originals))
    if len(set(folded)) == len(distinct):  # no two differ in case only: the fold decides
        for i, fold in zip(texts, folded, strict=True):
            keys[i] = fold
    else:
        for i, fold, text in zip(texts, folded, originals, strict=True):
            keys[i] = (fold, text)


def _pages_parts(rows: Sequence[FieldRow], index: list[int]) -> _Segments:
    """By the first cited page (as :attr:`FieldRow.citations` reads pages); uncited blank."""
    keys: list[Any] = [None] * len(index)
    filled: list[int] = []
    for i, row in zip(index, rows, strict=True):
        meta = row.meta
        if meta is None:
            continue
        cited = row._citations
        if cited is not None:  # read already (the grounding check reads every row's)
            if not cited:
                continue
            if len(cited) == 1:
                page = cited[0].page
                if page is not None:
                    filled.append(i)
                    keys[i] = page
                continue
        else:
            c = raw_citations(meta)
            if not c:
                continue
            if len(c) == 1:  # the usual shape: one source, a page number
                x = c[0]
                if type(x) is dict:
                    page = x.get("page")
                    if type(page) is int:
                        filled.append(i)
                        keys[i] = page
                        continue
        page = _first_page(meta, cited)
        if page is not None:
            filled.append(i)
            keys[i] = page
    return _Segments([(filled, keys.__getitem__)], _others(index, filled, keys))


def _first_page(meta: Any, cited: list[Citation] | None) -> int | None:
    """The least page the row cites: its citations as :func:`_citations` reads them."""
    if meta is None:
        return None
    if cited is not None:
        pages = [c.page for c in cited if c.page is not None]
        return min(pages) if pages else None
    best = None
    for x in raw_citations(meta):
        if isinstance(x, dict):
            page = _page(x.get("page"))
            if page is not None and (best is None or page < best):
                best = page
    return best


def _by_problem_count(rows: Sequence[FieldRow], by_path: list[int], descending: bool) -> list[int]:
    """Most problems first (fewest when descending), each count in ``by_path`` order."""
    problems = list(map(_PROBLEMS, rows))
    flags = bytes(map(bool, problems))
    if not any(flags):
        return list(by_path)
    some, none = _split(by_path, list(map(flags.__getitem__, by_path)))
    count = {i: -len(problems[i]) for i in some}.__getitem__
    if descending:
        return none + sorted(some, key=count, reverse=True)
    return sorted(some, key=count) + none


def _split(index: list[int], flags: list[Any]) -> tuple[list[int], list[int]]:
    """(the indices whose flag is true, the others), each in order."""
    yes = list(compress(index, flags))
    if len(yes) == len(index):
        return yes, []
    return yes, list(compress(index, map(not_, flags)))


_PARTS: dict[str, Callable[[Sequence[FieldRow], list[int]], _Segments]] = {
    "path": _path_parts,
    "confidence": _confidence_parts,
    "value": _value_parts,
    "pages": _pages_parts,
}

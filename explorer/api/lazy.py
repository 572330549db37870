"""Big jobs parsed lazily: the body's bytes are kept, and each result row (and each row's or
page's metadata) is parsed when it is looked at.

A 174 MB job with 200,000 rows is 140 MB of ``row_metadata``; parsing it all into Python
objects takes seconds and seven times its size in memory, for rows nobody looks at together.
:func:`loads_job` scans the body once with ``msgspec`` (``msgspec.Raw`` values are zero-copy
views of the body, about 50 bytes each) and returns the job as plain JSON values, except that
the big arrays are :class:`LazyArray`: a ``list`` whose items are parsed on access.

``LazyArray`` is a real ``list`` subclass, so code written for parsed JSON keeps working:
``isinstance(x, list)``, ``len``, indexing, slicing, iteration, ``==`` and ``reversed`` all
answer with parsed items, exactly what :func:`~explorer.api.jsonparse.parse_json_bytes` of the
whole body would hold. Iterating parses item by item and keeps nothing, so a walk over all rows
(the field table, an export) streams. C code that reads a list's storage directly sees
``msgspec.Raw`` objects instead of values: ``orjson.dumps`` then asks its ``default`` hook, and
:func:`json_default` answers with the parsed item (``explorer.core.export.to_json`` passes it).
The array is read-only: its mutators raise ``TypeError``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, SupportsIndex

import msgspec

from explorer.api.jsonparse import parse_json_bytes

__all__ = [
    "LAZY_MIN_BYTES",
    "LazyArray",
    "json_default",
    "loads_job",
    "loads_job_if_big",
    "loads_page_if_big",
    "materialize",
]

#: Job bodies at least this big are parsed lazily; smaller ones are parsed whole.
#: ``EXPLORER_LAZY_MIN_BYTES`` moves the line (0: every job lazily), for tests and profiling.
LAZY_MIN_BYTES = int(os.environ.get("EXPLORER_LAZY_MIN_BYTES", "") or 1024 * 1024)
#: Parsed items kept for repeated looks (a screen of rows drawn again and again).
_CACHE_ITEMS = 512

_TOP = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])
#: Top-level keys and metadata keys holding arrays worth keeping as bytes.
_LAZY_METADATA = ("row_metadata", "page_metadata")


_VALUE = msgspec.json.Decoder()


def _parse(raw: Any) -> Any:
    """One item's value, as ``parse_json_bytes`` reads it.

    ``msgspec`` reads integers of any size exactly, as ``parse_json_bytes`` does where it
    matters; whatever it refuses (lone surrogate escapes, numbers past a float, very deep
    nesting) goes to ``parse_json_bytes``, with its fallbacks and errors.
    """
    try:
        return _VALUE.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return parse_json_bytes(bytes(raw))


def _read_only(*_args: Any, **_kwargs: Any) -> Any:
    raise TypeError("a lazily parsed JSON array is read-only")


class LazyArray(list):  # a list on purpose: isinstance(x, list) holds for it
    """A JSON array whose items stay ``msgspec.Raw`` bytes until they are read."""

    __slots__ = ("_cache",)

    def __init__(self, raws: list[msgspec.Raw]) -> None:
        super().__init__(raws)
        self._cache: dict[int, Any] = {}

    def _item(self, index: int) -> Any:
        cache = self._cache
        try:
            return cache[index]
        except KeyError:
            pass
        raw = list.__getitem__(self, index)
        value = _parse(raw) if isinstance(raw, msgspec.Raw) else raw
        if len(cache) >= _CACHE_ITEMS:
            cache.clear()
        cache[index] = value
        return value

    def __getitem__(self, index: SupportsIndex | slice) -> Any:  # type: ignore[override]
        n = list.__len__(self)
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(n))]
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("list index out of range")
        return self._item(i)

    def __iter__(self) -> Iterator[Any]:
        # Streams: every item is parsed as it is reached and nothing is kept.
        for raw in list.__iter__(self):
            yield _parse(raw) if isinstance(raw, msgspec.Raw) else raw

    def __reversed__(self) -> Iterator[Any]:
        for i in range(list.__len__(self) - 1, -1, -1):
            yield self._item(i)

    def __contains__(self, value: object) -> bool:
        return any(item == value for item in self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, list):
            return NotImplemented
        if list.__len__(self) != len(other):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<LazyArray of {list.__len__(self):,} items>"

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        # copy, deepcopy and pickle get a plain list of the parsed items
        return (list, (list(self),))

    def index(self, value: Any, start: SupportsIndex = 0, stop: SupportsIndex | None = None) -> int:
        n = list.__len__(self)
        begin, end, _ = slice(start, stop).indices(n)
        for i in range(begin, end):
            if self._item(i) == value:
                return i
        raise ValueError(f"{value!r} is not in list")

    def count(self, value: Any) -> int:
        return sum(1 for item in self if item == value)

    def copy(self) -> list[Any]:
        return list(self)

    def __add__(self, other: Any) -> list[Any]:  # type: ignore[override]
        return [*self, *other]

    def __radd__(self, other: Any) -> list[Any]:
        return [*other, *self]

    def __mul__(self, times: SupportsIndex) -> list[Any]:
        return list(self) * times

    __rmul__ = __mul__

    def raw(self, index: int) -> bytes:
        """The item's JSON text exactly as it arrived."""
        item = list.__getitem__(self, index)
        return bytes(item) if isinstance(item, msgspec.Raw) else msgspec.json.encode(item)

    append = extend = insert = pop = remove = clear = sort = reverse = _read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only


def json_default(value: Any) -> Any:
    """``orjson.dumps(default=...)``: a lazy array's raw item (seen by C code) as its value."""
    if isinstance(value, msgspec.Raw):
        return _parse(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _first(raw: Any) -> bytes:
    """The first character of a JSON text (whitespace skipped)."""
    return memoryview(raw)[:64].tobytes().lstrip()[:1]


def _object(raw: Any, lazy_keys: tuple[str, ...], nested: dict[str, Any]) -> Any:
    """An object parsed key by key: ``lazy_keys`` as lazy arrays, ``nested`` keys recursively."""
    if _first(raw) != b"{":
        return _parse(raw)
    out: dict[str, Any] = {}
    for key, value in _TOP.decode(raw).items():
        if key in lazy_keys and _first(value) == b"[":
            out[key] = LazyArray(_ITEMS.decode(value))
        elif key in nested:
            keys, deeper = nested[key]
            out[key] = _object(value, keys, deeper)
        else:
            out[key] = _parse(value)
    return out


#: Where the big arrays of a job are: (lazy keys, {nested key: (lazy keys, nested)}).
_JOB_SHAPE: tuple[tuple[str, ...], dict[str, Any]] = (
    ("extract_result",),
    {
        "extract_metadata": (
            _LAZY_METADATA,
            {"field_metadata": (_LAZY_METADATA, {})},
        )
    },
)


def loads_page_if_big(content: bytes | bytearray) -> Any:
    """A page of jobs (``{"items": [...], ...}``): big pages keep each job's result lazy.

    A list page carries every job's ``extract_result``; one holding a 200,000-row job is tens
    of megabytes that a refresh would otherwise parse whole, again and again.
    """
    if len(content) < LAZY_MIN_BYTES:
        return parse_json_bytes(bytes(content) if isinstance(content, bytearray) else content)
    if _first(content) != b"{":
        return parse_json_bytes(bytes(content))
    keys, nested = _JOB_SHAPE
    try:
        out: dict[str, Any] = {}
        for key, value in _TOP.decode(content).items():
            if key == "items" and _first(value) == b"[":
                out[key] = [
                    _object(item, keys, nested) if _first(item) == b"{" else _parse(item)
                    for item in _ITEMS.decode(value)
                ]
            else:
                out[key] = _parse(value)
        return out
    except (msgspec.DecodeError, ValueError, RecursionError):
        return parse_json_bytes(bytes(content))


def loads_job_if_big(content: bytes | bytearray) -> Any:
    """:func:`loads_job` for bodies of at least :data:`LAZY_MIN_BYTES`, else a whole parse."""
    if len(content) >= LAZY_MIN_BYTES:
        return loads_job(content)
    return parse_json_bytes(bytes(content) if isinstance(content, bytearray) else content)


def loads_job(content: bytes | bytearray | memoryview) -> Any:
    """Parse a job body, keeping its result rows and their metadata lazy.

    The same values as ``parse_json_bytes(content)``; anything that is not a JSON object, or
    that ``msgspec`` cannot scan (NaN literals, bad UTF-8, nesting past its limit), is parsed
    whole by ``parse_json_bytes``, with its errors.
    """
    if _first(content) != b"{":
        return parse_json_bytes(bytes(content))
    keys, nested = _JOB_SHAPE
    try:
        return _object(content, keys, nested)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return parse_json_bytes(bytes(content))


def materialize(value: Any) -> Any:
    """A plain copy of ``value`` with every lazy array parsed into a list (for small jobs)."""
    if isinstance(value, LazyArray):
        return list(value)
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    return value

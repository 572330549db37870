"""Export a job, its result or its field rows as JSON, JSON Lines or CSV text.

Values are complete, never truncated. Output is always encodable as UTF-8 and is strict JSON
(RFC 8259): NaN and infinities, which JSON cannot spell, are written as ``null`` (as orjson and
JavaScript do); lone surrogates are ``\\udXXX`` escapes in JSON and U+FFFD in CSV, which has no
escapes. CSV rows end with ``\\n``; a cell a spreadsheet would run as a formula gets a leading
``'`` (plain numbers such as ``-12.5`` are left alone). Registered secrets (the API key, in any
form a server may echo it) are redacted from everything written here
(:mod:`explorer.core.secrets`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from explorer.api.lazy import LazyArray, json_default
from explorer.core import secrets
from explorer.core.fields import FieldRow, gc_paused, row_to_json
from explorer.core.sanitize import format_int

__all__ = [
    "csv_cell",
    "export_csv",
    "export_fields_csv",
    "export_fields_json",
    "export_json",
    "export_jsonl",
    "iter_export_csv",
    "iter_export_fields_csv",
    "iter_export_fields_json",
    "iter_export_json",
    "iter_export_jsonl",
    "iter_to_json",
    "to_json",
]

_FORMULA_START = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _str_token(s: str) -> str:
    text = json.dumps(s, ensure_ascii=False)
    if not text.isascii() and _SURROGATE.search(text):
        text = json.dumps(s)  # \udXXX escapes keep the text exact and encodable
    return text


def _scalar_token(v: Any) -> str:
    """A scalar as an exact JSON token, for files (what a screen shows is ``scalar_text``)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return format_int(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "null"
    return _str_token(v if isinstance(v, str) else str(v))


def _key_text(k: Any) -> str:
    if k is None or isinstance(k, bool | int | float):
        return _scalar_token(k)
    return str(k)


def _dumps_slow(value: Any, indent: int | None) -> str:
    """Iterative JSON writer for what orjson refuses (huge ints, surrogates, deep nesting)."""
    out: list[str] = []
    nl = indent is not None
    sep = ": " if nl else ":"
    # stack items: a value to write, or a str to emit verbatim
    stack: list[Any] = [(value, 0)]
    while stack:
        item = stack.pop()
        if type(item) is str:
            out.append(item)
            continue
        v, depth = item
        if isinstance(v, dict) and v:
            pad = "\n" + " " * (indent * (depth + 1)) if nl else ""
            end = "\n" + " " * (indent * depth) + "}" if nl else "}"
            parts: list[Any] = []
            for i, (k, x) in enumerate(v.items()):
                # json.dumps spells non-str keys like this too: 1 -> "1", None -> "null"
                key = k if isinstance(k, str) else _key_text(k)
                parts.append(("," if i else "") + pad + _str_token(key) + sep)
                parts.append((x, depth + 1))
            parts.append(end)
            out.append("{")
            stack.extend(reversed(parts))
        elif isinstance(v, list | tuple) and v:
            pad = "\n" + " " * (indent * (depth + 1)) if nl else ""
            end = "\n" + " " * (indent * depth) + "]" if nl else "]"
            parts = []
            for i, x in enumerate(v):
                parts.append(("," if i else "") + pad)
                parts.append((x, depth + 1))
            parts.append(end)
            out.append("[")
            stack.extend(reversed(parts))
        elif isinstance(v, dict):
            out.append("{}")
        elif isinstance(v, list | tuple):
            out.append("[]")
        else:
            out.append(_scalar_token(v))
    return "".join(out)


def to_json(value: Any, *, indent: int | None = 2) -> str:
    """Serialise any JSON value as strict JSON text, secrets redacted; never raises."""
    option = orjson.OPT_INDENT_2 if indent == 2 else 0
    try:
        if indent in (None, 2):
            text = orjson.dumps(value, option=option, default=json_default)
            return secrets.redact(text.decode("utf-8"))
    except (TypeError, ValueError, orjson.JSONEncodeError):
        pass
    return secrets.redact(_dumps_slow(value, indent))


def export_json(job: Any) -> str:
    """Return the whole job as pretty JSON, every field kept."""
    return "".join(iter_export_json(job))


def holds_lazy(value: Any) -> bool:
    """Whether a lazily parsed array sits in ``value`` (a job: only in its objects)."""
    if isinstance(value, LazyArray):
        return True
    return isinstance(value, dict) and any(holds_lazy(v) for v in value.values())


def iter_export_json(job: Any) -> Iterator[str]:
    """:func:`export_json` in pieces: a big job's rows are written one at a time, so the text
    of a 174 MB job is never held whole (the same characters as ``to_json(job) + "\n"``)."""
    if not holds_lazy(job):
        yield to_json(job) + "\n"
        return
    yield from iter_to_json(job)
    yield "\n"


def iter_to_json(value: Any, *, indent: int | None = 2) -> Iterator[str]:
    """:func:`to_json` in pieces, streamed through lazily parsed arrays (the same text)."""
    if not holds_lazy(value):
        yield to_json(value, indent=indent)
    elif indent is None:
        yield from _compact_pieces(value)
    else:
        yield from _pieces(value, 0)


def _compact_pieces(value: Any) -> Iterator[str]:
    if not holds_lazy(value):
        yield to_json(value, indent=None)
    elif isinstance(value, LazyArray):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _compact_pieces(item)
        yield "]"
    else:
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            text = to_json(key if isinstance(key, str) else str(key), indent=None)
            yield ("," if index else "") + text + ":"
            yield from _compact_pieces(item)
        yield "}"


def _pieces(value: Any, depth: int) -> Iterator[str]:
    """orjson's two-space layout of ``value`` at nesting ``depth``, streamed through lazy
    arrays (every item laid out by :func:`to_json` and indented to where it sits)."""
    if not holds_lazy(value):
        text = to_json(value)
        yield text.replace("\n", "\n" + "  " * depth) if depth else text
        return
    pad = "\n" + "  " * (depth + 1)
    close = "\n" + "  " * depth
    if isinstance(value, LazyArray):
        if not value:
            yield "[]"
            return
        yield "["
        for index, item in enumerate(value):
            yield ("," if index else "") + pad
            yield from _pieces(item, depth + 1)
        yield close + "]"
        return
    yield "{"
    for index, (key, item) in enumerate(value.items()):
        yield ("," if index else "") + pad + to_json(key if isinstance(key, str) else str(key))
        yield ": "
        yield from _pieces(item, depth + 1)
    yield close + "}"


def _result(job: Any) -> Any:
    return job.get("extract_result") if isinstance(job, dict) else None


def export_jsonl(job: Any) -> str:
    """Return the result as JSON Lines: one line per item (per_doc: one line for the object)."""
    return "".join(iter_export_jsonl(job))


def iter_export_jsonl(job: Any) -> Iterator[str]:
    """:func:`export_jsonl` line by line (a big job's rows are parsed one at a time)."""
    result = _result(job)
    if result is None:
        return
    items = result if isinstance(result, list) else [result]
    for item in items:
        line = to_json(item, indent=None)
        if not line.isascii():
            # JSON lets NEL, LS and PS stand raw in strings, but str.splitlines() and many
            # readers break lines there; they only occur inside strings, so escape them
            line = line.translate(_LINE_BREAKS)
        yield line + "\n"


def csv_cell(v: Any) -> str:
    """Text for one CSV cell: strings as-is, other values as JSON, formulas defused."""
    if isinstance(v, str):
        s = v
    elif v is None:
        return ""
    elif isinstance(v, float) and not math.isfinite(v):
        s = "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    elif isinstance(v, dict | list):
        s = to_json(v, indent=None)
    else:
        s = _scalar_token(v)
    if s and s[0] in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(s):
        s = "'" + s  # CSV injection: a spreadsheet would evaluate it
    return s


def _flatten(item: Any) -> Iterator[tuple[str, Any]]:
    """Yield (dotted column, leaf value) of one result item, in document order."""
    if not isinstance(item, dict | list) or not item:
        yield "value", item
        return
    stack: list[Iterator[tuple[str, Any]]] = [_children("", item)]
    while stack:
        for name, v in stack[-1]:
            if isinstance(v, dict | list) and v:
                stack.append(_children(name + ".", v))
                break
            yield name, v
        else:
            stack.pop()


def _children(prefix: str, v: dict[str, Any] | list[Any]) -> Iterator[tuple[str, Any]]:
    if isinstance(v, dict):
        return ((prefix + str(k), x) for k, x in v.items())
    return ((prefix + str(i), x) for i, x in enumerate(v))


def _write_csv(header: list[str], rows: Iterable[list[str]]) -> str:
    return "".join(_iter_csv(header, rows))


#: Rows written per piece of a streamed CSV.
_CSV_BATCH = 2000


def _iter_csv(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text in pieces of :data:`_CSV_BATCH` rows (each fixed up as a whole text is)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(h) for h in header])
    pending = 0
    for row in rows:
        w.writerow(row)
        pending += 1
        if pending >= _CSV_BATCH:
            yield _csv_text(buf.getvalue())
            buf.seek(0)
            buf.truncate()
            pending = 0
    yield _csv_text(buf.getvalue())


def _csv_text(text: str) -> str:
    if not text.isascii() and _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)  # UTF-8 cannot carry them; CSV has no escapes
    return secrets.redact(text)


def _pages(row: FieldRow) -> str:
    seen: list[int] = []
    for c in row.citations:
        if c.page is not None and c.page not in seen:
            seen.append(c.page)
    return ";".join(map(str, seen))


def _num_cell(x: float | None) -> str:
    return "" if x is None else repr(x)


def export_csv(job: Any, *, check_schema: bool = False) -> str:
    """Return the result's values as CSV, nested values in dotted columns.

    ``vendor.name``, ``line_items.0.amount``: one column per leaf, in first-seen order across
    all rows. per_page / per_table_row: one row per result item; per_doc: one row, the result
    object. A job without a result is an empty file. The field table (confidence, pages,
    reasoning, problems per field) is :func:`export_fields_csv`.

    ``check_schema`` is accepted for older callers and changes nothing: the result's values
    carry no problems column (``export_fields_csv`` of checked rows does).
    """
    del check_schema
    return "".join(iter_export_csv(job))


def iter_export_csv(job: Any) -> Iterator[str]:
    """:func:`export_csv` in pieces. A lazily parsed result is read twice (its columns, then
    its rows), one row at a time, instead of holding every cell."""
    result = _result(job)
    if result is None:
        return
    items = result if isinstance(result, list) else [result]
    if isinstance(items, LazyArray):
        columns: dict[str, int] = {}
        for item in items:
            _cells(item, columns)
        width = len(columns)
        table: Iterable[dict[int, str]] = (_cells(item, columns) for item in items)
    else:
        with gc_paused():
            columns = {}
            table = [_cells(item, columns) for item in items]
            width = len(columns)
    yield from _iter_csv(
        list(columns), ([cells.get(i, "") for i in range(width)] for cells in table)
    )


def _cells(item: Any, columns: dict[str, int]) -> dict[int, str]:
    """One item's cells by column, adding the columns it is the first to have."""
    cells: dict[int, str] = {}
    for name, v in _flatten(item):
        col = columns.setdefault(name, len(columns))
        n = 2
        while col in cells:  # "a.b" the key and a -> b the path: keep both
            col = columns.setdefault(f"{name}#{n}", len(columns))
            n += 1
        cells[col] = csv_cell(v)
    return cells


_FIELD_COLUMNS = [
    "path", "item_index", "value", "type", "in_result", "confidence",
    "extraction_confidence", "parsing_confidence", "pages", "citations", "reasoning",
    "problems",
]  # fmt: skip


def _field_cells(r: FieldRow) -> list[str]:
    return [
        csv_cell(r.path_str),
        "" if r.item_index is None else str(r.item_index),
        csv_cell(r.value) if r.in_result else "",
        r.type,
        "true" if r.in_result else "false",
        _num_cell(r.confidence),
        _num_cell(r.extraction_confidence),
        _num_cell(r.parsing_confidence),
        _pages(r),
        csv_cell(" | ".join(c.matching_text or "" for c in r.citations)),
        csv_cell(r.reasoning),
        csv_cell("; ".join(r.problems)),
    ]


def export_fields_csv(rows: Iterable[FieldRow]) -> str:
    """Return field rows as CSV: one row per field, with all metadata columns."""
    return "".join(iter_export_fields_csv(rows))


def iter_export_fields_csv(rows: Iterable[FieldRow]) -> Iterator[str]:
    """:func:`export_fields_csv` in pieces, reading ``rows`` as it goes."""
    return _iter_csv(_FIELD_COLUMNS, (_field_cells(r) for r in rows))


def export_fields_json(rows: Iterable[FieldRow]) -> str:
    """Return field rows as a pretty JSON array of :func:`row_to_json` objects."""
    return "".join(iter_export_fields_json(rows))


def iter_export_fields_json(rows: Iterable[FieldRow]) -> Iterator[str]:
    """:func:`export_fields_json` in pieces (the same text), reading ``rows`` as it goes."""
    first = True
    for row in rows:
        text = to_json(row_to_json(row)).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + text
        first = False
    yield "[]\n" if first else "\n]\n"

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
            return secrets.redact(orjson.dumps(value, option=option).decode("utf-8"))
    except (TypeError, ValueError, orjson.JSONEncodeError):
        pass
    return secrets.redact(_dumps_slow(value, indent))


def export_json(job: Any) -> str:
    """Return the whole job as pretty JSON, every field kept."""
    return to_json(job) + "\n"


def _result(job: Any) -> Any:
    return job.get("extract_result") if isinstance(job, dict) else None


def export_jsonl(job: Any) -> str:
    """Return the result as JSON Lines: one line per item (per_doc: one line for the object)."""
    result = _result(job)
    if result is None:
        return ""
    items = result if isinstance(result, list) else [result]
    lines = []
    for item in items:
        line = to_json(item, indent=None)
        if not line.isascii():
            # JSON lets NEL, LS and PS stand raw in strings, but str.splitlines() and many
            # readers break lines there; they only occur inside strings, so escape them
            line = line.translate(_LINE_BREAKS)
        lines.append(line + "\n")
    return "".join(lines)


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
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(h) for h in header])
    w.writerows(rows)
    text = buf.getvalue()
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
    result = _result(job)
    if result is None:
        return ""
    with gc_paused():
        return _items_csv(result if isinstance(result, list) else [result])


def _items_csv(result: list[Any]) -> str:
    columns: dict[str, int] = {}
    table: list[dict[int, str]] = []
    for item in result:
        cells: dict[int, str] = {}
        for name, v in _flatten(item):
            col = columns.setdefault(name, len(columns))
            n = 2
            while col in cells:  # "a.b" the key and a -> b the path: keep both
                col = columns.setdefault(f"{name}#{n}", len(columns))
                n += 1
            cells[col] = csv_cell(v)
        table.append(cells)
    width = len(columns)
    return _write_csv(list(columns), ([cells.get(i, "") for i in range(width)] for cells in table))


def export_fields_csv(rows: Iterable[FieldRow]) -> str:
    """Return field rows as CSV: one row per field, with all metadata columns."""
    header = [
        "path", "item_index", "value", "type", "in_result", "confidence",
        "extraction_confidence", "parsing_confidence", "pages", "citations", "reasoning",
        "problems",
    ]  # fmt: skip
    return _write_csv(
        header,
        (
            [
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
            for r in rows
        ),
    )


def export_fields_json(rows: Iterable[FieldRow]) -> str:
    """Return field rows as a pretty JSON array of :func:`row_to_json` objects."""
    return to_json([row_to_json(r) for r in rows]) + "\n"

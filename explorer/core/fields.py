"""Result + field metadata -> one row per leaf field, with confidence, citations and reasoning.

``extract_result`` is an object (per_doc) or a list of objects (per_page, per_table_row).
``extract_metadata.field_metadata`` mirrors it: ``document_metadata`` for per_doc, one mapping
per item in ``page_metadata``/``row_metadata``. Both are walked side by side, iteratively (no
recursion limit), in document order. Rows are small ``__slots__`` objects that keep the metadata
entry as found and interpret it on access, so flattening a 1.6M-field job stays cheap.

Decisions:
- Metadata for a path the result does not have becomes an extra row with ``in_result=False``,
  ``value=None``, type ``"missing"`` and the problem :data:`PROBLEM_NOT_IN_RESULT`; it follows
  the fields of the object (or array) it belongs to.
- Metadata that is neither an entry nor a mapping (e.g. the seed example's ``"bar"``) is kept in
  ``raw`` and flagged :data:`PROBLEM_UNREADABLE`.
- An entry given for a whole container (an array of scalars with one entry) applies to every
  leaf below that has none of its own (``inherited=True``); so does ``reasoning`` beside
  sub-fields. An ``error`` key in a mapping is not a field: see :func:`metadata_errors`.
- A job without a result (not completed) has no rows, whatever its metadata says.

A row itself (:class:`FieldRow`, :class:`Citation`, :func:`row_to_json`, the table sort) is
:mod:`explorer.core.field_row`; the names are re-exported here.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from explorer.core.field_row import (
    PROBLEM_NOT_IN_RESULT,
    PROBLEM_UNREADABLE,
    Citation,
    FieldRow,
    json_type,
    row_to_json,
)
from explorer.core.jsonpath import Path

__all__ = [
    "PROBLEM_NOT_IN_RESULT",
    "PROBLEM_UNREADABLE",
    "Citation",
    "FieldRow",
    "JobHealth",
    "extraction_target",
    "field_rows",
    "field_rows_and_errors",
    "fields_on_page",
    "gc_paused",
    "item_count",
    "iter_field_rows",
    "job_health",
    "json_type",
    "metadata_errors",
    "metadata_for",
    "row_to_json",
]

_CONTAINERS = (dict, list)
_ENTRY_KEYS = frozenset(
    {"confidence", "extraction_confidence", "parsing_confidence", "reasoning", "citation",
     "citations", "error"}
)  # fmt: skip
_NO = object()


def _is_entry(m: dict[str, Any]) -> bool:
    """Whether a metadata dict is a leaf entry rather than a mapping of sub-fields."""
    for k in ("confidence", "extraction_confidence", "parsing_confidence"):
        v = m.get(k, _NO)
        if v is not _NO and type(v) not in _CONTAINERS:
            return True
    for k in ("citation", "citations"):
        v = m.get(k, _NO)
        if v is _NO:
            continue
        if v is None or (type(v) is list and not v):
            return True
        if type(v) is list and type(v[0]) is dict:
            # a list of entries would be metadata of an array field *named* "citation"
            first = v[0]
            return "confidence" not in first and "extraction_confidence" not in first
    return False


def _error_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    try:
        return json.dumps(v, ensure_ascii=False, default=repr)[:500]
    except (ValueError, TypeError, RecursionError):  # e.g. an int too long for str()
        return f"<{json_type(v)}>"


# Frame modes: how a container's children find their metadata.
_NONE, _BY_KEY, _BY_INDEX, _BY_STR_INDEX = 0, 1, 2, 3


def _open(value: Any, meta: Any, path: Path, inh: Any, reason: str | None, errors: Any) -> tuple:
    """Make a walk frame for a non-empty container and the metadata found at its path."""
    mode = _NONE
    tm = type(meta)
    if tm is dict:
        if _is_entry(meta):
            inh = meta
            if "error" in meta and errors is not None:
                errors.append((path, _error_text(meta["error"])))
            subs = {
                k: v for k, v in meta.items() if type(v) in _CONTAINERS and k not in _ENTRY_KEYS
            }
            meta = subs
            if subs and type(value) is dict:
                mode = _BY_KEY
        else:
            # "reasoning" text beside sub-fields is inherited by them; an "error" key is a
            # message about the mapping unless the result really has a field called "error"
            r = meta.get("reasoning")
            err = "error" in meta and not (type(value) is dict and "error" in value)
            if isinstance(r, str) or err:
                meta = dict(meta)
                if isinstance(r, str):
                    reason = r
                    del meta["reasoning"]
                if err:
                    if errors is not None:
                        errors.append((path, _error_text(meta["error"])))
                    del meta["error"]
            mode = _BY_KEY if type(value) is dict else _BY_STR_INDEX
    elif tm is list:
        mode = _BY_INDEX if type(value) is list else _NONE
    elif meta is not None:
        inh = meta  # a scalar where a container is: leaves below report it as unreadable
    items = iter(value.items()) if type(value) is dict else enumerate(value)
    return (items, path, meta, mode, inh, reason, value)


def _odd_leaf(
    path: Path, value: Any, m: Any, inh: Any, reason: str | None, idx: int | None, errors: Any
) -> list[FieldRow]:
    """Rows for a leaf whose metadata is not a plain entry (rare; kept off the hot path)."""
    if m is None:  # only reached with a non-entry inherited value
        return [FieldRow(path, value, None, inh, idx, True, False, reason, [PROBLEM_UNREADABLE])]
    if type(m) is dict and _is_entry(m):
        e = m.get("error")
        if errors is not None:
            errors.append((path, _error_text(e)))
        probs = [f"metadata error: {_error_text(e)}"]
        return [FieldRow(path, value, m, m, idx, True, False, reason, probs)]
    if type(m) in _CONTAINERS:
        # metadata shaped for children this value does not have (e.g. a null object)
        entry = inh if type(inh) is dict else None
        row = FieldRow(path, value, entry, m, idx, True, entry is not None, reason)
        return [row, *_orphans(m, path, idx, errors)]
    return [FieldRow(path, value, None, m, idx, True, False, reason, [PROBLEM_UNREADABLE])]


def _orphans(meta: Any, path: Path, idx: int | None, errors: Any) -> Iterator[FieldRow]:
    """Rows for metadata found under a path the result does not have."""
    stack = [(path, meta)]
    while stack:
        p, m = stack.pop()
        tm = type(m)
        if tm is dict and _is_entry(m):
            probs = [PROBLEM_NOT_IN_RESULT]
            if "error" in m:
                probs.append(f"metadata error: {_error_text(m['error'])}")
                if errors is not None:
                    errors.append((p, _error_text(m["error"])))
            yield FieldRow(p, None, m, m, idx, False, False, None, probs)
        elif tm is dict:
            kids = []
            for k, v in m.items():
                if k == "reasoning" and isinstance(v, str):
                    continue
                if k == "error" and not (type(v) is dict and _is_entry(v)):
                    if errors is not None:
                        errors.append((p, _error_text(v)))
                    continue
                kids.append(((*p, k), v))
            stack.extend(reversed(kids))
        elif tm is list:
            stack.extend(((*p, i), m[i]) for i in range(len(m) - 1, -1, -1))
        elif m is not None:
            yield FieldRow(p, None, None, m, idx, False, False, None, [PROBLEM_NOT_IN_RESULT])


def _frame_orphans(frame: tuple, idx: int | None, errors: Any) -> Iterator[FieldRow]:
    _, path, meta, mode, _, _, value = frame
    if mode == _BY_KEY:
        for k, v in meta.items():
            if k not in value:
                yield from _orphans(v, (*path, k), idx, errors)
    elif mode == _BY_INDEX:
        for i in range(len(value), len(meta)):
            yield from _orphans(meta[i], (*path, i), idx, errors)
    elif mode == _BY_STR_INDEX:
        n = len(value)
        for k, v in meta.items():
            if k.isascii() and k.isdigit():
                if int(k) >= n:
                    yield from _orphans(v, (*path, int(k)), idx, errors)
            else:
                yield from _orphans(v, (*path, k), idx, errors)


def _walk(value: Any, meta: Any, path: Path, idx: int | None, errors: Any) -> Iterator[FieldRow]:
    """Yield the rows of one result value walked beside its metadata, in document order."""
    if type(value) not in _CONTAINERS or not value:
        if meta is None:
            yield FieldRow(path, value, None, None, idx)
        elif type(meta) is dict and _is_entry(meta) and "error" not in meta:
            yield FieldRow(path, value, meta, meta, idx)
        else:
            yield from _odd_leaf(path, value, meta, None, None, idx, errors)
        return
    stack = [_open(value, meta, path, None, None, errors)]
    while stack:
        frame = stack[-1]
        items, ppath, pmeta, mode, inh, reason, _ = frame
        for key, child in items:
            cpath = ppath + (key,)  # noqa: RUF005 - twice as fast as (*ppath, key)
            if mode == _NONE:
                m = None
            elif mode == _BY_KEY:
                m = pmeta.get(key)
            elif mode == _BY_INDEX:
                m = pmeta[key] if key < len(pmeta) else None
            else:
                m = pmeta.get(str(key))
            tc = type(child)
            if (tc is dict or tc is list) and child:
                stack.append(_open(child, m, cpath, inh, reason, errors))
                break
            if m is None:
                if inh is None:
                    yield FieldRow(cpath, child, None, None, idx, True, False, reason)
                elif type(inh) is dict:
                    yield FieldRow(cpath, child, inh, inh, idx, True, True, reason)
                else:
                    yield from _odd_leaf(cpath, child, None, inh, reason, idx, errors)
            elif (
                type(m) is dict
                and (type(m.get("confidence")) is float or _is_entry(m))
                and "error" not in m
            ):  # the float test is the common case, spelled out to skip a call
                yield FieldRow(cpath, child, m, m, idx, True, False, reason)
            else:
                yield from _odd_leaf(cpath, child, m, inh, reason, idx, errors)
        else:
            stack.pop()
            if mode != _NONE:
                yield from _frame_orphans(frame, idx, errors)


def _field_metadata(job: Any) -> dict[str, Any] | None:
    if not isinstance(job, dict):
        return None
    em = job.get("extract_metadata")
    if not isinstance(em, dict):
        return None
    fm = em.get("field_metadata")
    if isinstance(fm, dict):
        return fm
    # tolerate the mappings sitting directly in extract_metadata
    if any(k in em for k in ("document_metadata", "page_metadata", "row_metadata")):
        return em
    return None


def extraction_target(job: Any) -> str:
    """Return ``configuration.extraction_target``, or infer it from the result's shape."""
    if not isinstance(job, dict):
        return "per_doc"
    conf = job.get("configuration")
    if isinstance(conf, dict):
        t = conf.get("extraction_target")
        if isinstance(t, str) and t:
            return t
    fm = _field_metadata(job) or {}
    rows, pages = fm.get("row_metadata"), fm.get("page_metadata")
    result = job.get("extract_result")
    if isinstance(result, list):
        if isinstance(rows, list):
            return "per_table_row"
        return "per_page" if isinstance(pages, list) else "per_table_row"
    if result is None:
        if isinstance(rows, list) and rows:
            return "per_table_row"
        if isinstance(pages, list) and pages:
            return "per_page"
    return "per_doc"


def _root_metadata(job: Any, result: Any) -> Any:
    fm = _field_metadata(job)
    if fm is None:
        return None
    if not isinstance(result, list):
        return fm.get("document_metadata")
    if extraction_target(job) == "per_page":
        order = ("page_metadata", "row_metadata", "document_metadata")
    else:
        order = ("row_metadata", "page_metadata", "document_metadata")
    lists = [fm[k] for k in order if isinstance(fm.get(k), list)]
    for m in lists:
        if m:
            return m
    return lists[0] if lists else None


def item_count(job: Any) -> int | None:
    """Number of result items for list results; ``None`` for per_doc or no result."""
    result = job.get("extract_result") if isinstance(job, dict) else None
    return len(result) if isinstance(result, list) else None


def _iter(job: Any, start: int, stop: int | None, errors: Any) -> Iterator[FieldRow]:
    if not isinstance(job, dict):
        return
    result = job.get("extract_result")
    if result is None:
        return
    meta = _root_metadata(job, result)
    if not isinstance(result, list):
        yield from _walk(result, meta, (), None, errors)
        return
    n = len(result)
    metas = meta if isinstance(meta, list) else []
    end = max(n, len(metas)) if stop is None else min(stop, max(n, len(metas)))
    for i in range(max(start, 0), end):
        m = metas[i] if i < len(metas) else None
        if i < n:
            yield from _walk(result[i], m, (i,), i, errors)
        else:
            yield from _orphans(m, (i,), i, errors)


def iter_field_rows(job: Any, *, start: int = 0, stop: int | None = None) -> Iterator[FieldRow]:
    """Lazily yield the field rows of a job, in document order.

    For list results ``start``/``stop`` select result items by index, so a UI can flatten
    only the rows it shows. Metadata items beyond the result come last, as absent rows.
    """
    return _iter(job, start, stop, None)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects.

    Every row built stays alive, so the collector's passes over the growing heap are pure
    overhead: they made flattening 1M fields ~3x slower. Refcounting still frees memory.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def field_rows(job: Any, *, check_schema: bool = False) -> list[FieldRow]:
    """Return all field rows of a job; with ``check_schema`` attach schema problems per path."""
    with gc_paused():
        rows = list(_iter(job, 0, None, None))
    if check_schema and isinstance(job, dict):
        # imported here: jsonschema is slow to load, and most callers never check
        from explorer.core.schema_check import attach_problems, check_job

        rows = attach_problems(rows, check_job(job).problems, job.get("extract_result"))
    return rows


def field_rows_and_errors(
    job: Any, progress: Callable[[int], None] | None = None
) -> tuple[list[FieldRow], list[tuple[Path, str]]]:
    """:func:`field_rows` and :func:`metadata_errors` in one walk over the job.

    ``progress(items)`` is called now and then with the result items walked so far.
    """
    errors: list[tuple[Path, str]] = []
    with gc_paused():
        if progress is None:
            return list(_iter(job, 0, None, errors)), errors
        rows: list[FieldRow] = []
        append = rows.append
        for row in _iter(job, 0, None, errors):
            append(row)
            if not len(rows) & 8191:
                progress(row.item_index or 0)
    return rows, errors


def metadata_errors(job: Any) -> list[tuple[Path, str]]:
    """Return ``(path, message)`` for every ``error`` key found in the field metadata."""
    errors: list[tuple[Path, str]] = []
    for _ in _iter(job, 0, None, errors):
        pass
    return errors


def metadata_for(job: Any, path: Path) -> dict[str, Any] | None:
    """Return the metadata entry that applies to a result path, or ``None``.

    Follows the same matching as the rows: an entry given for an enclosing container (a whole
    array of scalars) applies to the leaves below it.
    """
    if not isinstance(job, dict):
        return None
    result = job.get("extract_result")
    m = _root_metadata(job, result)
    parts = tuple(path)
    if isinstance(result, list):
        if not parts or type(parts[0]) is not int:
            return None
        m = m[parts[0]] if isinstance(m, list) and -len(m) <= parts[0] < len(m) else None
        parts = parts[1:]
    inh: dict[str, Any] | None = None
    for part in parts:
        if type(m) is dict:
            if _is_entry(m):
                inh = m
                nxt = m.get(part) if isinstance(part, str) and part not in _ENTRY_KEYS else None
                m = nxt if type(nxt) in _CONTAINERS else None
            else:
                key = part if isinstance(part, str) else str(part)
                m = m.get(key)
        elif type(m) is list and type(part) is int:
            m = m[part] if 0 <= part < len(m) else None
        else:
            m = None
    if type(m) is dict and _is_entry(m):
        return m
    return inh


class JobHealth(NamedTuple):
    """Summary of a job's fields for the overview."""

    fields: int
    """Rows whose value is in the result."""
    mean_confidence: float | None
    lowest: tuple[Path, float] | None
    """Path and confidence of the least confident field."""
    share_cited: float | None
    """Share (0..1) of fields with at least one citation."""
    problem_count: int


def job_health(rows: Iterable[FieldRow]) -> JobHealth:
    """Summarise rows: field count, mean/lowest confidence, share cited, problems."""
    fields = cited = problems = n_conf = 0
    total = 0.0
    lowest: tuple[Path, float] | None = None
    for r in rows:
        p = r._problems
        if p:
            problems += len(p)
        if not r.in_result or (type(r.value) in _CONTAINERS and r.value):
            continue  # not a field value: metadata only, or a container a problem is about
        fields += 1
        if r.meta is None:
            continue
        if r.has_citation:
            cited += 1
        c = r.confidence
        if c is not None:
            n_conf += 1
            total += c
            if lowest is None or c < lowest[1]:
                lowest = (r.path, c)
    mean = total / n_conf if n_conf and math.isfinite(total) else None
    share = cited / fields if fields else None
    return JobHealth(fields, mean, lowest, share, problems)


def fields_on_page(rows: Iterable[FieldRow], page: int) -> list[FieldRow]:
    """Return the rows with a citation on ``page`` (numbered as the API numbers pages)."""
    return [r for r in rows if r.meta is not None and any(c.page == page for c in r.citations)]

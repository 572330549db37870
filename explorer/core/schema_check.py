"""Check ``extract_result`` against ``configuration.data_schema`` (JSON Schema).

The dialect comes from ``$schema`` (default Draft 2020-12) and formats are checked. A list
result (per_page, per_table_row) is checked item by item against the schema, paths starting
with the item index, unless the schema itself describes an array.

Decisions:
- A required field that came back ``null`` is its own kind, ``null_required``, even when the
  schema allows null (the model found nothing) and replaces the ``type``/``enum`` complaint
  about that null, so one cause gives one problem.
- The seed example's ``{"foo": {"foo": "bar"}}`` is a valid 2020-12 schema (unknown keywords
  are ignored) that constrains nothing: the check passes with a warning saying so.
- Remote ``$ref`` are never fetched; failures of the schema machinery (``$ref`` loops, bad
  references, runaway recursion) become ``error``, never an exception.
- Patterns are matched with RE2 in bounded time (:mod:`explorer.core.safe_regex`); one that
  cannot be checked safely is a warning ("pattern ... not checked") and ``unchecked`` counts
  the values concerned, never a hang nor a guessed problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import referencing
import referencing.exceptions
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import SchemaError

from explorer.core import schema_keywords as keywords
from explorer.core.field_row import FieldRow, json_type
from explorer.core.jsonpath import Path, format_path, get_at
from explorer.core.sanitize import scalar_text
from explorer.core.schema_fast import row_prefilter

__all__ = [
    "KINDS",
    "CheckResult",
    "SchemaProblem",
    "attach_problems",
    "check_job",
    "check_result",
]

KINDS = ("type", "required", "enum", "pattern", "format", "additional", "null_required", "other")
_MAX_VALUE = 80
_MAX_MESSAGE = 300
_KIND_BY_KEYWORD = {
    "type": "type",
    "enum": "enum",
    "const": "enum",
    "pattern": "pattern",
    "format": "format",
    "additionalProperties": "additional",
    "unevaluatedProperties": "additional",
}


@dataclass(slots=True, frozen=True)
class SchemaProblem:
    """One place where the result does not fit the schema."""

    path: Path
    path_str: str
    kind: str
    """One of :data:`KINDS`."""
    message: str


@dataclass(slots=True)
class CheckResult:
    """Outcome of a check: ``error`` when it could not run, else the problems (maybe none)."""

    problems: list[SchemaProblem] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: Values not checked against a pattern that could not be run safely (see warnings).
    unchecked: int = 0

    @property
    def exit_code(self) -> int:
        """CLI convention: 2 could not check, 1 problems found, 0 clean."""
        if self.error is not None:
            return 2
        return 1 if self.problems else 0


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _exc_text(exc: BaseException) -> str:
    """An exception as text; its own __str__ may fail (repr of an int over 4300 digits)."""
    try:
        return _clip(f"{type(exc).__name__}: {exc}", _MAX_MESSAGE)
    except Exception:
        return type(exc).__name__


def _json_text(v: Any) -> str:
    """Compact JSON-ish text of a value for a message, long strings cut with an ellipsis.

    Strings keep JSON's quoting and escapes (a message quotes the value it is about); numbers,
    booleans and null read as everywhere else (:func:`~explorer.core.sanitize.scalar_text`).
    """
    if isinstance(v, str):
        if len(v) > _MAX_VALUE:
            return json.dumps(v[:_MAX_VALUE], ensure_ascii=False)[:-1] + '…"'
        return json.dumps(v, ensure_ascii=False)
    if v is None or isinstance(v, bool | int | float):
        return scalar_text(v, _MAX_VALUE)[0]
    try:
        text = json.dumps(v, ensure_ascii=False, separators=(",", ":"), default=str)
    except (ValueError, TypeError, RecursionError):
        text = f"<{type(v).__name__}>"
    return _clip(text, _MAX_VALUE)


def _got(v: Any) -> str:
    name = json_type(v)
    if isinstance(v, dict | list) or v is None:
        return name
    return f"{name} {_json_text(v)}"


def _or_list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def _expected_types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t if isinstance(t, str) else _json_text(t) for t in value]
    return [_json_text(value)]


def _required(validator: Any, required: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """``required``, plus a ``null_required`` error for required fields that are null."""
    if not validator.is_type(instance, "object") or not isinstance(required, list):
        return
    for prop in required:
        if not isinstance(prop, str):
            continue
        if prop not in instance:
            err = ValidationError(f"required field {_json_text(prop)} is missing", path=(prop,))
            err.explorer_kind = "required"  # type: ignore[attr-defined]
            yield err
        elif instance[prop] is None:
            err = ValidationError(f"required field {_json_text(prop)} is null", path=(prop,))
            err.explorer_kind = "null_required"  # type: ignore[attr-defined]
            yield err


_EXTENDED: dict[type, type] = {}


def _validator_class(schema: Any) -> type:
    try:
        base = validators.validator_for(schema, default=Draft202012Validator)
    except Exception:  # a $schema that is not even hashable: let check_schema complain
        base = Draft202012Validator
    ext = _EXTENDED.get(base)
    if ext is None:
        # Draft 3 spells required differently; every draft gets the RE2 pattern keywords
        extra = {"required": _required} if "required" in base.VALIDATORS else {}
        ext = keywords.with_safe_regex(base, extra)
        _EXTENDED[base] = ext
    return ext


def _extras(err: Any) -> list[str] | None:
    """Names of properties an ``additionalProperties: false`` rejected, when we can tell."""
    schema, instance = err.schema, err.instance
    if not isinstance(schema, dict) or not isinstance(instance, dict):
        return None
    return keywords.names_not_matched(instance, schema)


def _describe(err: Any, prefix: Path) -> list[SchemaProblem]:
    """Turn one jsonschema error into problems with a kind and a readable message."""
    path = prefix + tuple(err.absolute_path)
    kw = err.validator
    kind = getattr(err, "explorer_kind", None) or _KIND_BY_KEYWORD.get(kw, "other")
    inst = err.instance
    if kind in ("required", "null_required"):
        msg = err.message
    elif kw == "type":
        msg = f"expected {_or_list(_expected_types(err.validator_value))}, got {_got(inst)}"
    elif kw == "enum":
        choices = err.validator_value
        shown = _json_text(choices) if isinstance(choices, list) else _json_text([choices])
        msg = f"{_json_text(inst)} is not one of {shown}"
    elif kw == "const":
        msg = f"expected {_json_text(err.validator_value)}, got {_json_text(inst)}"
    elif kw == "pattern":
        msg = f"{_json_text(inst)} does not match the pattern {_json_text(err.validator_value)}"
    elif kw == "format":
        msg = f"{_json_text(inst)} is not a valid {_clip(str(err.validator_value), 40)}"
    elif kw == "additionalProperties":
        extras = _extras(err)
        if extras:
            return [
                SchemaProblem(
                    (*path, k),
                    format_path((*path, k)),
                    "additional",
                    f"field {_json_text(k)} is not allowed by the schema",
                )
                for k in extras
            ]
        msg = _clip(err.message, _MAX_MESSAGE)
    elif (
        kw in ("anyOf", "oneOf")
        and err.context
        and all(c.validator == "type" and not c.relative_path for c in err.context)
    ):
        # the usual nullable spelling, anyOf [{type: string}, {type: null}]: say it plainly
        names: list[str] = []
        for c in err.context:
            names.extend(n for n in _expected_types(c.validator_value) if n not in names)
        kind, msg = "type", f"expected {_or_list(names)}, got {_got(inst)}"
    elif kw is None and err.schema is False:
        msg = f"{_got(inst)} is not allowed here (the schema is false)"
    else:
        msg = _clip(err.message, _MAX_MESSAGE)
    return [SchemaProblem(path, format_path(path), kind, msg)]


def _check_one(validator: Any, instance: Any, prefix: Path, out: list[SchemaProblem]) -> None:
    problems: list[SchemaProblem] = []
    for err in validator.iter_errors(instance):
        problems.extend(_describe(err, prefix))
    nulls = {p.path for p in problems if p.kind == "null_required"}
    if nulls:
        problems = [
            p for p in problems if p.kind == "null_required" or p.path not in nulls
        ]  # the null itself is the one cause
    out.extend(problems)


def _constrains_nothing(schema: Any, cls: type) -> str | None:
    if not isinstance(schema, dict):
        return None
    if any(k in cls.VALIDATORS for k in schema):
        return None
    if not schema:
        return "the data_schema is empty, so any result passes"
    words = ", ".join(sorted(_clip(str(k), 40) for k in schema)[:10])
    return f"the data_schema has no JSON Schema validation keywords ({words}), so any result passes"


def _is_array_schema(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    t = schema.get("type")
    if t == "array":
        return True
    if isinstance(t, list) and "array" in t and "object" not in t:
        return True
    return t is None and ("items" in schema or "prefixItems" in schema)


def check_result(
    result: Any, schema: Any, progress: Callable[[int], None] | None = None
) -> CheckResult:
    """Check a result value against a JSON Schema; list results are checked per item
    (``progress(items)`` called now and then with the items checked so far)."""
    if result is None:
        return CheckResult(error="there is no result to check")
    try:
        cls = _validator_class(schema)
        cls.check_schema(schema)
    except SchemaError as exc:
        where = tuple(exc.absolute_path)
        detail = _clip(exc.message, _MAX_MESSAGE) + (f" (at {format_path(where)})" if where else "")
        return CheckResult(error=f"the data_schema is not a valid JSON Schema: {detail}")
    except Exception as exc:  # hostile schemas can break the meta-check itself
        detail = _exc_text(exc)
        return CheckResult(error=f"the data_schema could not be checked: {detail}")
    out = CheckResult()
    note = _constrains_nothing(schema, cls)
    if note:
        out.warnings.append(note)
    try:
        # an empty registry: a remote $ref must fail, not be fetched from the network
        validator = cls(schema, registry=referencing.Registry(), format_checker=cls.FORMAT_CHECKER)
        with keywords.checking(schema) as budget:
            if isinstance(result, list) and not _is_array_schema(schema):
                # rows a flat schema certainly accepts skip jsonschema's machinery
                fine = row_prefilter(schema)
                for i, item in enumerate(result):
                    if fine is None or not fine(item):
                        _check_one(validator, item, (i,), out.problems)
                    if progress is not None and not i & 4095:
                        progress(i)
            else:
                _check_one(validator, result, (), out.problems)
            out.unchecked = budget.skipped
            out.warnings += keywords.unchecked_warnings(budget)
    except RecursionError:
        out.error = "the check ran too deep (a $ref loop or a very deeply nested result?)"
    except referencing.exceptions.Unresolvable as exc:
        detail = _exc_text(exc)
        out.error = f"a $ref in the data_schema cannot be resolved (nothing is fetched): {detail}"
    except Exception as exc:
        detail = _exc_text(exc)
        out.error = f"the schema check failed: {detail}"
    return out


def check_job(job: Any, progress: Callable[[int], None] | None = None) -> CheckResult:
    """Check a job's ``extract_result`` against its ``configuration.data_schema``.

    ``error`` is set when there is nothing to check against (no schema, configuration not
    expanded), the schema is invalid, or the job has no result yet.
    """
    if not isinstance(job, dict):
        return CheckResult(error="not a job (expected a JSON object)")
    conf = job.get("configuration")
    if not isinstance(conf, dict) or "data_schema" not in conf:
        hint = ""
        if isinstance(job.get("configuration_id"), str):
            hint = " (fetch the job with expand=configuration to get it)"
        return CheckResult(error=f"the job has no data_schema to check against{hint}")
    schema = conf["data_schema"]
    if job.get("extract_result") is None:
        status = job.get("status")
        text = status if isinstance(status, str) else _json_text(status)
        shown = f" (status {_clip(text, 40)})" if status is not None else ""
        return CheckResult(error=f"there is no result to check{shown}")
    return check_result(job["extract_result"], schema, progress)


def attach_problems(
    rows: list[FieldRow], problems: Iterable[SchemaProblem], result: Any = None
) -> list[FieldRow]:
    """Add schema problems to the rows with their path; return the rows (maybe extended).

    A problem whose path has no row gets one: a ``missing`` row for a field absent from the
    result (placed after its parent's fields), or a row holding the container it is about
    (placed before the container's fields; its value is taken from ``result``).
    """
    by_path = {r.path: r for r in rows}
    extra: dict[Path, list[str]] = {}
    for prob in problems:
        row = by_path.get(prob.path)
        if row is not None:
            row.problems.append(prob.message)
        else:
            extra.setdefault(prob.path, []).append(prob.message)
    if not extra:
        return rows
    wanted = set(extra) | {p[:-1] for p in extra if p}
    first: dict[Path, int] = {}
    last: dict[Path, int] = {}
    for i, r in enumerate(rows):
        p = r.path
        for d in range(len(p) + 1):
            pre = p[:d]
            if pre in wanted:
                first.setdefault(pre, i)
                last[pre] = i
    inserts: list[tuple[int, int, FieldRow]] = []
    for seq, (path, msgs) in enumerate(extra.items()):
        idx = path[0] if path and type(path[0]) is int else None
        if path in first:  # a container in the result: the problem is about all of it
            value = get_at(result, path, None)
            row = FieldRow(path, value, None, None, idx, True, False, None, msgs)
            inserts.append((first[path], seq, row))
        else:
            row = FieldRow(path, None, None, None, idx, False, False, None, msgs)
            pos = last[path[:-1]] + 1 if path and path[:-1] in last else len(rows)
            inserts.append((pos, seq, row))
    inserts.sort(key=lambda t: (t[0], t[1]))
    out: list[FieldRow] = []
    prev = 0
    for pos, _, row in inserts:
        out.extend(rows[prev:pos])
        out.append(row)
        prev = pos
    out.extend(rows[prev:])
    return out

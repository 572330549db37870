"""The official SDK (`llama-cloud`) as the judge of what the API sends: strict checks of JSON.

The SDK's pydantic models are lenient (`extra="allow"`, lax coercion, and the client builds them
without validating at all), so "the SDK can read it" says little. `problems()` says more:

1. `Model.model_validate(data)` must succeed (a missing required field, a wrong type, an enum or
   Literal value the SDK doesn't know are all errors here);
2. the data must validate in pydantic's *strict* JSON mode too: a value that passed only by lax
   coercion (`"1"` for an int, `0` for a bool, a number for a datetime) is reported;
3. every key of the raw JSON must be one the model declares (aliases respected), walking nested
   models, lists and dicts of models alongside the *validated instance*, so for a union the member
   the value actually became is the one that judges it;
4. a value that fits only a union's catch-all member (a string outside `Literal[...] | str`, a
   plain object where the union offers models) is reported as a fallback.

Free-form payloads are exempt: `extract_result`, `data_schema`, `field_metadata` (and everything
under them), and anything typed `object`, `Any` or `Dict[str, object]`.

`strip_undeclared()` uses the same walk to drop what the SDK doesn't declare (the strict twin), and
`ENDPOINTS` / `model_for()` say which SDK model answers which route (read from the SDK's
`resources/*.py`: `cast_to=`, `page=`, `model=`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pydantic
from llama_cloud.pagination import SyncPaginatedCursor
from llama_cloud.types import (
    ConfigurationCreate,
    ConfigurationResponse,
    ExtractV2Job,
    ExtractV2JobQueryResponse,
    ExtractV2SchemaValidateResponse,
    FileListResponse,
    FileRetrieveResponse,
    ParsingGetResponse,
    PresignedURL,
    V2ProjectGetResponse,
    V2ProjectListResponse,
)

__all__ = [
    "ENDPOINTS",
    "EXEMPT_FIELDS",
    "ContractError",
    "ModelType",
    "assert_declared",
    "model_for",
    "normalise",
    "problems",
    "strip_undeclared",
    "summarise",
]

# fields whose whole subtree is the user's data (or the service's free-form metadata)
EXEMPT_FIELDS = frozenset({"extract_result", "data_schema", "field_metadata"})

ModelType = type[pydantic.BaseModel]


class ContractError(AssertionError):
    """Raised by `assert_declared`: the JSON is not what the SDK's model declares."""

    def __init__(self, model: ModelType, found: list[str], context: str = "") -> None:
        self.model = model
        self.problems = found
        where = f" ({context})" if context else ""
        lines = "\n".join(f"  {p}" for p in found)
        super().__init__(f"{len(found)} problem(s) against {_name(model)}{where}:\n{lines}")


# --- the public helpers ----------------------------------------------------------------------


def problems(data: Any, model: ModelType) -> list[str]:
    """Everything about `data` the SDK's `model` doesn't vouch for, as `"<path>: <what>"` lines.

    Paths start at the document root, e.g. `".items[3].configuration.lang: not declared by
    ExtractConfiguration"`. An empty list means the model validates `data` strictly, declares every
    key, and no value needed a fallback.
    """
    found: list[str] = []
    instance: Any = None
    try:
        instance = model.model_validate(data)
    except pydantic.ValidationError as exc:
        found.extend(_format_errors(exc.errors(include_url=False), "invalid"))
    else:
        found.extend(_strict_problems(data, model))
    walker = _Walker(found, strip=False)
    walker.walk(data, instance, model, "")
    return found


def assert_declared(data: Any, model: ModelType, context: str = "") -> Any:
    """Validate `data` as `model` strictly (see `problems`); raise `ContractError` listing all.

    Returns the validated instance, so a test can go on to check values.
    """
    found = problems(data, model)
    if found:
        raise ContractError(model, found, context)
    return model.model_validate(data)


def strip_undeclared(data: Any, model: ModelType, removed: list[str] | None = None) -> Any:
    """A copy of `data` without the keys `model` doesn't declare (free-form payloads kept whole).

    Works on data the model rejects too (best effort: union members are then picked by trying
    each), so a strict twin can pass an invalid response on, minus its extras. With `removed`,
    appends a `"<path>: not declared by <Model>"` line for every key dropped.
    """
    instance: Any = None
    try:
        instance = model.model_validate(data)
    except pydantic.ValidationError:
        instance = None
    found: list[str] = []
    clean = _Walker(found, strip=True).walk(data, instance, model, "")
    if removed is not None:
        removed.extend(p for p in found if ": not declared by " in p)
    return clean


def normalise(problem: str) -> str:
    """A problem with list indices blanked (`.items[3].x` -> `.items[*].x`), to group repeats."""
    path, sep, rest = problem.partition(": ")
    return re.sub(r"\[\d+\]", "[*]", path) + sep + rest


def summarise(found: Iterable[tuple[str, str]], limit: int = 60) -> str:
    """`(where, problem)` pairs grouped by normalised problem: one line each, with a count and an
    example of where it occurred (`where` is e.g. a job id or a URL)."""
    groups: dict[str, list[str]] = {}
    for where, problem in found:
        groups.setdefault(normalise(problem), []).append(where)
    lines = [
        f"{problem}   [{len(wheres)}x, e.g. {wheres[0]}]"
        for problem, wheres in sorted(groups.items())
    ]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more kinds"]
    return "\n".join(lines)


# --- which model answers which route ---------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One route and the SDK model of its (2xx) JSON response; `model` None = not declared."""

    method: str
    pattern: re.Pattern[str]
    model: ModelType | None
    source: str

    def matches(self, method: str, path: str) -> bool:
        """Whether a request line is this route."""
        return method.upper() == self.method and self.pattern.fullmatch(path) is not None


def _route(method: str, template: str, model: ModelType | None, source: str) -> Endpoint:
    regex = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template))
    return Endpoint(method, re.compile(regex), model, source)


# Order matters: literal paths (`schema/validation`) before `{job_id}`.
ENDPOINTS: tuple[Endpoint, ...] = (
    # extract.list says page=SyncPaginatedCursor[ExtractV2Job]; the API's documented response,
    # ExtractV2JobQueryResponse, is that plus `total_size`, so it is the stricter true judge
    _route("GET", "/api/v2/extract", ExtractV2JobQueryResponse, "extract.list"),
    _route("POST", "/api/v2/extract", ExtractV2Job, "extract.create cast_to"),
    _route(
        "POST",
        "/api/v2/extract/schema/validation",
        ExtractV2SchemaValidateResponse,
        "extract.validate_schema cast_to",
    ),
    _route(
        "POST", "/api/v2/extract/schema/generate", ConfigurationCreate, "extract.generate_schema"
    ),
    _route("GET", "/api/v2/extract/{job_id}", ExtractV2Job, "extract.get cast_to"),
    _route("POST", "/api/v2/extract/{job_id}/cancel", ExtractV2Job, "extract.cancel cast_to"),
    _route("DELETE", "/api/v2/extract/{job_id}", None, "extract.delete cast_to=object"),
    _route(
        "GET",
        "/api/v2/projects",
        SyncPaginatedCursor[V2ProjectListResponse],
        "v2_projects.list page",
    ),
    _route("GET", "/api/v2/projects/{project_id}", V2ProjectGetResponse, "v2_projects.get"),
    _route("GET", "/api/v1/beta/files", SyncPaginatedCursor[FileListResponse], "files.list page"),
    _route("GET", "/api/v1/beta/files/{file_id}", FileRetrieveResponse, "files.retrieve"),
    _route("GET", "/api/v1/beta/files/{file_id}/content", PresignedURL, "files.content"),
    _route(
        "GET",
        "/api/v1/beta/configurations",
        SyncPaginatedCursor[ConfigurationResponse],
        "configurations.list page",
    ),
    _route(
        "GET",
        "/api/v1/beta/configurations/{config_id}",
        ConfigurationResponse,
        "configurations.retrieve",
    ),
    _route("GET", "/api/v2/parse/{job_id}", ParsingGetResponse, "parsing.get cast_to"),
)


def model_for(method: str, path: str) -> ModelType | None:
    """The SDK model of a route's JSON response; None for a route the map doesn't know (or one
    whose response the SDK leaves undeclared, like `DELETE /api/v2/extract/{id}`)."""
    for endpoint in ENDPOINTS:
        if endpoint.matches(method, path):
            return endpoint.model
    return None


# --- the walk --------------------------------------------------------------------------------

_NONE = type(None)


class _Walker:
    """Walks raw JSON, its validated instance and the annotation together.

    Collects problems into `found` (when given) and, with `strip`, returns the raw value minus
    undeclared keys.
    """

    def __init__(self, found: list[str] | None, *, strip: bool) -> None:
        self.found = found
        self.strip = strip

    def report(self, problem: str) -> None:
        if self.found is not None:
            self.found.append(problem)

    def walk(self, raw: Any, inst: Any, ann: Any, path: str) -> Any:
        ann = _unwrap(ann)
        if _free_form(ann):
            return raw
        if _is_union(ann):
            return self._union(raw, inst, ann, path)
        if _is_model(ann):
            if isinstance(raw, dict):
                cls = type(inst) if isinstance(inst, pydantic.BaseModel) else ann
                return self._model(raw, inst if isinstance(inst, cls) else None, cls, path)
            return raw
        origin = typing.get_origin(ann)
        args = typing.get_args(ann)
        if origin in _LIST_ORIGINS and isinstance(raw, list):
            item_ann = args[0] if args else Any
            insts = inst if isinstance(inst, list) and len(inst) == len(raw) else [None] * len(raw)
            return [
                self.walk(r, i, item_ann, f"{path}[{n}]")
                for n, (r, i) in enumerate(zip(raw, insts, strict=True))
            ]
        if origin in _DICT_ORIGINS and isinstance(raw, dict):
            value_ann = args[1] if len(args) == 2 else Any
            if _free_form(_unwrap(value_ann)):
                return raw
            insts = inst if isinstance(inst, dict) else {}
            return {
                k: self.walk(v, insts.get(k), value_ann, _key_path(path, k)) for k, v in raw.items()
            }
        return raw

    def _union(self, raw: Any, inst: Any, ann: Any, path: str) -> Any:
        members = [m for m in (_unwrap(a) for a in typing.get_args(ann)) if m is not _NONE]
        if raw is None:
            return raw
        models = [m for m in members if _is_model(m)]
        literals = [m for m in members if typing.get_origin(m) is typing.Literal]
        if isinstance(raw, str) and literals and str in members:
            known = [v for lit in literals for v in typing.get_args(lit)]
            if raw not in known:
                self.report(
                    f"{path}: {raw!r} is not a value the SDK knows ({', '.join(map(repr, known))})"
                    "; accepted only by the union's plain `str` member"
                )
            return raw
        if isinstance(raw, dict):
            if isinstance(inst, pydantic.BaseModel):
                return self._model(raw, inst, type(inst), path)
            if models:
                picked = _first_valid(models, raw)
                if picked is not None:
                    return self._model(raw, None, picked, path)
                dicts = [m for m in members if typing.get_origin(m) in _DICT_ORIGINS]
                if dicts and inst is not None:
                    names = " | ".join(_name(m) for m in models)
                    self.report(
                        f"{path}: matched none of {names}; accepted only as a free-form object"
                    )
                    return raw
                return self._model(raw, None, _closest(models, raw), path)
            dicts = [m for m in members if typing.get_origin(m) in _DICT_ORIGINS]
            return self.walk(raw, inst, dicts[0], path) if dicts else raw
        if isinstance(raw, list):
            lists = [m for m in members if typing.get_origin(m) in _LIST_ORIGINS]
            return self.walk(raw, inst, lists[0], path) if lists else raw
        return raw

    def _model(
        self, raw: dict[str, Any], inst: pydantic.BaseModel | None, cls: ModelType, path: str
    ) -> dict[str, Any]:
        fields = _fields(cls)
        by_key = {(f.alias or name): (name, f) for name, f in fields.items()}
        out: dict[str, Any] = {}
        for key, value in raw.items():
            entry = by_key.get(key)
            if entry is None:
                note = " (an open object: the SDK keeps it only as an extra)" if _open(cls) else ""
                self.report(f"{_key_path(path, key)}: not declared by {_name(cls)}{note}")
                continue
            name, field = entry
            if name in EXEMPT_FIELDS:
                out[key] = value
                continue
            sub = getattr(inst, name, None) if inst is not None else None
            out[key] = self.walk(value, sub, field.annotation, _key_path(path, key))
        return out if self.strip else raw


_LIST_ORIGINS = (list, tuple, set, frozenset, typing.get_origin(Iterable[int]))
_DICT_ORIGINS = (dict, typing.get_origin(typing.Mapping[str, int]))


_ALIAS_TYPES: tuple[type, ...] = tuple(
    t for t in (getattr(typing, "TypeAliasType", None),) if isinstance(t, type)
)


def _unwrap(ann: Any) -> Any:
    """Strip `Annotated[...]`, type aliases and `Required`-like wrappers."""
    while True:
        if typing.get_origin(ann) is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif _ALIAS_TYPES and isinstance(ann, _ALIAS_TYPES):
            ann = ann.__value__
        else:
            return ann


def _is_union(ann: Any) -> bool:
    origin = typing.get_origin(ann)
    return origin is typing.Union or origin is types.UnionType


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, pydantic.BaseModel)


def _free_form(ann: Any) -> bool:
    """`object`, `Any`, or an unresolved annotation: nothing to check keys against."""
    return ann is object or ann is Any or isinstance(ann, str | typing.ForwardRef)


def _open(cls: ModelType) -> bool:
    """Whether the SDK declares the model open (`__pydantic_extra__: Dict[str, object]`)."""
    return any("__pydantic_extra__" in vars(k).get("__annotations__", {}) for k in cls.__mro__)


@functools.cache
def _fields(cls: ModelType) -> dict[str, Any]:
    """The model's fields with forward references resolved (the SDK defers building them)."""
    fields = cls.model_fields
    if any(isinstance(f.annotation, str | typing.ForwardRef) for f in fields.values()):
        with contextlib.suppress(pydantic.PydanticUndefinedAnnotation, NameError):
            cls.model_rebuild(force=True)
        fields = cls.model_fields
    return dict(fields)


def _first_valid(models: list[ModelType], raw: Any) -> ModelType | None:
    for model in models:
        try:
            model.model_validate(raw)
        except pydantic.ValidationError:
            continue
        return model
    return None


def _closest(models: list[ModelType], raw: dict[str, Any]) -> ModelType:
    """The union member sharing most keys with `raw` (for data no member validates)."""

    def overlap(model: ModelType) -> int:
        keys = {f.alias or n for n, f in _fields(model).items()}
        return len(keys & raw.keys())

    return max(models, key=overlap)


def _name(model: Any) -> str:
    return getattr(model, "__name__", None) or repr(model)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _key_path(path: str, key: object) -> str:
    text = str(key)
    return f"{path}.{text}" if _IDENT.fullmatch(text) else f"{path}[{text!r}]"


def _loc_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path = f"{path}[{part}]" if isinstance(part, int) else _key_path(path, part)
    return path


def _format_errors(errors: list[Any], kind: str) -> list[str]:
    out = []
    prefix = "" if kind == "invalid" else "accepted only by lax coercion: "
    for err in errors:
        shown = repr(err.get("input"))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        out.append(
            f"{_loc_path(tuple(err['loc']))}: {prefix}{err['msg']} [{err['type']}] (got {shown})"
        )
    return out


def _strict_problems(data: Any, model: ModelType) -> list[str]:
    """Errors strict JSON-mode validation finds that lax validation forgave."""
    try:
        raw = json.dumps(data)
    except (TypeError, ValueError):
        return []
    try:
        model.__pydantic_validator__.validate_json(raw, strict=True)
    except pydantic.ValidationError as exc:
        kept = [
            err
            for err in exc.errors(include_url=False)
            if not any(part in EXEMPT_FIELDS for part in err["loc"] if isinstance(part, str))
        ]
        return _format_errors(kept, "coerced")
    return []

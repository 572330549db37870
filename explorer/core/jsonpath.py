"""jq-syntax paths into plain JSON values.

A path is a tuple of object keys (``str``) and array indices (``int``); ``()`` is the root.
``format_path`` writes it the way jq would accept it (``.line_items[2]."unit price"``) and
``parse_path`` reads that back, so a path copied from the UI works with ``jq`` and with ``--path``.
"""

from __future__ import annotations

import json
from typing import Any, Final

__all__ = ["MISSING", "Path", "format_key", "format_path", "get_at", "parse_path"]

Path = tuple[str | int, ...]


class _Missing:
    """Sentinel type for "no value here", distinct from JSON null."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

# Result objects repeat the same few keys on every row; caching the formatted segment keeps
# path formatting cheap. Bounded because hostile data can have a million distinct keys.
_KEY_CACHE: dict[str, str] = {}
_KEY_CACHE_MAX = 4096


def _quote(key: str) -> str:
    text = json.dumps(key, ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # lone surrogates cannot travel as UTF-8: fall back to \\uXXXX escapes
            text = json.dumps(key)
    return text


def format_key(key: str) -> str:
    """Return the jq segment for an object key: ``.name`` or ``."unit price"``."""
    seg = _KEY_CACHE.get(key)
    if seg is not None:
        return seg
    # jq identifiers are ASCII [A-Za-z_][A-Za-z0-9_]*, which is exactly ASCII isidentifier()
    seg = "." + key if key.isascii() and key.isidentifier() else "." + _quote(key)
    if len(_KEY_CACHE) >= _KEY_CACHE_MAX:
        _KEY_CACHE.clear()
    _KEY_CACHE[key] = seg
    return seg


def format_path(path: Path | list[Any]) -> str:
    """Format a path tuple as a jq path: ``("a", 2, "b") -> ".a[2].b"``, ``() -> "."``."""
    parts: list[str] = []
    for part in path:
        if type(part) is int:
            parts.append(f"[{part}]")
        elif isinstance(part, str):
            parts.append(format_key(part))
        else:  # not a JSON path element; show it rather than fail
            parts.append(format_key(str(part)))
    text = "".join(parts)
    if not text:
        return "."
    if text[0] == "[":
        return "." + text
    return text


def _parse_error(text: str, pos: int, what: str) -> ValueError:
    return ValueError(f"invalid path {text!r} at position {pos}: {what}")


def parse_path(text: str) -> tuple[str | int, ...]:
    """Parse a jq-style path back into a tuple; the inverse of :func:`format_path`.

    Accepts ``.``, ``.a.b``, ``.a[2]``, ``.[41].amount``, ``."unit price"``, ``.["a.b"]``,
    ``.[-1]`` and a missing leading dot (``a.b``). Raises ``ValueError`` on bad syntax.
    """
    if not isinstance(text, str):
        raise ValueError("a path must be a string")
    s = text.strip()
    n = len(s)
    i = 0
    out: list[str | int] = []
    decoder = json.JSONDecoder()
    if s and s[0] not in ".[":
        s = "." + s  # be lenient: "vendor.name" means ".vendor.name"
        n += 1
    while i < n:
        c = s[i]
        if c == ".":
            i += 1
            if i >= n:
                break  # "." alone, or a trailing dot
            c = s[i]
            if c == '"':
                try:
                    key, i = decoder.raw_decode(s, i)
                except ValueError as exc:
                    raise _parse_error(text, i, "unterminated or invalid quoted key") from exc
                out.append(key)
                continue
            if c == "[":
                continue  # ".[" handled as a bracket below
            j = i
            while j < n and (s[j].isalnum() or s[j] == "_"):
                j += 1
            if j == i:
                raise _parse_error(text, i, "expected a key, '\"' or '['")
            out.append(s[i:j])
            i = j
        elif c == "[":
            i += 1
            while i < n and s[i] == " ":
                i += 1
            if i < n and s[i] == '"':
                try:
                    key, i = decoder.raw_decode(s, i)
                except ValueError as exc:
                    raise _parse_error(text, i, "invalid quoted key") from exc
                out.append(key)
            else:
                j = i
                if j < n and s[j] == "-":
                    j += 1
                while j < n and s[j].isdigit():
                    j += 1
                digits = s[i:j]
                if not digits or digits == "-":
                    raise _parse_error(text, i, "expected an index or a quoted key")
                out.append(int(digits))
                i = j
            while i < n and s[i] == " ":
                i += 1
            if i >= n or s[i] != "]":
                raise _parse_error(text, i, "expected ']'")
            i += 1
        else:
            raise _parse_error(text, i, f"unexpected {c!r}")
    return tuple(out)


def get_at(value: Any, path: Path | list[Any], default: Any = MISSING) -> Any:
    """Return the value at ``path`` inside ``value``, or ``default`` when it is not there.

    Integer segments index arrays (negative counts from the end, as in jq); string segments
    index objects. Never raises for a path that does not fit the value.
    """
    cur = value
    for part in path:
        if isinstance(cur, dict):
            if not isinstance(part, str) or part not in cur:
                return default
            cur = cur[part]
        elif isinstance(cur, list):
            if type(part) is not int or not -len(cur) <= part < len(cur):
                return default
            cur = cur[part]
        else:
            return default
    return cur

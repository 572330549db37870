"""Cursor pages for the collections around the job (projects, files, configurations).

The same contract as the jobs list: `{"items": [...], "next_page_token": ...}`, no token on the
last page, and a token is an opaque cursor (the sort position of the last item shown), so items
added meanwhile never shift later pages into repeats.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson

from .errors import ApiError, invalid

T = TypeVar("T")


def page_size_of(raw: str | None, default: int, maximum: int) -> int:
    """A `page_size` query value, checked like the service does (422 outside 1..maximum)."""
    if raw is None or raw == "":
        return default
    try:
        size = int(raw)
    except ValueError:
        raise invalid(
            "query", "page_size", "Input should be a valid integer", "int_parsing"
        ) from None
    if not 1 <= size <= maximum:
        raise invalid("query", "page_size", f"Input should be between 1 and {maximum}")
    return size


def _encode(kind: str, position: Any) -> str:
    raw = orjson.dumps(["v1", kind, position])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(kind: str, token: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        version, got_kind, position = orjson.loads(raw)
        if version != "v1" or got_kind != kind:
            raise ValueError(token)
        return tuple(position) if isinstance(position, list) else position
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise ApiError(422, "Invalid page_token") from None


def cursor_page(
    items: Sequence[T],
    key: Callable[[T], Any],
    *,
    kind: str,
    page_size: int,
    page_token: str | None,
) -> tuple[list[T], str | None]:
    """One page of `items` (already sorted by `key`, which must be unique and JSON-able)."""
    after = _decode(kind, page_token) if page_token else None
    start = 0
    if after is not None:
        start = next((i for i, item in enumerate(items) if _pos(key(item)) > after), len(items))
    page = list(items[start : start + page_size])
    more = start + page_size < len(items)
    token = _encode(kind, key(page[-1])) if more and page else None
    return page, token


def _pos(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value

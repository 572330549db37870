"""JSON bytes to Python values: fast with orjson, exact where orjson would not be, and never an
exception other than ``ValueError`` (so one hostile body is a clear "bad response", not a crash).

- Integers past 64 bits (which orjson reads as floats, dropping digits) go to the stdlib parser.
- Integers past Python's 4,300-digit ``int`` limit are kept as their digit string: converting
  them is quadratic (the reason for the limit), and the process-wide limit is not ours to move.
- Nesting deeper than the parsers allow (orjson stops at 1,024 levels, the stdlib at the
  recursion limit) is a ``ValueError`` saying so, not a ``RecursionError``.
"""

from __future__ import annotations

import gc
import json
import re
import sys
from typing import Any

import orjson

__all__ = ["BIG_INT_SCAN_LIMIT", "GC_PAUSE_BYTES", "JsonTooDeepError", "parse_json_bytes"]

#: A number literal too big for 64 bits: orjson reads it as a float (``1e+29``), dropping digits.
_BIG_INT = re.compile(rb"[:\[,]\s*(?:-[0-9]{19}|[0-9]{20})")
_BIG_INT_FIRST = re.compile(rb"\s*(?:-[0-9]{19}|[0-9]{20})")
#: Bodies at least this big are parsed with the garbage collector paused.
GC_PAUSE_BYTES = 1024 * 1024
#: Above this size the scan for big integers is skipped: it costs about half an orjson parse.
BIG_INT_SCAN_LIMIT = 16 * 1024 * 1024


class JsonTooDeepError(ValueError):
    """The JSON nests deeper than the parsers can follow."""


def _int_or_digits(text: str) -> int | str:
    """An integer literal as an ``int``, or as its digits when Python refuses to convert it."""
    try:
        return int(text)
    except ValueError:
        return text


def _max_digits() -> int:
    get = getattr(sys, "get_int_max_str_digits", None)
    return get() if get is not None else 0


def _stdlib(content: bytes) -> Any:
    text = content.decode("utf-8", errors="replace")
    try:
        try:
            return json.loads(text)
        except ValueError as exc:
            if "digits" not in str(exc) or not _max_digits():
                raise
            # an integer past the int limit somewhere: keep such ones as digit strings
            return json.loads(text, parse_int=_int_or_digits)
    except RecursionError:
        raise JsonTooDeepError("JSON nested deeper than about 1,000 levels") from None


def parse_json_bytes(content: bytes) -> Any:
    """Parse JSON fast with orjson, falling back to the stdlib for what orjson refuses
    (NaN/Infinity literals, lone surrogate escapes, huge numbers) or would silently change
    (integers past 64 bits, in bodies up to ``BIG_INT_SCAN_LIMIT``).

    Raises ``ValueError`` (``JsonTooDeepError`` for deep nesting) and nothing else for bad input.
    """
    if len(content) <= BIG_INT_SCAN_LIMIT and (
        _BIG_INT_FIRST.match(content) or _BIG_INT.search(content)
    ):
        return _stdlib(content)
    try:
        if len(content) < GC_PAUSE_BYTES:
            return orjson.loads(content)
        # Building millions of objects triggers the cyclic GC again and again for nothing
        # (JSON has no cycles): pausing it cuts the parse of a big job by about a fifth.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return orjson.loads(content)
        finally:
            if enabled:
                gc.enable()
    except orjson.JSONDecodeError:
        return _stdlib(content)

"""What can be sent in an HTTP header: checked before a request, so a bad key or custom header is
a clear sentence ("contains characters that cannot be sent in an HTTP header") instead of an
encoding traceback or a protocol error that quotes the header, key and all.

Kept free of httpx so settings can use it before anything heavy is imported.
"""

from __future__ import annotations

import re

__all__ = ["bad_header_name", "bad_header_value", "bad_key"]

# RFC 9110 token characters.
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Visible ASCII, spaces and tabs inside (httpx encodes header values as ASCII; h11 refuses
# controls and leading or trailing whitespace).
_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?")
# A key is one token of visible ASCII: a space inside one is certainly a mistake.
_KEY = re.compile(r"[\x21-\x7e]+")


def bad_header_name(name: str) -> bool:
    """Whether ``name`` cannot be an HTTP header name."""
    return _NAME.fullmatch(name) is None


def bad_header_value(value: str) -> bool:
    """Whether ``value`` cannot be sent as an HTTP header value."""
    return _VALUE.fullmatch(value) is None


def bad_key(key: str) -> bool:
    """Whether ``key`` cannot go in ``Authorization: Bearer KEY``."""
    return _KEY.fullmatch(key) is None

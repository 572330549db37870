"""The one place where secrets are redacted, shared by the TUI, the CLI, exports and logs.

The app and the commands register what they learn (the API key, credential-like custom header
values, ``user:pass@`` credentials of a URL) and everything that leaves the process passes
through :func:`redact`: screen text (``safe_text``), command output, export files and the debug
log. A secret is also matched in the forms it takes once something has escaped it: stripped of
surrounding whitespace, ``repr``-escaped (``sk-…\\r``, as httpx's errors quote headers),
JSON-escaped, percent-encoded, and base64 inside ``Basic`` auth.

Redaction is cheap when nothing is registered (one truth test) and costs one ``in`` scan per
distinct form otherwise: ``safe_text`` calls it for every cell it draws.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus, unquote, urlsplit

__all__ = [
    "REDACTED",
    "contains_secret",
    "forget_all",
    "longest",
    "redact",
    "redact_log",
    "register",
    "register_header",
    "register_url_credentials",
]

REDACTED = "<redacted>"
#: Shorter strings are not worth hiding (and hiding them would mangle ordinary text).
MIN_LENGTH = 4
#: Custom header names whose values are credentials.
_SENSITIVE_HEADER = re.compile(r"auth|key|token|secret|cookie|session|passw|credential", re.I)
#: ``Authorization: Bearer …`` / ``authorization='…'`` / ``"Authorization": "Basic …"`` in logs.
_AUTH = re.compile(
    r"((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)((?:bearer|basic)\s+)?[^\s'\",}]+", re.I
)

# Every registered form, longest first (so a longer escaped form is replaced before its core).
_forms: tuple[str, ...] = ()
_longest = 0


def _forms_of(secret: str) -> set[str]:
    """The ways ``secret`` can appear in text once something has quoted or escaped it."""
    forms = {secret, secret.strip()}
    for text in list(forms):
        forms.add(repr(text)[1:-1])  # str repr: \r, \x1b, \\ escaped
        forms.add(repr(text.encode("utf-8", "surrogatepass"))[2:-1])  # bytes repr: \xc3\xa9
        forms.add(json.dumps(text)[1:-1])  # JSON with \uXXXX escapes
        forms.add(json.dumps(text, ensure_ascii=False)[1:-1])
        forms.add(quote(text, safe=""))
        forms.add(quote_plus(text, safe=""))
    return {f for f in forms if len(f) >= MIN_LENGTH}


def _publish(new: set[str]) -> None:
    global _forms, _longest
    merged = set(_forms) | new
    _forms = tuple(sorted(merged, key=len, reverse=True))
    _longest = len(_forms[0]) if _forms else 0


def register(secret: str | None) -> None:
    """Remember a secret (an API key) that must never be shown, written or logged."""
    if not secret or len(secret.strip()) < MIN_LENGTH:
        return
    _publish(_forms_of(secret))


def register_header(name: str, value: str) -> None:
    """Remember a custom header's value if its name says it is a credential."""
    if _SENSITIVE_HEADER.search(name):
        register(value)


def register_url_credentials(url: str) -> None:
    """Remember the ``user:password@`` of a URL (and the password alone), if it has them."""
    try:
        parts = urlsplit(url.strip())
        netloc = parts.netloc
    except ValueError:
        return
    if "@" not in netloc:
        return
    userinfo = netloc.rpartition("@")[0]
    new = _forms_of(userinfo) | _forms_of(unquote(userinfo))
    password = unquote(userinfo).partition(":")[2]
    if password:
        new |= _forms_of(password)
    token = base64.b64encode(unquote(userinfo).encode("utf-8", "surrogatepass")).decode()
    new.add(token)  # what an ``Authorization: Basic`` header would carry
    _publish({f for f in new if len(f) >= MIN_LENGTH})


def forget_all() -> None:
    """Forget every registered secret (a finished command; tests)."""
    global _forms, _longest
    _forms = ()
    _longest = 0


def longest() -> int:
    """Length of the longest registered form (0 when none): how far a cut must look ahead."""
    return _longest


def contains_secret(text: str) -> bool:
    """Whether ``text`` holds any registered secret, in any of its forms."""
    return any(form in text for form in _forms)


def redact(text: str) -> str:
    """``text`` with every registered secret, in every form, replaced by ``<redacted>``."""
    for form in _forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def redact_log(text: str) -> str:
    """:func:`redact`, plus any ``Authorization`` header value (a key never registered)."""
    return _AUTH.sub(rf"\1\2{REDACTED}", redact(text))

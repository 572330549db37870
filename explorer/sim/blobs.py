"""Presigned URLs for the simulator's object store: signed, expiring, key-less.

A token names what it opens (`file:<id>`, `page:<file id>:<n>`, ...) and until when, and carries
an HMAC of both under a secret only this `SimState` knows, so a URL can be handed out and used
without an API key, as an S3 presigned URL is, but can't be forged or stretched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

_SECRET_ATTR = "blob_secret"


def _secret(state: Any) -> bytes:
    secret = getattr(state, _SECRET_ATTR, None)
    if not isinstance(secret, bytes):
        # setdefault: two threads signing at once still agree on one secret
        secret = state.__dict__.setdefault(_SECRET_ATTR, secrets.token_bytes(32))
    return secret


def _sign(state: Any, payload: bytes) -> str:
    return hmac.new(_secret(state), payload, hashlib.sha256).hexdigest()[:40]


def sign_token(state: Any, what: str, expires: float) -> str:
    """A token opening `what` until world time `expires` (relative seconds)."""
    payload = f"{what}|{expires:.3f}".encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(state, payload)}"


def open_token(state: Any, token: str) -> tuple[str, float] | None:
    """(what, expires) of a genuine token, or None for a forged or mangled one."""
    body, dot, mac = token.partition(".")
    if not dot or not body:
        return None
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        what, bar, expires = payload.decode().rpartition("|")
        when = float(expires)
    except (ValueError, UnicodeDecodeError):
        return None
    if not bar or not hmac.compare_digest(mac, _sign(state, payload)):
        return None
    return what, when


def presign(state: Any, what: str, base_url: str, ttl: float) -> tuple[str, str]:
    """A key-less URL for `what` valid for `ttl` seconds, and when it expires (ISO 8601)."""
    expires = round(state.now() + ttl, 3)
    return f"{base_url.rstrip('/')}/blob/{sign_token(state, what, expires)}", state.clock.iso(
        expires
    )

"""Turn any failure into one short sentence for the status line or a toast."""

from __future__ import annotations

from explorer.api.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from explorer.core.sanitize import safe_text


def describe_error(exc: BaseException) -> str:
    """What went wrong, in words a user can act on; never includes the key."""
    if isinstance(exc, AuthError):
        return f"key rejected ({exc.status}): check LLAMA_CLOUD_API_KEY"
    if isinstance(exc, RateLimitedError):
        return "rate limited"
    if isinstance(exc, NotFoundError):
        return "not found (deleted?)"
    if isinstance(exc, ServerError):
        return f"server error {exc.status}"
    if isinstance(exc, NetworkError):
        return "offline"
    if isinstance(exc, BadResponseError):
        return "bad response from the server"
    if isinstance(exc, ApiError):
        return safe_text(str(exc), max_len=160)
    return safe_text(f"{type(exc).__name__}: {exc}", max_len=160)


def retry_after_of(exc: BaseException) -> float | None:
    return exc.retry_after if isinstance(exc, RateLimitedError) else None

"""The error vocabulary, shared by the TUI's status line and toasts and by the CLI.

Every failure becomes one short sentence a user can act on; none ever includes the key.
"""

from __future__ import annotations

from explorer.api.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    BadResponseError,
    ConflictError,
    DeadlineError,
    InsecureTransportError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from explorer.core.sanitize import safe_text

KEY_HINT = "check LLAMA_CLOUD_API_KEY"


def describe_error(exc: BaseException) -> str:
    """A failure in a few words, for the status line and toasts."""
    if isinstance(exc, AuthError):
        return f"key rejected ({exc.status}): {KEY_HINT}"
    if isinstance(exc, RateLimitedError):
        return "rate limited"
    if isinstance(exc, NotFoundError):
        return "not found (deleted?)"
    if isinstance(exc, ServerError):
        return f"server error {exc.status}"
    if isinstance(exc, DeadlineError):
        return "timed out (the server took too long)"
    if isinstance(exc, NetworkError):
        return "offline"
    if isinstance(exc, BadResponseError):
        return "bad response from the server"
    if isinstance(exc, ApiError):
        return safe_text(str(exc), max_len=160)
    return safe_text(f"{type(exc).__name__}: {exc}", max_len=160)


def describe_api_error(exc: ApiError, job_id: str | None = None, *, demo: bool = False) -> str:
    """A failure in a sentence, for the CLI (which has room to say more)."""
    what = f"job {job_id}" if job_id else "the request"
    if isinstance(exc, NotFoundError):
        if job_id is None:
            return f"not found: {exc}"
        hint = " in the embedded simulator (set LLAMA_CLOUD_API_KEY for LlamaCloud)" if demo else ""
        return f"job {job_id} not found{hint}"
    if isinstance(exc, AuthError):
        return f"key rejected ({exc.status}): {KEY_HINT}"
    if isinstance(exc, RateLimitedError):
        after = f"; retry after {exc.retry_after:.0f} s" if exc.retry_after is not None else ""
        return f"rate limited by the server{after}"
    if isinstance(exc, ServerError):
        return f"server error {exc.status} for {what}, after retries: {exc.detail or exc}"
    if isinstance(exc, DeadlineError):
        return f"timed out waiting for {what}: {exc}"
    if isinstance(exc, NetworkError):
        return f"cannot reach the server: {exc}"
    if isinstance(exc, InsecureTransportError):
        return str(exc)
    if isinstance(exc, ConflictError | BadRequestError):
        return f"{exc.detail or exc}"
    if isinstance(exc, BadResponseError):
        return f"bad response from the server: {exc}"
    return str(exc)


def retry_after_of(exc: BaseException) -> float | None:
    """How long the server asked us to wait, when it said."""
    return exc.retry_after if isinstance(exc, RateLimitedError) else None

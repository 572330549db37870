"""Typed errors of the API layer.

Each carries the HTTP status (when there was a response), the API's ``detail`` message and the
request as ``METHOD path`` — never headers, so the API key cannot leak through an error.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of every error the client raises."""

    #: A short label for status lines ("server error", "offline", ...).
    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: str | None = None,
        request: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail
        self.request = request

    def __str__(self) -> str:
        return self.message


class InsecureTransportError(ApiError):
    """Refused to send the key over plain HTTP to a host that is not loopback."""

    kind = "insecure"


class AuthError(ApiError):
    """401 / 403: the key was rejected or has no access."""

    kind = "auth"


class NotFoundError(ApiError):
    """404: the job or project does not exist (or was deleted)."""

    kind = "not found"


class ConflictError(ApiError):
    """409: e.g. cancelling a job that already finished."""

    kind = "conflict"


class BadRequestError(ApiError):
    """400 / 422: the request was rejected as invalid."""

    kind = "bad request"


class RateLimitedError(ApiError):
    """429 after the retries ran out; ``retry_after`` is the server's hint in seconds."""

    kind = "rate limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx after the retries ran out."""

    kind = "server error"


class NetworkError(ApiError):
    """No usable response: connection refused or reset, timeout, body cut off."""

    kind = "offline"


class BadResponseError(ApiError):
    """A response the client could not read: malformed JSON or an unexpected shape."""

    kind = "bad response"


def error_for_status(
    status: int, message: str, *, detail: str | None, request: str, retry_after: float | None
) -> ApiError:
    """Map an HTTP error status to its typed error."""
    kw: dict = {"status": status, "detail": detail, "request": request}
    if status in (401, 403):
        return AuthError(message, **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status == 409:
        return ConflictError(message, **kw)
    if status == 429:
        return RateLimitedError(message, retry_after=retry_after, **kw)
    if status >= 500:
        return ServerError(message, **kw)
    if 400 <= status < 500:
        return BadRequestError(message, **kw)
    return BadResponseError(message, **kw)


class BadHeaderError(ApiError):
    """A custom header that cannot be sent (characters HTTP headers cannot carry)."""

    kind = "bad header"


class BadKeyError(BadHeaderError):
    """An API key that cannot be sent in an HTTP header (control or non-ASCII characters)."""

    kind = "bad key"


class RedirectError(ApiError):
    """A 3xx answer: the explorer does not follow redirects (the key would go with them)."""

    kind = "redirect"


class DeadlineError(NetworkError):
    """No complete response in time: the request's overall deadline (a server trickling
    bytes), or a connect or read timeout."""


class BodyTooLargeError(ApiError):
    """A response body (decompressed) went past the client's size cap; reading stopped."""

    kind = "too large"


class PageLimitError(ApiError):
    """Paging stopped at the page cap: the server kept sending new page tokens."""

    kind = "too many pages"

"""The client's HTTP side: one JSON request with retries, within one request budget.

:class:`JsonTransport` is the base of :class:`explorer.api.client.ExtractClient` (which adds the
endpoints). It holds ``httpx.AsyncClient`` with explicit timeouts and keep-alive that outlives
the refresh interval, the SDK-like retry policy of :mod:`explorer.api.retry`, the budget of
:mod:`explorer.api.budget` (deadlines, body size cap) and typed errors. The API key lives only in
the Authorization header: it is never in ``repr``, logs or error messages, and a key or header
that cannot be sent is refused before any request without being quoted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self
from urllib.parse import urlsplit

import httpx
import orjson

from explorer import __version__
from explorer.api import DEFAULT_BASE_URL
from explorer.api import budget as budget_module
from explorer.api.budget import ERROR_BODY_BYTES, RequestBudget, read_body
from explorer.api.errors import (
    ApiError,
    BadHeaderError,
    BadKeyError,
    BadResponseError,
    DeadlineError,
    InsecureTransportError,
    NetworkError,
    RateLimitedError,
    RedirectError,
    error_for_status,
)
from explorer.api.headers import bad_header_name, bad_header_value, bad_key
from explorer.api.jsonparse import parse_json_bytes
from explorer.api.lazy import loads_job_if_big, loads_page_if_big
from explorer.api.request_log import RequestLog
from explorer.api.retry import RetryPolicy, retry_after_seconds

__all__ = [
    "DEFAULT_TIMEOUT",
    "JsonTransport",
    "RetryEvent",
    "check_transport_security",
    "is_loopback",
]

log = logging.getLogger("explorer.api")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


@dataclass(frozen=True)
class RetryEvent:
    """Told to ``on_retry`` before each wait, so a UI can say "rate limited, next try in 4 s"."""

    request: str
    attempt: int
    delay: float
    status: int | None
    reason: str
    #: The failure being retried (what a UI describes in its own words).
    error: ApiError | None = None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and literal loopback addresses (where plain HTTP cannot be
    sniffed). ``*.localhost`` is not: it is resolved through DNS, which may answer anything."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport_security(base_url: str, allow_insecure: bool = False) -> None:
    """Refuse plain ``http://`` to a non-loopback host unless explicitly allowed, and any URL
    carrying ``user:password@`` credentials (httpx would send them as Basic auth)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https"):
        raise InsecureTransportError(f"unsupported base URL scheme {parts.scheme!r} (use https)")
    if "@" in parts.netloc:
        raise InsecureTransportError(
            "the base URL holds user:password@ credentials: remove them "
            "(the explorer authenticates with the API key only)"
        )
    if parts.scheme == "http" and not allow_insecure and not is_loopback(parts.hostname or ""):
        raise InsecureTransportError(
            f"refusing to send the API key over plain http:// to {parts.hostname}; "
            "use https:// or pass --allow-insecure"
        )


def _detail_of(data: Any) -> str | None:
    """The API's error message from ``{"detail": ...}`` (a string or a list of errors)."""
    if not isinstance(data, dict) or "detail" not in data:
        return None
    detail = data["detail"]
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for item in detail[:5]:
            if isinstance(item, dict):
                loc = ".".join(str(x) for x in item.get("loc", []) if x != "query")
                msg = str(item.get("msg", item))
                parts.append(f"{loc}: {msg}" if loc else msg)
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return json.dumps(detail)[:500]


def _check_headers(api_key: str, headers: Mapping[str, str]) -> None:
    """Refuse, before any request, what cannot be sent in a header (never quoting it)."""
    if bad_key(api_key):
        raise BadKeyError("the API key contains characters that cannot be sent in an HTTP header")
    for name, value in headers.items():
        if bad_header_name(name) or bad_header_value(value):
            shown = name if not bad_header_name(name) else "with an invalid name"
            raise BadHeaderError(
                f"custom header {shown} contains characters that cannot be sent in an HTTP header"
            )


class JsonTransport:
    """JSON over HTTP for one API key and base URL, bounded by a :class:`RequestBudget`."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        allow_insecure: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        budget: RequestBudget | None = None,
    ) -> None:
        base_url = base_url.rstrip("/")
        check_transport_security(base_url, allow_insecure)
        _check_headers(api_key, headers or {})
        self.base_url = base_url
        #: Deadlines, body size cap and page cap (``explorer.api.budget``).
        self.budget = budget or budget_module.DEFAULT_BUDGET
        self.organization_id = organization_id
        self.project_id = project_id
        self.retry = retry or RetryPolicy()
        #: Presigned downloads (documents, page images) go to another host with no key,
        #: through a client of their own (tests may give it a transport).
        self.download_timeout = timeout
        self.download_transport: httpx.AsyncBaseTransport | None = None
        self.on_retry = on_retry
        self._sleep = sleep
        #: Requests sent (attempts included): lets tests and the status line see the backoff.
        self.request_count = 0
        #: Every exchange, newest last, with no header (``explorer.api.request_log``).
        self.requests = RequestLog()
        # A 429's Retry-After holds every request of this client, not just the one that got it:
        # concurrent calls (a page, a job, a refresh) must not keep hitting a rate-limited server.
        self._hold_until = 0.0
        all_headers = {
            "User-Agent": f"extract-explorer/{__version__}",
            "Accept": "application/json",
            **(headers or {}),
            "Authorization": f"Bearer {api_key}",
        }
        # Keep-alive outlives the refresh interval so polling reuses one connection.
        limits = httpx.Limits(max_connections=8, max_keepalive_connections=4, keepalive_expiry=60)
        self._http = httpx.AsyncClient(
            base_url=base_url,
            # Plain http (the loopback simulator) needs no CA bundle: skip loading it.
            verify=not base_url.startswith("http://"),
            headers=all_headers,
            timeout=timeout,
            limits=limits,
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"ExtractClient(base_url={self.base_url!r}, api_key=<redacted>)"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- plumbing -------------------------------------------------------------------------------

    def _params(self, params: Mapping[str, Any] | None, project_id: str | None) -> list:
        """Query params as a list of pairs (``expand`` and ``job_ids`` repeat), Nones dropped."""
        pairs: list[tuple[str, str]] = []
        merged: dict[str, Any] = {
            "organization_id": self.organization_id,
            "project_id": project_id or self.project_id,
            **(params or {}),
        }
        for key, value in merged.items():
            if value is None:
                continue
            if isinstance(value, list | tuple | set | frozenset):
                pairs.extend((key, str(v)) for v in value)
            elif isinstance(value, bool):
                pairs.append((key, "true" if value else "false"))
            else:
                pairs.append((key, str(value)))
        return pairs

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        project_id: str | None = None,
        max_retries: int | None = None,
        lazy: Literal["job", "page"] | None = None,
    ) -> Any:
        """Send a request with retries and return the parsed JSON body (None when empty).

        ``lazy``: the body is one job (``"job"``) or a page of jobs (``"page"``); a big one
        comes back with its rows parsed on demand (:mod:`explorer.api.lazy`).

        Bounded by the client's budget: each attempt must complete within
        ``budget.deadline`` seconds, the whole call (waits included) within
        ``budget.call_deadline``, and no body may pass ``budget.max_body_bytes``.
        """
        label = f"{method} {path}"
        retries_left = self.retry.max_retries if max_retries is None else max_retries
        attempt = 0
        waited = 0.0
        started = time.monotonic()
        query = self._params(params, project_id)
        content = orjson.dumps(json_body) if json_body is not None else None
        held = True  # whether this attempt still has to respect the client-wide hold
        while True:
            attempt += 1
            error: ApiError | None = None
            headers: Mapping[str, str] | None = None
            status: int | None = None
            if held:
                await self._wait_for_hold(label, waited)
            held = True
            left = self.budget.call_deadline - (time.monotonic() - started)
            allowed = max(0.001, min(self.budget.deadline, left))
            try:
                self.request_count += 1
                async with asyncio.timeout(allowed):
                    response, body = await self._send(method, path, query, content, label, attempt)
                status = response.status_code
                headers = response.headers
                if status < 300:
                    return self._decode(body, status, label, lazy)
                if status < 400:
                    raise _redirect_error(response, label)
                error = self._status_error(response, body, label)
                self._hold_for(error)
                retryable = self.retry.should_retry_status(status, response.headers)
            except TimeoutError:
                error = DeadlineError(
                    f"{label}: timed out: no complete response within {allowed:.3g} s",
                    request=label,
                )
                retryable = True
            except httpx.TimeoutException as exc:
                error = DeadlineError(f"{label}: timed out ({type(exc).__name__})", request=label)
                retryable = True
            except httpx.LocalProtocolError:
                # h11 refused to write a header; its message quotes the header, key and all
                raise BadHeaderError(
                    f"{label}: bad key or header: it holds characters that cannot be sent "
                    "in an HTTP header",
                    request=label,
                ) from None
            except (httpx.TransportError, httpx.DecodingError) as exc:
                error = NetworkError(f"{label}: {_transport_reason(exc)}", request=label)
                retryable = True
            if not retryable or retries_left <= 0:
                raise error
            if self.retry.asks_too_long(headers):
                # The server wants a longer pause than one call waits out: retrying sooner
                # would ignore it. The caller (the watcher) schedules the next try instead.
                raise error
            delay = max(self.retry.delay(attempt - 1, headers), self._hold_left())
            if waited + delay > self.retry.max_total_wait:
                raise error
            if time.monotonic() - started + delay >= self.budget.call_deadline:
                raise error  # no time left for another attempt within this call's deadline
            held = False  # this sleep covers the hold as it stands now
            retries_left -= 1
            waited += delay
            log.debug("retrying %s in %.2fs after %s", label, delay, error.kind)
            if self.on_retry is not None:
                self.on_retry(RetryEvent(label, attempt, delay, status, str(error), error))
            await self._sleep(delay)

    async def _send(
        self, method: str, path: str, query: list, content: bytes | None, label: str, attempt: int
    ) -> tuple[httpx.Response, bytes]:
        """One attempt: the response and its body, read within the size cap (and logged)."""
        request = self._http.build_request(
            method,
            path,
            params=query,
            content=content,
            headers={"Content-Type": "application/json"} if content else None,
        )
        sent = time.monotonic()
        status: int | None = None
        try:
            response = await self._http.send(request, stream=True)
            status = response.status_code
            try:
                if response.status_code < 300:
                    body = await read_body(response, label, self.budget.max_body_bytes)
                else:  # only the detail of an error is shown: read a little of it
                    cap = min(ERROR_BODY_BYTES, self.budget.max_body_bytes)
                    body = await read_body(response, label, cap, truncate=True)
            finally:
                await response.aclose()
        except BaseException as exc:
            self.requests.note(request, attempt - 1, sent, status, 0, content, exc)
            raise
        self.requests.note(request, attempt - 1, sent, status, len(body), content)
        return response, body

    def _hold_left(self) -> float:
        return max(0.0, self._hold_until - time.monotonic())

    def _hold_for(self, error: ApiError) -> None:
        if isinstance(error, RateLimitedError) and error.retry_after:
            until = time.monotonic() + min(error.retry_after, 3600.0)
            self._hold_until = max(self._hold_until, until)

    async def _wait_for_hold(self, label: str, waited: float) -> None:
        """Wait out a Retry-After another call received; fail at once if it is too long."""
        left = self._hold_left()
        if left <= 0:
            return
        if waited + left > self.retry.max_total_wait:
            raise RateLimitedError(
                f"{label}: rate limited (retry after {left:.0f} s)",
                status=429,
                request=label,
                retry_after=left,
            )
        await self._sleep(left)

    @staticmethod
    def _decode(
        body: bytes, status: int, label: str, lazy: Literal["job", "page"] | None = None
    ) -> Any:
        if not body[:4096].strip() and not body.strip():
            return None
        try:
            if lazy == "job":
                return loads_job_if_big(body)
            if lazy == "page":
                return loads_page_if_big(body)
            return parse_json_bytes(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadResponseError(
                f"{label}: the server sent malformed JSON ({len(body):,} bytes): {exc}",
                status=status,
                request=label,
            ) from None

    @staticmethod
    def _status_error(response: httpx.Response, body: bytes, label: str) -> ApiError:
        status = response.status_code
        try:
            detail = _detail_of(parse_json_bytes(body))
        except (ValueError, UnicodeDecodeError):
            detail = None
        if detail is None:
            text = body.decode(response.encoding or "utf-8", errors="replace").strip()[:200]
            detail = text or response.reason_phrase or None
        retry_after = retry_after_seconds(response.headers)
        message = f"{label}: {status} {response.reason_phrase}"
        if detail:
            message += f": {detail}"
        if status == 429 and retry_after is not None:
            message += f" (retry after {retry_after:.0f} s)"
        return error_for_status(
            status, message, detail=detail, request=label, retry_after=retry_after
        )


def _redirect_error(response: httpx.Response, label: str) -> RedirectError:
    """A 3xx, said as what it is (not "expected a job object, got NoneType")."""
    target = urlsplit(response.headers.get("location", "")).hostname
    where = f" to {target}" if target else ""
    return RedirectError(
        f"{label}: the server answered {response.status_code} {response.reason_phrase}, "
        f"a redirect{where}; the explorer does not follow redirects (the API key would go "
        "with them): check the base URL",
        status=response.status_code,
        request=label,
    )


def _transport_reason(exc: Exception) -> str:
    """A short, key-free description of a transport failure."""
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect to the server"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection mid-response"
    if isinstance(exc, httpx.ReadError):
        return "the connection was reset"
    return f"network error ({name})"

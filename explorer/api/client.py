"""``ExtractClient``: the async service layer over the Extract v2 endpoints.

Built on ``httpx.AsyncClient`` with explicit timeouts, keep-alive that outlives the refresh
interval, the SDK-like retry policy of :mod:`explorer.api.retry`, and typed errors. The API key
lives only in the Authorization header: it is never in ``repr``, logs or error messages.
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import orjson

from explorer import __version__
from explorer.api import DEFAULT_BASE_URL
from explorer.api.around import AroundTheJob
from explorer.api.errors import (
    ApiError,
    BadResponseError,
    InsecureTransportError,
    NetworkError,
    RateLimitedError,
    error_for_status,
)
from explorer.api.models import ExtractJob, JobPage
from explorer.api.retry import RetryPolicy, retry_after_seconds

log = logging.getLogger("explorer.api")

#: Everything a job can be expanded with; the explorer wants all of it for the panes.
ALL_EXPANDS = ("configuration", "extract_metadata", "usage")
#: The list endpoint's page size cap; ``job_ids`` batches are cut to it.
MAX_PAGE_SIZE = 100
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


@dataclass(frozen=True)
class RetryEvent:
    """Told to ``on_retry`` before each wait, so a UI can say "rate limited, next try in 4 s"."""

    request: str
    attempt: int
    delay: float
    status: int | None
    reason: str


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (where plain HTTP cannot be sniffed)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport_security(base_url: str, allow_insecure: bool = False) -> None:
    """Refuse plain ``http://`` to a non-loopback host unless explicitly allowed."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https"):
        raise InsecureTransportError(f"unsupported base URL scheme {parts.scheme!r} (use https)")
    if parts.scheme == "http" and not allow_insecure and not is_loopback(parts.hostname or ""):
        raise InsecureTransportError(
            f"refusing to send the API key over plain http:// to {parts.hostname}; "
            "use https:// or pass --allow-insecure"
        )


#: A number literal too big for 64 bits: orjson reads it as a float (``1e+29``), dropping digits.
_BIG_INT = re.compile(rb"[:\[,]\s*(?:-[0-9]{19}|[0-9]{20})")
_BIG_INT_FIRST = re.compile(rb"\s*(?:-[0-9]{19}|[0-9]{20})")
#: Bodies at least this big are parsed with the garbage collector paused.
GC_PAUSE_BYTES = 1024 * 1024
#: Above this size the scan for big integers is skipped: it costs about half an orjson parse.
BIG_INT_SCAN_LIMIT = 16 * 1024 * 1024


def parse_json_bytes(content: bytes) -> Any:
    """Parse JSON fast with orjson, falling back to the stdlib for what orjson refuses
    (NaN/Infinity literals, lone surrogate escapes) or would silently change (integers past 64
    bits, in bodies up to ``BIG_INT_SCAN_LIMIT``)."""
    if len(content) <= BIG_INT_SCAN_LIMIT and (
        _BIG_INT_FIRST.match(content) or _BIG_INT.search(content)
    ):
        return json.loads(content.decode("utf-8", errors="replace"))
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
        return json.loads(content.decode("utf-8", errors="replace"))


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


class ExtractClient(AroundTheJob):
    """Async client for the LlamaCloud Extract v2 API.

    Use as ``async with ExtractClient(key, base_url) as client: ...``.
    """

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
    ) -> None:
        base_url = base_url.rstrip("/")
        check_transport_security(base_url, allow_insecure)
        self.base_url = base_url
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

    async def __aenter__(self) -> ExtractClient:
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
    ) -> Any:
        """Send a request with retries and return the parsed JSON body (None when empty)."""
        label = f"{method} {path}"
        retries_left = self.retry.max_retries if max_retries is None else max_retries
        attempt = 0
        waited = 0.0
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
            try:
                self.request_count += 1
                response = await self._http.request(
                    method,
                    path,
                    params=query,
                    content=content,
                    headers={"Content-Type": "application/json"} if content else None,
                )
                status = response.status_code
                headers = response.headers
                if status < 400:
                    return self._decode(response, label)
                error = self._status_error(response, label)
                self._hold_for(error)
                retryable = self.retry.should_retry_status(status, response.headers)
            except httpx.TimeoutException as exc:
                error = NetworkError(f"{label}: timed out ({type(exc).__name__})", request=label)
                retryable = True
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
            held = False  # this sleep covers the hold as it stands now
            retries_left -= 1
            waited += delay
            log.debug("retrying %s in %.2fs after %s", label, delay, error.kind)
            if self.on_retry is not None:
                self.on_retry(RetryEvent(label, attempt, delay, status, str(error)))
            await self._sleep(delay)

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

    def _decode(self, response: httpx.Response, label: str) -> Any:
        body = response.content
        if not body.strip():
            return None
        try:
            return parse_json_bytes(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadResponseError(
                f"{label}: the server sent malformed JSON ({len(body)} bytes): {exc}",
                status=response.status_code,
                request=label,
            ) from None

    def _status_error(self, response: httpx.Response, label: str) -> ApiError:
        status = response.status_code
        try:
            detail = _detail_of(parse_json_bytes(response.content))
        except (ValueError, UnicodeDecodeError):
            detail = None
        if detail is None:
            text = response.text.strip()[:200]
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

    @staticmethod
    def _job(data: Any, label: str) -> ExtractJob:
        if not isinstance(data, dict) or "id" not in data:
            raise BadResponseError(f"{label}: expected a job object, got {type(data).__name__}")
        try:
            return ExtractJob.from_json(data)
        except ValueError as exc:
            raise BadResponseError(f"{label}: unreadable job: {exc}", request=label) from None

    # -- endpoints ------------------------------------------------------------------------------

    async def get_job(
        self,
        job_id: str,
        *,
        expand: Iterable[str] = ALL_EXPANDS,
        project_id: str | None = None,
        max_retries: int | None = None,
    ) -> ExtractJob:
        """``GET /api/v2/extract/{job_id}``: one job, expanded with configuration etc."""
        path = f"/api/v2/extract/{quote(job_id, safe='')}"
        data = await self.request_json(
            "GET",
            path,
            params={"expand": list(expand)},
            project_id=project_id,
            max_retries=max_retries,
        )
        return self._job(data, f"GET {path}")

    async def list_jobs(
        self,
        *,
        page_size: int | None = None,
        page_token: str | None = None,
        status: str | None = None,
        configuration_id: str | None = None,
        file_input: str | None = None,
        document_input_type: str | None = None,
        job_ids: Sequence[str] | None = None,
        created_at_on_or_after: str | None = None,
        created_at_on_or_before: str | None = None,
        expand: Iterable[str] | None = None,
        project_id: str | None = None,
        max_retries: int | None = None,
    ) -> JobPage:
        """``GET /api/v2/extract``: one page of jobs, newest first."""
        params = {
            "page_size": page_size,
            "page_token": page_token,
            "status": status,
            "configuration_id": configuration_id,
            "file_input": file_input,
            "document_input_type": document_input_type,
            "job_ids": list(job_ids) if job_ids is not None else None,
            "created_at_on_or_after": created_at_on_or_after,
            "created_at_on_or_before": created_at_on_or_before,
            "expand": list(expand) if expand is not None else None,
        }
        label = "GET /api/v2/extract"
        data = await self.request_json(
            "GET", "/api/v2/extract", params=params, project_id=project_id, max_retries=max_retries
        )
        if not isinstance(data, dict):
            raise BadResponseError(f"{label}: expected a page object, got {type(data).__name__}")
        items = data.get("items")
        if not isinstance(items, list):
            raise BadResponseError(f"{label}: the page has no 'items' list", request=label)
        jobs = [self._job(item, label) for item in items if isinstance(item, dict)]
        token = data.get("next_page_token")
        total = data.get("total_size")
        page = JobPage(
            items=[],
            next_page_token=token if isinstance(token, str) and token else None,
            total_size=total if isinstance(total, int) else None,
        )
        page.items = jobs
        return page

    async def iter_jobs(
        self, *, page_size: int = MAX_PAGE_SIZE, **filters: Any
    ) -> AsyncIterator[ExtractJob]:
        """Every job matching the filters, fetching page after page."""
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            page = await self.list_jobs(page_size=page_size, page_token=token, **filters)
            for job in page.items:
                yield job
            token = page.next_page_token
            # A server that hands back a token twice would loop forever.
            if not token or token in seen_tokens:
                return
            seen_tokens.add(token)

    async def get_jobs(
        self,
        job_ids: Sequence[str],
        *,
        expand: Iterable[str] | None = None,
        project_id: str | None = None,
        max_retries: int | None = None,
    ) -> list[ExtractJob]:
        """Many known jobs in as few list calls as possible (``job_ids``, 100 per call)."""
        ids = list(dict.fromkeys(job_ids))
        jobs: list[ExtractJob] = []
        for start in range(0, len(ids), MAX_PAGE_SIZE):
            chunk = ids[start : start + MAX_PAGE_SIZE]
            page = await self.list_jobs(
                job_ids=chunk,
                page_size=len(chunk),
                expand=expand,
                project_id=project_id,
                max_retries=max_retries,
            )
            jobs.extend(page.items)
        return jobs

    async def create_job(
        self,
        file_input: str,
        *,
        configuration: Mapping[str, Any] | None = None,
        configuration_id: str | None = None,
        project_id: str | None = None,
    ) -> ExtractJob:
        """``POST /api/v2/extract``: start a job on a document with a configuration."""
        if (configuration is None) == (configuration_id is None):
            raise ValueError("pass exactly one of configuration / configuration_id")
        body: dict[str, Any] = {"file_input": file_input}
        if configuration is not None:
            body["configuration"] = dict(configuration)
        else:
            body["configuration_id"] = configuration_id
        data = await self.request_json(
            "POST", "/api/v2/extract", json_body=body, project_id=project_id
        )
        return self._job(data, "POST /api/v2/extract")

    async def cancel_job(self, job_id: str, *, project_id: str | None = None) -> ExtractJob:
        """``POST /api/v2/extract/{job_id}/cancel``: cancel a job that has not finished."""
        path = f"/api/v2/extract/{quote(job_id, safe='')}/cancel"
        # 409 means "already finished" here: retrying it cannot help.
        data = await self.request_json(
            "POST", path, project_id=project_id, max_retries=self._no_conflict_retries()
        )
        return self._job(data, f"POST {path}")

    async def delete_job(
        self, job_id: str, *, force: bool = False, project_id: str | None = None
    ) -> None:
        """``DELETE /api/v2/extract/{job_id}``: delete a finished job."""
        path = f"/api/v2/extract/{quote(job_id, safe='')}"
        await self.request_json(
            "DELETE",
            path,
            params={"force": True} if force else None,
            project_id=project_id,
            max_retries=self._no_conflict_retries(),
        )

    def _no_conflict_retries(self) -> int:
        # Cancel/delete conflicts are permanent; keep retries for transient failures only by
        # capping them low (a 409 retried 5 times would just make the user wait).
        return min(self.retry.max_retries, 2)

    async def validate_schema(self, data_schema: Any) -> Any:
        """``POST /api/v2/extract/schema/validation``: the server's verdict on a schema."""
        return await self.request_json(
            "POST", "/api/v2/extract/schema/validation", json_body={"data_schema": data_schema}
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


__all__ = [
    "ALL_EXPANDS",
    "DEFAULT_BASE_URL",
    "ExtractClient",
    "RateLimitedError",
    "RetryEvent",
    "check_transport_security",
    "is_loopback",
    "parse_json_bytes",
]

"""The client's one request budget: how long, how big and how many pages a call may take.

- ``deadline``: one attempt (connect, headers and every read of the body) must be complete in
  this many seconds. httpx's timeouts are per read, so a server sending a byte every 20 s would
  otherwise hold a request forever.
- ``call_deadline``: one call, every attempt and every wait between retries included.
- ``max_body_bytes``: the decompressed body. Reading stops as soon as it is passed (a gzip bomb
  is never inflated in memory) and nothing read is kept.
- ``max_pages``: pages one "list everything" walk fetches before it stops, whatever tokens the
  server keeps sending (a repeated token stops it at once).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from explorer.api.errors import BadResponseError, BodyTooLargeError, PageLimitError

__all__ = ["DEFAULT_BUDGET", "PageGuard", "RequestBudget", "read_body"]

MIB = 1024 * 1024
#: Of an error response only this much is read (its ``detail`` is all that is shown).
ERROR_BODY_BYTES = 64 * 1024
#: Bytes inflated at a time.
STEP = 1024 * 1024


@dataclass(frozen=True)
class RequestBudget:
    """Limits of one client (see the module docstring)."""

    deadline: float = 120.0
    call_deadline: float = 180.0
    max_body_bytes: int = 512 * MIB
    max_pages: int = 100


#: The default budget (tests shorten it).
DEFAULT_BUDGET = RequestBudget()


def _size(n: int) -> str:
    return f"{n / MIB:,.0f} MiB" if n >= MIB else f"{n:,} bytes"


class _Inflater:
    """Decompresses one body in bounded steps (httpx's decoders inflate a whole network chunk
    at once: 64 KiB of a gzip bomb is 64 MiB, of a gzip of a gzip 64 GiB)."""

    def __init__(self, coding: str, label: str) -> None:
        self.label = label
        self.coding = coding
        self._raw_deflate = False
        self._started = False
        self._z = self._new()

    def _new(self) -> Any:
        if self.coding == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)
        return zlib.decompressobj(zlib.MAX_WBITS | 16)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decompressed bytes of ``data``, at most ``STEP`` at a time."""
        while data:
            try:
                piece = self._z.decompress(data, STEP)
            except zlib.error:
                if self.coding == "deflate" and not self._started and not self._raw_deflate:
                    # "deflate" is sent both with and without its zlib wrapper (as httpx does)
                    self._raw_deflate = True
                    self._z = self._new()
                    continue
                raise BadResponseError(
                    f"{self.label}: the server sent a body that does not decompress "
                    f"({self.coding})",
                    request=self.label,
                ) from None
            self._started = True
            if piece:
                yield piece
            data = self._z.unconsumed_tail
            if self._z.eof:
                return

    def finish(self) -> bytes:
        """What the decompressor still holds at the end of the body (a few hundred bytes)."""
        try:
            return self._z.flush()
        except zlib.error:
            return b""


def _coding(response: httpx.Response, label: str) -> str:
    codings = [
        c.strip().lower()
        for c in response.headers.get("content-encoding", "").split(",")
        if c.strip().lower() not in ("", "identity")
    ]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return "deflate" if codings[0] == "deflate" else "gzip"
    raise BadResponseError(
        f"{label}: unsupported content-encoding {', '.join(codings)[:60]!r}", request=label
    )


async def read_body(
    response: httpx.Response, label: str, cap: int, *, truncate: bool = False
) -> bytes:
    """The decompressed body of a streamed response, at most ``cap`` bytes.

    Past the cap: ``BodyTooLargeError`` (nothing read is kept), or with ``truncate`` the first
    ``cap`` bytes. Either way reading stops there.
    """
    too_big = BodyTooLargeError(
        f"{label}: the response is larger than the {_size(cap)} cap; stopped reading",
        status=response.status_code,
        request=label,
    )
    try:
        ready = response.content  # a response built in memory (tests' mock transports)
    except httpx.ResponseNotRead:
        pass
    else:
        if len(ready) > cap and not truncate:
            raise too_big
        return ready[:cap]
    coding = _coding(response, label)
    declared = response.headers.get("content-length", "")
    if not truncate and coding == "identity" and declared.isdigit() and int(declared) > cap:
        raise too_big
    if coding == "identity" and declared.isdigit() and not truncate:
        size = int(declared)
        if size >= PREALLOCATE_BYTES:
            return await _read_into(response, size, too_big)
    inflater = _Inflater(coding, label) if coding != "identity" else None
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():
        for chunk in inflater.feed(raw) if inflater is not None else (raw,):
            size += len(chunk)
            if size > cap:
                if not truncate:
                    chunks.clear()
                    raise too_big
                chunks.append(chunk[: len(chunk) - (size - cap)])
                return b"".join(chunks)
            chunks.append(chunk)
    if inflater is not None:
        tail = inflater.finish()
        if size + len(tail) > cap and not truncate:
            raise too_big
        chunks.append(tail[: max(0, cap - size)])
    return b"".join(chunks)


#: Bodies whose declared length is at least this are read into one buffer of that size, so a
#: 174 MB job costs 174 MB while it arrives, not twice that for the chunks and their join.
PREALLOCATE_BYTES = 1024 * 1024


async def _read_into(response: httpx.Response, size: int, too_big: Exception) -> bytes:
    """Read a body of declared ``size`` into one preallocated buffer.

    Returns the buffer (a ``bytearray``, which every JSON parser here reads as bytes). A body
    longer than it said is refused like one over the cap; a shorter one is cut to what came.
    """
    buffer = bytearray(size)
    view = memoryview(buffer)
    filled = 0
    try:
        async for raw in response.aiter_raw():
            end = filled + len(raw)
            if end > size:
                raise too_big
            view[filled:end] = raw
            filled = end
    finally:
        view.release()
    if filled < size:
        del buffer[filled:]
    return buffer  # type: ignore[return-value]


class PageGuard:
    """Follows page tokens for one walk and says when to stop.

    ``next(token)`` returns the token to ask for next, or None when the walk is over (no token,
    or one seen before: a server repeating itself). After ``max_pages`` pages that still came
    with a new token it raises :class:`PageLimitError`.
    """

    def __init__(self, label: str, max_pages: int) -> None:
        self.label = label
        self.max_pages = max(1, max_pages)
        self.pages = 0
        self._seen: set[str] = set()

    def next(self, token: str | None) -> str | None:
        """Count one page just read; the token to fetch next, or None to stop."""
        self.pages += 1
        if not token or token in self._seen:
            return None
        if self.pages >= self.max_pages:
            raise PageLimitError(
                f"{self.label}: stopped after {self.pages:,} pages: "
                "the server kept sending new page tokens",
                request=self.label,
            )
        self._seen.add(token)
        return token

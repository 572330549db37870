"""Fault injection: the simulator's ASGI front door.

Every request is counted here first, then may be delayed, rate limited (429 + Retry-After),
answered 500/502/503, dropped without a response, or given a broken body. Decisions come from a
random stream seeded by the world seed, drawn the same way for every request, so a
single-threaded client sees the same faults run after run.

Dropping a connection needs the socket: uvicorn's `send` is a bound method of its
request-response cycle, which holds the transport. Marking the cycle disconnected keeps uvicorn
from logging an error about the response we never sent on purpose.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from .ids import rng_for
from .state import SimState

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_ERRORS = (
    (500, "Internal Server Error"),
    (502, "Bad Gateway: the extraction service did not answer in time"),
    (503, "Service temporarily unavailable, please retry"),
)
_MALFORMED = (b'{"items": [', b'{"id": "ext-', b'{"detail": "Inter', b"<html><body>502 Bad Gateway")


class TokenBucket:
    """Allows `rate` requests per second on average, with bursts of up to one second's worth."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rate = 0.0
        self._tokens = 0.0
        self._last = time.monotonic()

    def take(self, rate: float) -> int:
        """0 if the request may pass, else the seconds to wait (an integer, at least 1)."""
        with self._lock:
            now = time.monotonic()
            capacity = max(1.0, rate)
            if rate != self._rate:  # a new limit starts with a full bucket
                self._rate, self._tokens = rate, capacity
            self._tokens = min(capacity, self._tokens + (now - self._last) * rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - self._tokens) / rate))


class FaultInjector:
    """Counts requests and injects the faults `state.config.faults` asks for."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self._rng = rng_for(state.config.seed, "faults")
        self._lock = threading.Lock()
        self._errors = 0
        self._garbles = 0
        self.bucket = TokenBucket()

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: App) -> None:
        """Handle one HTTP request, passing it to `app` unless a fault answers first."""
        self.state.count_request()
        arrived = time.time()
        status = [0]
        method, path = scope.get("method", ""), scope.get("path", "")
        noted = [False]

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                # in the log before the body leaves: a client that has read the response
                # always finds its request there
                self.state.log_request(method, path, status[0], arrived)
                noted[0] = True
            await send(message)

        try:
            await self._handle(scope, receive, send, logged, app, status)
        finally:
            if not noted[0]:  # dropped, or answered around the log
                self.state.log_request(method, path, status[0], arrived)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, logged: Send, app: App, status: list[int]
    ) -> None:
        f = self.state.config.faults.snapshot()
        if f.down:
            await self._drop(send, logged)
            return
        if f.latency_ms > 0:
            await asyncio.sleep(f.latency_ms / 1000)
        if f.rate_limit > 0:
            wait = self.bucket.take(f.rate_limit)
            if wait:
                await _send_json(
                    logged, 429, {"detail": "rate limited"}, [(b"retry-after", str(wait).encode())]
                )
                return
        with self._lock:
            # draw every number on every request so decisions don't depend on which are on
            r_reset, r_error, r_garble = (self._rng.random() for _ in range(3))
        if r_reset < f.reset_rate:
            await self._drop(send, logged)
        elif r_error < f.error_rate:
            with self._lock:
                code, detail = _ERRORS[self._errors % len(_ERRORS)]
                self._errors += 1
            extra = [(b"retry-after", b"1")] if code == 503 else []
            await _send_json(logged, code, {"detail": detail}, extra)
        elif r_garble < f.garble_rate:
            await self._garble(scope, receive, send, app, status)
        else:
            await app(scope, receive, logged)

    async def _drop(self, send: Send, logged: Send) -> None:
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is None:  # not under uvicorn: the closest thing is a bare 503
            await _send_json(logged, 503, {"detail": "connection reset (simulated)"})
            return
        transport.abort()
        cycle.disconnected = True

    async def _garble(
        self, scope: Scope, receive: Receive, send: Send, app: App, status: list[int]
    ) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, capture)
        body = b"".join(chunks)
        with self._lock:
            n = self._garbles
            self._garbles += 1
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if n % 2 == 0 and transport is not None and len(body) >= 2 and start:
            # a 200 promising the whole body (Content-Length stays), half delivered, hang up
            status[0] = 200
            await send({**start, "status": 200})
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            transport.close()
            cycle.disconnected = True
            return
        status[0] = 200
        bad = _MALFORMED[(n // 2) % len(_MALFORMED)]
        await _send_json(send, 200, None, raw=bad)


async def _send_json(
    send: Send,
    status: int,
    payload: Any,
    extra: list[tuple[bytes, bytes]] | None = None,
    raw: bytes | None = None,
) -> None:
    body = raw if raw is not None else orjson.dumps(payload)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

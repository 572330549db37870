"""Hostile HTTP servers on loopback for the round-2 budget and secrets tests.

- :class:`RawServer`: a thread-per-connection HTTP/1.1 server that writes whatever bytes its
  handler wants, when it wants (a byte every few seconds, a gzip bomb, a redirect), one request
  per connection. It records each request (method, path, query, headers).
- :class:`TamperProxy`: the simulator behind a proxy whose ``tamper`` hook may rewrite any JSON
  answer (inject the key the client sent into a job, add jobs nobody asked for, unreadable items,
  a 5,000-digit integer), so the whole app can run against it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from explorer.sim.server import LoopbackServer

#: A JSON literal that stands for a 5,000-digit integer until the body is written.
BIG_INT_MARK = "@@BIG-INT@@"
BIG_INT = "9" * 5000


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Conn:
    """What a handler writes to; ``sent`` counts the bytes the socket accepted."""

    sock: socket.socket
    sent: int = 0
    closed: bool = False

    def send(self, data: bytes) -> bool:
        """Write ``data``; False once the client has gone away."""
        if self.closed:
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed = True
            return False
        self.sent += len(data)
        return True

    def respond(
        self, status: int, body: bytes | Any = b"", headers: dict[str, str] | None = None
    ) -> None:
        """A complete response (``body`` as JSON unless bytes)."""
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        head = {"Content-Type": "application/json", "Content-Length": str(len(data))}
        head.update(headers or {})
        self.send(_head(status, head) + data)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join([*lines, "Connection: close"]) + "\r\n\r\n").encode("latin-1")


Handler = Callable[[Seen, Conn], None]


@dataclass
class RawServer:
    """A loopback server answering each request with ``handler(seen, conn)``."""

    handler: Handler
    requests: list[Seen] = field(default_factory=list)
    conns: list[Conn] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def __enter__(self) -> RawServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.close()

    @property
    def stopped(self) -> bool:
        """Set once the test is over: handlers that loop must end."""
        return self._stop.is_set()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        with sock:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            parts = urlsplit(target)
            query: dict[str, list[str]] = {}
            for k, v in parse_qsl(parts.query):
                query.setdefault(k, []).append(v)
            seen = Seen(method, parts.path, query, headers)
            conn = Conn(sock)
            with self._lock:
                self.requests.append(seen)
                self.conns.append(conn)
            self.handler(seen, conn)


def trickle(server_stopped: Callable[[], bool], every: float = 0.3) -> Handler:
    """Headers promising a body, then one byte every ``every`` s until the client leaves."""

    def handle(seen: Seen, conn: Conn) -> None:
        conn.send(_head(200, {"Content-Type": "application/json", "Content-Length": "100000"}))
        conn.send(b"{")
        while not server_stopped() and conn.send(b" "):
            time.sleep(every)

    return handle


def stall(server_stopped: Callable[[], bool]) -> Handler:
    """Accept, read the request, answer nothing (until the client leaves or the test ends)."""

    def handle(seen: Seen, conn: Conn) -> None:
        conn.sock.settimeout(0.2)
        while not server_stopped():
            try:
                if conn.sock.recv(1) == b"":
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    return handle


@cache
def gzip_bomb(mib: int = 128) -> bytes:
    """A gzip stream of ``mib`` MiB of zeros (about 1,000 times smaller)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(z.compress(block) for _ in range(mib)) + z.flush()


def page_item(n: int) -> dict[str, Any]:
    """A small job of a list page."""
    return {"id": f"ext-{n:08d}", "status": "COMPLETED", "created_at": "2026-01-01T00:00:00Z"}


# -- the simulator behind a tampering proxy ---------------------------------------------------

_DROP_REQUEST = {"host", "content-length", "connection", "keep-alive", "transfer-encoding"}
_DROP_RESPONSE = {"content-length", "content-encoding", "transfer-encoding", "connection", "date"}

#: ``tamper(request, data) -> data``: request is the incoming Starlette request.
Tamper = Callable[[Request, Any], Any]


class TamperProxy(LoopbackServer):
    """The simulator at ``upstream``, its JSON answers passed through ``tamper`` first."""

    lifespan = "on"
    name = "tamper-proxy"

    def __init__(self, upstream: str, tamper: Tamper) -> None:
        self.upstream = upstream.rstrip("/")
        self.tamper = tamper
        super().__init__()

    def make_app(self) -> Starlette:
        """The proxy app (a fresh one per start)."""
        holder: dict[str, httpx.AsyncClient] = {}

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with httpx.AsyncClient(base_url=self.upstream, timeout=60) as client:
                holder["client"] = client
                yield

        async def forward(request: Request) -> Response:
            url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            headers = [
                (k, v) for k, v in request.headers.raw if k.decode().lower() not in _DROP_REQUEST
            ]
            upstream = await holder["client"].request(
                request.method, url, headers=headers, content=await request.body()
            )
            body = upstream.content
            status = upstream.status_code
            if upstream.headers.get("content-type", "").startswith("application/json"):
                result = self.tamper(request, orjson.loads(body))
                if isinstance(result, Response):
                    return result
                body = orjson.dumps(result).replace(f'"{BIG_INT_MARK}"'.encode(), BIG_INT.encode())
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in _DROP_RESPONSE}
            return Response(body, status_code=status, headers=out)

        methods = ["GET", "POST", "DELETE"]
        return Starlette(
            routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan
        )

"""A "strict twin" of the simulator: a loopback proxy sending only what the SDK declares.

The simulator may send more than the real API is documented to (a field the explorer should not
rely on). Put the twin in front of it and every JSON response of a known route loses each key the
SDK's model for that route doesn't declare (`tests.contract.oracle.strip_undeclared`; free-form
payloads such as `extract_result` and `data_schema` stay whole). Everything else passes through
untouched: unknown routes, error responses, non-JSON (binary, presigned downloads).

    with SimServer(SimConfig(seed=7)) as sim, StrictTwin(sim) as twin:
        ...  # talk to twin.url exactly as to sim.url

`twin.stripped` records what was removed, as `(method, path, [problem, ...])`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from explorer.sim.server import LoopbackServer
from tests.contract.oracle import ModelType, model_for, strip_undeclared

if TYPE_CHECKING:
    from explorer.sim import SimServer

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# hop-by-hop headers, and those that stop being true once a body is rewritten
_DROP_REQUEST = {"host", "content-length", "connection", "keep-alive", "transfer-encoding"}
_DROP_RESPONSE = {"content-length", "content-encoding", "transfer-encoding", "connection", "date"}


class StrictTwin(LoopbackServer):
    """The proxy. `upstream` is a running `SimServer` (then `.sim` is it) or a base URL."""

    lifespan = "on"  # the app opens its upstream client at start-up
    name = "strict-twin"

    def __init__(self, upstream: SimServer | str, host: str = "127.0.0.1") -> None:
        self.sim: SimServer | None = None if isinstance(upstream, str) else upstream
        self.upstream = (upstream if isinstance(upstream, str) else upstream.url).rstrip("/")
        self.stripped: list[tuple[str, str, list[str]]] = []
        self._lock = threading.Lock()
        super().__init__(host)

    def make_app(self) -> Starlette:
        """The proxy app (a fresh one per start)."""
        return self._build_app()

    @property
    def state(self) -> Any:
        """The simulator's state (its `notable` jobs, `request_log`, ...)."""
        if self.sim is None:
            raise AttributeError("this twin fronts a URL, not a SimServer")
        return self.sim.state

    def _note(self, method: str, path: str, removed: list[str]) -> None:
        with self._lock:
            self.stripped.append((method, path, removed))

    def _build_app(self) -> Starlette:
        holder: dict[str, httpx.AsyncClient] = {}

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with httpx.AsyncClient(
                base_url=self.upstream, timeout=120, trust_env=False
            ) as client:
                holder["client"] = client
                yield

        async def forward(request: Request) -> Response:
            client = holder["client"]
            path = request.url.path
            url = path + (f"?{request.url.query}" if request.url.query else "")
            headers = [
                (k, v) for k, v in request.headers.raw if k.decode().lower() not in _DROP_REQUEST
            ]
            try:
                upstream = await client.request(
                    request.method, url, headers=headers, content=await request.body()
                )
            except httpx.TransportError as exc:  # the simulator dropped it (faults) or is gone
                detail = {"detail": f"strict twin: upstream failed: {type(exc).__name__}"}
                return Response(orjson.dumps(detail), 502, media_type="application/json")
            body = upstream.content
            model = model_for(request.method, path) if upstream.is_success else None
            if model is not None and _is_json(upstream):
                body = await run_in_threadpool(self._strict_body, request.method, path, body, model)
            out_headers = {
                k: v for k, v in upstream.headers.items() if k.lower() not in _DROP_RESPONSE
            }
            return Response(body, status_code=upstream.status_code, headers=out_headers)

        return Starlette(
            routes=[Route("/{path:path}", forward, methods=_METHODS)], lifespan=lifespan
        )

    def _strict_body(self, method: str, path: str, body: bytes, model: ModelType) -> bytes:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body  # garbled on purpose (faults) or not JSON after all: pass it on
        removed: list[str] = []
        clean = strip_undeclared(data, model, removed)
        if not removed:
            return body
        self._note(method, path, removed)
        return orjson.dumps(clean)


def _is_json(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")

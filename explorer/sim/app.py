"""The ASGI application: routes behind authentication, behind fault injection."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from .errors import ApiError
from .faults import FaultInjector, Receive, Scope, Send
from .routes import json_response, routes
from .state import SimState

logger = logging.getLogger("explorer.sim")
# the host (a TUI) owns the terminal: without its own handlers, say nothing rather than print
logger.addHandler(logging.NullHandler())


class AuthGuard:
    """Lets a request through only with `Authorization: Bearer <token>` (the configured one).

    The token is never logged or echoed: the 401 says only that it was wrong or missing.
    """

    def __init__(self, app: Any, state: SimState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 or pass the request on."""
        # /blob/ is the object store behind presigned URLs: its token is the credential
        public = scope.get("path", "").startswith("/blob/")
        if scope["type"] == "http" and not public and not self._allowed(scope):
            response = json_response(
                {"detail": "Invalid or missing API key"}, 401, {"www-authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        header = b""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                header = value
                break
        scheme, _, token = header.decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        expected = self.state.config.api_key
        return expected is None or hmac.compare_digest(token.encode(), expected.encode())


class SimApp(Starlette):
    """Starlette with the fault injector in front of everything (it needs uvicorn's own `send`)."""

    def __init__(self, state: SimState, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sim_state = state
        self.faults = FaultInjector(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every HTTP request goes through the fault injector first."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        await self.faults(scope, receive, send, super().__call__)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return json_response({"detail": exc.detail}, exc.status, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, exc.detail)
    return json_response({"detail": detail}, exc.status_code, dict(exc.headers or {}))


async def _crash(request: Request, exc: Exception) -> Response:
    logger.error("simulator error on %s %s", request.method, request.url.path, exc_info=exc)
    return json_response({"detail": "Internal Server Error"}, 500)


def create_app(state: SimState) -> Starlette:
    """The simulator as an ASGI app over `state`."""
    return SimApp(
        state,
        routes=routes(state),
        middleware=[Middleware(AuthGuard, state=state)],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _crash},
    )

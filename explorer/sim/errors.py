"""Errors the API answers with: always JSON `{"detail": ...}`."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response. `detail` is a string, or a list like FastAPI's validation errors."""

    def __init__(self, status: int, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def invalid(where: str, name: str, message: str, kind: str = "value_error") -> ApiError:
    """A 422 shaped like the service's request validation errors (a list of problems)."""
    return ApiError(422, [{"loc": [where, name], "msg": message, "type": kind}])


def not_found(what: str, ident: str) -> ApiError:
    """A 404 naming what was looked for."""
    return ApiError(404, f"{what} {ident} not found")

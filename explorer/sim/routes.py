"""The HTTP endpoints: thin adapters from requests to `SimState`.

Handlers are async but do the real work (and JSON encoding, which for the big job is tens of
megabytes) in the thread pool, so one slow request never stalls the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import around
from .document_routes import document_routes, presign
from .errors import ApiError, invalid
from .listing import parse_expand, parse_list_query
from .schema_check import data_schema_problem
from .state import SimState


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response encoded with orjson."""
    return Response(
        orjson.dumps(payload), status_code=status, headers=headers, media_type="application/json"
    )


async def _in_thread(fn: Callable[[], Any]) -> Response:
    body = await run_in_threadpool(lambda: orjson.dumps(fn()))
    return Response(body, media_type="application/json")


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise invalid("body", "body", f"Invalid JSON: {exc}", "json_invalid") from None


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise invalid("query", name, "Input should be a valid boolean", "bool_parsing")


def routes(state: SimState) -> list[Route]:
    """The API's routes, bound to `state`."""

    def scope_of(request: Request) -> tuple[str | None, str | None]:
        q = request.query_params
        return q.get("project_id"), q.get("organization_id")

    async def list_jobs(request: Request) -> Response:
        q = parse_list_query(request.query_params.multi_items(), state.clock)
        return await _in_thread(lambda: state.list_jobs(q))

    async def create_job(request: Request) -> Response:
        body = await _json_body(request)
        project_id, org_id = scope_of(request)
        return await _in_thread(lambda: state.create_job(body, project_id, org_id))

    async def get_job(request: Request) -> Response:
        expand = parse_expand(request.query_params.getlist("expand"))
        job_id, where = request.path_params["job_id"], scope_of(request)
        return await _in_thread(lambda: state.render(state.job(job_id, *where), expand))

    async def cancel_job(request: Request) -> Response:
        job_id, where = request.path_params["job_id"], scope_of(request)
        return await _in_thread(lambda: state.cancel_job(state.job(job_id, *where)))

    async def delete_job(request: Request) -> Response:
        force = _flag(request, "force")
        job_id, where = request.path_params["job_id"], scope_of(request)
        return await _in_thread(lambda: state.delete_job(state.job(job_id, *where), force))

    async def validate_schema(request: Request) -> Response:
        body = await _json_body(request)
        if not isinstance(body, dict) or "data_schema" not in body:
            raise invalid("body", "data_schema", "Field required", "missing")
        problem = await run_in_threadpool(data_schema_problem, body["data_schema"])
        if problem:
            raise ApiError(422, problem)
        return json_response({"data_schema": body["data_schema"]})

    async def generate_schema(request: Request) -> Response:
        body = await _json_body(request)
        project = state.resolve_project(*scope_of(request))
        return await _in_thread(lambda: around.generate_schema(state, body, project))

    def query_of(request: Request) -> dict[str, list[str]]:
        multi: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            multi.setdefault(key, []).append(value)
        return multi

    async def list_projects(request: Request) -> Response:
        return json_response(around.list_projects(state, query_of(request)))

    async def get_project(request: Request) -> Response:
        return json_response(around.get_project(state, request.path_params["project_id"]))

    async def list_files(request: Request) -> Response:
        project = state.resolve_project(*scope_of(request))
        return await _in_thread(lambda: around.list_files(state, project, query_of(request)))

    async def get_file(request: Request) -> Response:
        project = state.resolve_project(*scope_of(request))
        f = around.scoped_file(state, request.path_params["file_id"], project)
        return json_response(around.file_json(state, f))

    async def file_content(request: Request) -> Response:
        project = state.resolve_project(*scope_of(request))
        f = around.scoped_file(state, request.path_params["file_id"], project)
        base = state.storage_url or str(request.base_url).rstrip("/")
        url, expires_at = presign(state, f"file:{f.id}", base, 900.0)
        return json_response({"url": url, "expires_at": expires_at})

    async def list_configurations(request: Request) -> Response:
        state.resolve_project(*scope_of(request))
        return json_response(around.list_configurations(state, query_of(request)))

    async def get_configuration(request: Request) -> Response:
        state.resolve_project(*scope_of(request))
        cid = around.known_configuration(state, request.path_params["config_id"])
        return json_response(around.configuration_json(state, cid))

    return [
        Route("/api/v2/extract", list_jobs, methods=["GET"]),
        Route("/api/v2/extract", create_job, methods=["POST"]),
        Route("/api/v2/extract/schema/validation", validate_schema, methods=["POST"]),
        Route("/api/v2/extract/schema/generate", generate_schema, methods=["POST"]),
        Route("/api/v2/extract/{job_id}", get_job, methods=["GET"]),
        Route("/api/v2/extract/{job_id}", delete_job, methods=["DELETE"]),
        Route("/api/v2/extract/{job_id}/cancel", cancel_job, methods=["POST"]),
        Route("/api/v2/projects", list_projects, methods=["GET"]),
        Route("/api/v2/projects/{project_id}", get_project, methods=["GET"]),
        Route("/api/v1/beta/files", list_files, methods=["GET"]),
        Route("/api/v1/beta/files/{file_id}", get_file, methods=["GET"]),
        Route("/api/v1/beta/files/{file_id}/content", file_content, methods=["GET"]),
        Route("/api/v1/beta/configurations", list_configurations, methods=["GET"]),
        Route("/api/v1/beta/configurations/{config_id}", get_configuration, methods=["GET"]),
        *document_routes(state),
    ]

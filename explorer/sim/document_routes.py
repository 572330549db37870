"""The documents' routes: parse jobs, and the key-less object store behind presigned URLs.

`GET /api/v2/parse/{job_id}` answers like the API (JSON, 404/422 as `{"detail": ...}`);
`GET /blob/{token}` answers like an object store: the bytes for a genuine, unexpired token (no
API key needed, and none expected), else an S3-style XML error. Everything heavy (layout, PDF,
images) runs in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .blobs import open_token, presign
from .errors import not_found
from .listing import parse_expand
from .parse_jobs import EXPANDABLE, SCREENSHOT_TTL, parse_job_json, result_part
from .state import SimState

__all__ = ["document_routes", "presign"]


class BlobMissing(Exception):
    """A genuine token naming something that no longer exists."""


def document_routes(state: SimState) -> list[Route]:
    """`GET /api/v2/parse/{job_id}` and `GET /blob/{token}`, bound to `state`."""

    async def get_parse_job(request: Request) -> Response:
        q = request.query_params
        expand = parse_expand(q.getlist("expand"), EXPANDABLE)
        names = q.get("image_filenames")
        wanted = frozenset(n.strip() for n in names.split(",") if n.strip()) if names else None
        project = state.resolve_project(q.get("project_id"), q.get("organization_id"))
        job_id = request.path_params["job_id"]
        base = state.storage_url or str(request.base_url).rstrip("/")

        def url(what: str) -> str:
            return presign(state, what, base, SCREENSHOT_TTL)[0]

        def answer() -> bytes:
            parse = state.parse_job(job_id)
            if parse is None or parse.project_id != project.id:
                raise not_found("Parse job", job_id)
            return orjson.dumps(parse_job_json(state, parse, expand, url, wanted))

        body = await run_in_threadpool(answer)
        return Response(body, media_type="application/json")

    async def get_blob(request: Request) -> Response:
        state.documents.note_blob_request("authorization" in request.headers)
        opened = open_token(state, request.path_params["token"])
        if opened is None:
            return _s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        what, expires = opened
        if state.now() > expires:
            return _s3_error(403, "AccessDenied", "Request has expired")
        try:
            body, content_type, name = await run_in_threadpool(_blob, state, what)
        except BlobMissing:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        headers = {
            "content-disposition": _disposition(name),
            "cache-control": "private, max-age=900",
        }
        return Response(body, media_type=content_type, headers=headers)

    return [
        Route("/api/v2/parse/{job_id}", get_parse_job, methods=["GET"]),
        Route("/blob/{token}", get_blob, methods=["GET"]),
    ]


def _blob(state: SimState, what: str) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of what a token opens."""
    kind, _, rest = what.partition(":")
    makers: dict[str, Callable[[str], tuple[bytes, str, str]]] = {
        "file": lambda ident: _file(state, ident),
        "pdf": lambda ident: _pdf(state, ident),
        "page": lambda ident: _page(state, ident),
        "result": lambda ident: _result(state, ident),
    }
    maker = makers.get(kind)
    if maker is None:
        raise BlobMissing(what)
    return maker(rest)


def _known_file(state: SimState, file_id: str) -> Any:
    file = state.file(file_id)
    if file is None:
        raise BlobMissing(file_id)
    return file


def _file(state: SimState, file_id: str) -> tuple[bytes, str, str]:
    file = _known_file(state, file_id)
    body, content_type = state.documents.file_bytes(file)
    return body, content_type, file.name


def _pdf(state: SimState, file_id: str) -> tuple[bytes, str, str]:
    file = _known_file(state, file_id)
    stem = file.name.rsplit(".", 1)[0] or "document"
    return state.documents.pdf(file), "application/pdf", f"{stem}.pdf"


def _page(state: SimState, ident: str) -> tuple[bytes, str, str]:
    file_id, _, number = ident.rpartition(":")
    file = _known_file(state, file_id)
    page = int(number) if number.isdigit() else 0
    if not 1 <= page <= state.documents.paper(file).page_count:
        raise BlobMissing(ident)
    return state.documents.page_image(file, page), "image/png", f"page_{page}.png"


def _result(state: SimState, ident: str) -> tuple[bytes, str, str]:
    pjb, _, part = ident.rpartition(":")
    parse = state.parse_job(pjb)
    if parse is None:
        raise BlobMissing(ident)
    try:
        body = result_part(state, parse, part)
    except KeyError:
        raise BlobMissing(ident) from None
    return body, "application/json", f"{pjb}-{part}.json"


def _disposition(name: str) -> str:
    # headers are latin-1: an ASCII fallback name plus the real one, RFC 6266 style
    fallback = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def _s3_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")

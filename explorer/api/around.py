"""Endpoints around the job: projects, files, saved configurations, parse jobs, downloads.

A mixin of :class:`explorer.api.client.ExtractClient` (it uses the client's ``request_json``),
kept apart so the extract endpoints and the rest each fit in one reader's head.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import httpx

from explorer.api.around_models import FileInfo, ParseResult, PresignedUrl, SavedConfiguration
from explorer.api.errors import ApiError, BadResponseError, NetworkError
from explorer.api.models import Project

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient

#: ``file_ids`` per files request (the list endpoint's pages go to 1,000; URLs stay short).
FILE_BATCH = 100
#: What a parse job is fetched with for the explorer's document views.
PARSE_EXPANDS = ("text", "markdown", "items", "metadata", "images_content_metadata")
#: Documents bigger than this are refused rather than held in memory.
DEFAULT_DOWNLOAD_CAP = 200 * 1024 * 1024
_PAGES_LIMIT = 1000  # a server that never stops paging is cut off here


class DownloadTooLargeError(ApiError):
    """A presigned download went past the size cap; nothing was kept."""

    kind = "too large"


def _items_of(data: Any, label: str) -> tuple[list[dict[str, Any]], str | None]:
    """A cursor page's items and next token; a bare list (older servers) is one last page."""
    if isinstance(data, list):
        return [i for i in data if isinstance(i, dict)], None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BadResponseError(f"{label}: expected a page of items", request=label)
    token = data.get("next_page_token")
    items = [i for i in data["items"] if isinstance(i, dict)]
    return items, token if isinstance(token, str) and token else None


class AroundTheJob:
    """Projects, files, configurations and parse jobs (mixed into ``ExtractClient``)."""

    async def _pages(
        self: ExtractClient,
        path: str,
        params: Mapping[str, Any],
        project_id: str | None = None,
        max_retries: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every item of a cursor-paged collection, page after page."""
        label = f"GET {path}"
        items: list[dict[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        for _ in range(_PAGES_LIMIT):
            data = await self.request_json(
                "GET",
                path,
                params={**params, "page_token": token},
                project_id=project_id,
                max_retries=max_retries,
            )
            page, token = _items_of(data, label)
            items += page
            # a server that hands back a token twice would page forever
            if token is None or token in seen:
                break
            seen.add(token)
        return items

    async def list_projects(
        self: ExtractClient, *, organization_id: str | None = None
    ) -> list[Project]:
        """``GET /api/v2/projects``: every project the key can see (all cursor pages)."""
        items = await self._pages(
            "/api/v2/projects", {"organization_id": organization_id, "page_size": 100}
        )
        return [Project.model_validate(i) for i in items if isinstance(i.get("id"), str)]

    async def get_project(self: ExtractClient, project_id: str) -> Project:
        """``GET /api/v2/projects/{id}``."""
        path = f"/api/v2/projects/{quote(project_id, safe='')}"
        return Project.model_validate(await self._object(path, "a project object"))

    async def get_files(
        self: ExtractClient,
        file_ids: Iterable[str],
        *,
        project_id: str | None = None,
        max_retries: int | None = None,
    ) -> dict[str, FileInfo]:
        """Files by id, ``FILE_BATCH`` ids per ``GET /api/v1/beta/files`` call.

        Ids the server does not return (deleted, another project) are simply missing.
        """
        ids = list(dict.fromkeys(i for i in file_ids if i))
        found: dict[str, FileInfo] = {}
        for start in range(0, len(ids), FILE_BATCH):
            chunk = ids[start : start + FILE_BATCH]
            items = await self._pages(
                "/api/v1/beta/files",
                {"file_ids": chunk, "page_size": len(chunk)},
                project_id=project_id,
                max_retries=max_retries,
            )
            for item in items:
                if isinstance(item.get("id"), str):
                    info = FileInfo.model_validate(item)
                    found[info.id] = info
        return found

    async def _object(
        self: ExtractClient,
        path: str,
        what: str,
        key: str = "id",
        project_id: str | None = None,
        max_retries: int | None = None,
    ) -> dict[str, Any]:
        """``GET path``: a JSON object that must carry a string ``key``."""
        data = await self.request_json("GET", path, project_id=project_id, max_retries=max_retries)
        if not isinstance(data, dict) or not isinstance(data.get(key), str):
            raise BadResponseError(f"GET {path}: expected {what}", request=f"GET {path}")
        return data

    async def get_file(
        self: ExtractClient, file_id: str, *, project_id: str | None = None
    ) -> FileInfo:
        """``GET /api/v1/beta/files/{id}``."""
        path = f"/api/v1/beta/files/{quote(file_id, safe='')}"
        return FileInfo.model_validate(
            await self._object(path, "a file object", project_id=project_id)
        )

    async def file_content_url(
        self: ExtractClient, file_id: str, *, project_id: str | None = None
    ) -> PresignedUrl:
        """``GET /api/v1/beta/files/{id}/content``: a presigned URL to the file's bytes."""
        path = f"/api/v1/beta/files/{quote(file_id, safe='')}/content"
        data = await self._object(path, "a presigned URL", key="url", project_id=project_id)
        return PresignedUrl.model_validate(data)

    async def get_configuration(
        self: ExtractClient,
        configuration_id: str,
        *,
        project_id: str | None = None,
        max_retries: int | None = None,
    ) -> SavedConfiguration:
        """``GET /api/v1/beta/configurations/{id}``: a saved configuration."""
        path = f"/api/v1/beta/configurations/{quote(configuration_id, safe='')}"
        data = await self._object(
            path, "a configuration", project_id=project_id, max_retries=max_retries
        )
        return SavedConfiguration.model_validate(data)

    async def list_configurations(
        self: ExtractClient,
        *,
        product_type: str = "extract_v2",
        project_id: str | None = None,
        max_retries: int | None = None,
    ) -> list[SavedConfiguration]:
        """``GET /api/v1/beta/configurations``: every saved configuration of one product."""
        items = await self._pages(
            "/api/v1/beta/configurations",
            {"product_type": product_type, "page_size": 100},
            project_id=project_id,
            max_retries=max_retries,
        )
        return [SavedConfiguration.model_validate(i) for i in items if isinstance(i.get("id"), str)]

    async def get_parse_job(
        self: ExtractClient,
        parse_job_id: str,
        *,
        expand: Sequence[str] = PARSE_EXPANDS,
        project_id: str | None = None,
    ) -> ParseResult:
        """``GET /api/v2/parse/{id}``: a parse job with the parsed pages it is expanded with."""
        path = f"/api/v2/parse/{quote(parse_job_id, safe='')}"
        data = await self.request_json(
            "GET", path, params={"expand": list(expand)}, project_id=project_id
        )
        if not isinstance(data, dict) or not isinstance(data.get("job"), dict):
            raise BadResponseError(f"GET {path}: expected a parse job", request=f"GET {path}")
        if not isinstance(data["job"].get("id"), str):
            raise BadResponseError(f"GET {path}: the parse job has no id", request=f"GET {path}")
        return ParseResult.model_validate(data)

    async def download(
        self: ExtractClient, url: str, *, max_bytes: int = DEFAULT_DOWNLOAD_CAP
    ) -> bytes:
        """The bytes behind a presigned URL, with no ``Authorization`` (nor any custom) header.

        The URL is its own credential and points at another host (an object store): the API
        key must never travel there. Stops at ``max_bytes`` (``DownloadTooLargeError``).
        """
        host = urlsplit(url).hostname or "?"
        label = f"GET {host} (presigned)"
        if urlsplit(url).scheme not in ("http", "https"):
            raise BadResponseError(f"{label}: not an http(s) URL", request=label)
        try:
            async with (
                httpx.AsyncClient(
                    timeout=self.download_timeout,
                    follow_redirects=True,
                    transport=self.download_transport,
                ) as http,
                http.stream("GET", url) as response,
            ):
                if response.status_code >= 400:
                    raise ApiError(
                        f"{label}: {response.status_code} {response.reason_phrase}",
                        status=response.status_code,
                        request=label,
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise DownloadTooLargeError(
                        f"{label}: {int(declared):,} bytes is over the {max_bytes:,} byte cap",
                        request=label,
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadTooLargeError(
                            f"{label}: more than the {max_bytes:,} byte cap", request=label
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TimeoutException:
            raise NetworkError(f"{label}: timed out", request=label) from None
        except httpx.TransportError as exc:
            raise NetworkError(
                f"{label}: network error ({type(exc).__name__})", request=label
            ) from None

"""``ExtractClient``: the async service layer over the Extract v2 endpoints.

The HTTP side (retries, the request budget, typed errors, the key kept out of every message) is
:class:`explorer.api.transport.JsonTransport`; this is what the explorer asks of the API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from explorer.api import DEFAULT_BASE_URL
from explorer.api.around import AroundTheJob
from explorer.api.budget import PageGuard
from explorer.api.errors import RateLimitedError
from explorer.api.models import ExtractJob, JobPage
from explorer.api.paging import job_of, page_of_jobs, pages_allowed
from explorer.api.transport import (
    DEFAULT_TIMEOUT,
    JsonTransport,
    RetryEvent,
    check_transport_security,
    is_loopback,
)

#: Everything a job can be expanded with; the explorer wants all of it for the panes.
ALL_EXPANDS = ("configuration", "extract_metadata", "usage")
#: The list endpoint's page size cap; ``job_ids`` batches are cut to it.
MAX_PAGE_SIZE = 100


class ExtractClient(JsonTransport, AroundTheJob):
    """Async client for the LlamaCloud Extract v2 API.

    Use as ``async with ExtractClient(key, base_url) as client: ...``.
    """

    @staticmethod
    def _job(data: Any, label: str) -> ExtractJob:
        return job_of(data, label)

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
            lazy="job",
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
        data = await self.request_json(
            "GET",
            "/api/v2/extract",
            params=params,
            project_id=project_id,
            max_retries=max_retries,
            lazy="page",
        )
        # item by item: an unreadable job is skipped and counted (page.skipped), not fatal
        return page_of_jobs(data, "GET /api/v2/extract")

    def page_guard(self, limit: int | None = None, page_size: int = MAX_PAGE_SIZE) -> PageGuard:
        """The token guard of one walk over the job list (the budget's page cap; more pages
        when ``limit`` jobs are asked for)."""
        pages = pages_allowed(self.budget.max_pages, limit, page_size)
        return PageGuard("GET /api/v2/extract", pages)

    async def iter_jobs(
        self, *, page_size: int = MAX_PAGE_SIZE, max_pages: int | None = None, **filters: Any
    ) -> AsyncIterator[ExtractJob]:
        """Every job matching the filters, fetching page after page.

        Stops at a repeated token; after ``max_pages`` (default: the budget's) pages that still
        came with a new token, raises :class:`~explorer.api.errors.PageLimitError`.
        """
        guard = (
            PageGuard("GET /api/v2/extract", max_pages)
            if max_pages is not None
            else self.page_guard(page_size=page_size)
        )
        token: str | None = None
        while True:
            page = await self.list_jobs(page_size=page_size, page_token=token, **filters)
            for job in page.items:
                yield job
            token = guard.next(page.next_page_token)
            if token is None:
                return

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
        # 409 means "already finished" here: the retry policy never retries a 409.
        data = await self.request_json("POST", path, project_id=project_id)
        return self._job(data, f"POST {path}")

    async def delete_job(
        self, job_id: str, *, force: bool = False, project_id: str | None = None
    ) -> None:
        """``DELETE /api/v2/extract/{job_id}``: delete a finished job."""
        path = f"/api/v2/extract/{quote(job_id, safe='')}"
        # 409 means "still running" (without force): the retry policy never retries a 409.
        await self.request_json(
            "DELETE", path, params={"force": True} if force else None, project_id=project_id
        )

    async def validate_schema(self, data_schema: Any) -> Any:
        """``POST /api/v2/extract/schema/validation``: the server's verdict on a schema."""
        return await self.request_json(
            "POST", "/api/v2/extract/schema/validation", json_body={"data_schema": data_schema}
        )


__all__ = [
    "ALL_EXPANDS",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "ExtractClient",
    "RateLimitedError",
    "RetryEvent",
    "check_transport_security",
    "is_loopback",
]

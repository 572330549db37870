"""Where the explorer's jobs come from: the API (live) or files (offline), behind one interface.

The TUI talks only to a :class:`JobSource`; it never sees HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from explorer.api.client import ALL_EXPANDS, ExtractClient
from explorer.api.models import ExtractJob, JobPage, Project
from explorer.core.files import FileProblem, LoadedFiles

if TYPE_CHECKING:
    from explorer.core.prefetch import Prefetch

#: Name of the pseudo-project holding offline jobs that carry no project id.
FILES_PROJECT = "files"


def is_page_of(page: JobPage, project_id: str) -> bool:
    """Whether a page listed without a project (the key's default one) is this project's."""
    return bool(page.items) and all(job.project_id in (None, project_id) for job in page.items)


class JobSource(Protocol):
    """What the explorer needs to browse jobs."""

    #: True when jobs can change (refresh, cancel, delete make sense).
    live: bool
    #: Files that could not be read (offline source only).
    problems: list[FileProblem]

    async def projects(self) -> list[Project]: ...

    async def page(self, project_id: str, token: str | None, page_size: int) -> JobPage: ...

    async def job(self, job_id: str) -> ExtractJob: ...

    async def jobs(self, refs: Sequence[tuple[str, str | None]]) -> list[ExtractJob]:
        """Fresh copies of known jobs, given as (job id, project id) pairs."""
        ...

    async def cancel(self, job_id: str) -> ExtractJob: ...

    async def delete(self, job_id: str) -> None: ...


class ApiJobSource:
    """Jobs from the Extract v2 API through an :class:`ExtractClient`."""

    live = True

    def __init__(
        self, client: ExtractClient, *, refresh_retries: int = 1, prefetch: Prefetch | None = None
    ) -> None:
        self.client = client
        self.problems: list[FileProblem] = []
        # Refreshes come round again on their own: keep their retries few (no retry storm).
        self.refresh_retries = refresh_retries
        #: The projects and first page fetched while the app started (taken once).
        self.prefetch = prefetch
        self._early_page: JobPage | None = None

    def take_prefetched(self) -> tuple[list[Project], JobPage | None] | None:
        """The prefetched projects and first page if they are already in (never waits)."""
        got = self.prefetch.take(0) if self.prefetch is not None else None
        if got is None:
            return None
        self.prefetch = None
        projects, page = got
        return self._choose(projects), page

    async def projects(self) -> list[Project]:
        prefetch, self.prefetch = self.prefetch, None
        if prefetch is not None:
            # Not in when the app mounted: wait for it (off the event loop), once.
            got = await asyncio.get_running_loop().run_in_executor(None, prefetch.take, 15.0)
            if got is not None:
                projects, self._early_page = got
                return self._choose(projects)
        return self._choose(await self.client.list_projects())

    def _choose(self, projects: list[Project]) -> list[Project]:
        if self.client.project_id:
            chosen = [p for p in projects if p.id == self.client.project_id]
            return chosen or [Project(id=self.client.project_id, is_default=True)]
        # The default project first, the others as the API lists them.
        return sorted(projects, key=lambda p: not p.is_default)

    async def page(self, project_id: str, token: str | None, page_size: int) -> JobPage:
        early, self._early_page = self._early_page, None
        if early is not None and token is None and is_page_of(early, project_id):
            return early  # the default project's first page, prefetched
        return await self.client.list_jobs(
            project_id=project_id, page_token=token, page_size=page_size
        )

    async def job(self, job_id: str) -> ExtractJob:
        return await self.client.get_job(job_id, expand=ALL_EXPANDS)

    async def jobs(self, refs: Sequence[tuple[str, str | None]]) -> list[ExtractJob]:
        # The list endpoint filters job_ids within one project: one batch per project.
        by_project: dict[str | None, list[str]] = {}
        for job_id, project_id in refs:
            by_project.setdefault(project_id, []).append(job_id)
        jobs: list[ExtractJob] = []
        for project_id, ids in by_project.items():
            jobs += await self.client.get_jobs(
                ids, project_id=project_id, max_retries=self.refresh_retries
            )
        return jobs

    async def cancel(self, job_id: str) -> ExtractJob:
        return await self.client.cancel_job(job_id)

    async def delete(self, job_id: str) -> None:
        await self.client.delete_job(job_id)


class FileJobSource:
    """Jobs read from files: no network, nothing changes."""

    live = False

    def __init__(self, loaded: LoadedFiles) -> None:
        self.loaded = loaded
        self.problems = loaded.problems
        self._by_id = {job.id: job for job in loaded.jobs}
        self._by_project: dict[str, list[ExtractJob]] = {}
        for job in loaded.jobs:
            self._by_project.setdefault(job.project_id or FILES_PROJECT, []).append(job)
        for jobs in self._by_project.values():
            # Newest first, like the API; jobs without a date keep file order at the end.
            jobs.sort(key=lambda j: j.created_at.timestamp() if j.created_at else 0, reverse=True)

    async def projects(self) -> list[Project]:
        return [
            Project(
                id=pid,
                name=f"{pid} (files)" if pid != FILES_PROJECT else "files",
                is_default=index == 0,
            )
            for index, pid in enumerate(self._by_project)
        ]

    async def page(self, project_id: str, token: str | None, page_size: int) -> JobPage:
        jobs = self._by_project.get(project_id, [])
        start = int(token) if token and token.isdigit() else 0
        end = start + page_size
        page = JobPage(next_page_token=str(end) if end < len(jobs) else None, total_size=len(jobs))
        page.items = jobs[start:end]
        return page

    async def job(self, job_id: str) -> ExtractJob:
        from explorer.api.errors import NotFoundError

        try:
            return self._by_id[job_id]
        except KeyError:
            raise NotFoundError(f"job {job_id} is not in the files opened", status=404) from None

    async def jobs(self, refs: Sequence[tuple[str, str | None]]) -> list[ExtractJob]:
        return [self._by_id[j] for j, _ in refs if j in self._by_id]

    async def cancel(self, job_id: str) -> ExtractJob:
        raise PermissionError("offline files are read-only")

    async def delete(self, job_id: str) -> None:
        raise PermissionError("offline files are read-only")

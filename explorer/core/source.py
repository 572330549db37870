"""Where the explorer's jobs come from: the API (live) or files (offline), behind one interface.

The TUI talks only to a :class:`JobSource`; it never sees HTTP. Offline, nothing here loads the
HTTP client (httpx): :class:`ApiJobSource` is handed a client made elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from explorer.api.errors import AuthError, BadRequestError, NotFoundError
from explorer.api.models import ExtractJob, JobPage, Project
from explorer.core.files import FileProblem, LoadedFiles
from explorer.core.names import NameBook
from explorer.core.present import created_stamp

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient
    from explorer.core.cache_worker import CacheWorker
    from explorer.core.doc_cache import DocumentCache
    from explorer.core.doc_fetch import FetchedDocument
    from explorer.core.document import Document
    from explorer.core.job_cache import CachedView
    from explorer.core.prefetch import Prefetch

#: How long opening a job waits for the cache's copy (s) before asking the API as well.
CACHE_READ_WAIT = 0.25
#: Jobs per page when the fleet views walk weeks of history (the API's largest page).
HISTORY_PAGE_SIZE = 100
#: Name of the pseudo-project holding offline jobs that carry no project id.
FILES_PROJECT = "files"
#: Why an offline job has no document, and how to give it one.
NO_DOCUMENT_OFFLINE = (
    "the document is not available offline: attach it with --document PATH "
    "(the PDF, or the parse job's JSON), e.g. extract-explorer open job.json --document invoice.pdf"
)
#: The pseudo-project standing for "the key's default project" when projects can't be listed.
KEY_PROJECT = "(default project)"
#: Said on screen when the key may not list projects.
PROJECTS_HIDDEN = (
    "This key may not list projects: showing its default project only. Set "
    "LLAMA_CLOUD_ORGANIZATION_ID (or --organization) to see every project."
)


def is_page_of(page: JobPage, project_id: str) -> bool:
    """Whether a page listed without a project (the key's default one) is this project's."""
    return bool(page.items) and all(job.project_id in (None, project_id) for job in page.items)


def offline_why(source: object) -> str:
    """Why ``source`` can't change jobs, for "Cannot cancel jobs: …" (files, or the cache)."""
    return str(getattr(source, "offline_why", "offline files (no API)"))


def slice_page(jobs: list[ExtractJob], token: str | None, page_size: int) -> JobPage:
    """One page of jobs held in memory; the token is the next page's start index."""
    start = int(token) if token and token.isdigit() else 0
    end = start + page_size
    page = JobPage(next_page_token=str(end) if end < len(jobs) else None, total_size=len(jobs))
    page.items = jobs[start:end]
    return page


class JobSource(Protocol):
    """What the explorer needs to browse jobs."""

    #: True when jobs can change (refresh, cancel, delete make sense).
    live: bool
    #: Files that could not be read (offline source only).
    problems: list[FileProblem]
    #: Things the user should know about what is shown (e.g. projects that can't be listed).
    notes: list[str]

    async def projects(self) -> list[Project]: ...

    async def page(self, project_id: str, token: str | None, page_size: int) -> JobPage: ...

    async def job(self, job_id: str) -> ExtractJob: ...

    async def history_page(
        self, project_id: str, token: str | None, since: datetime | None
    ) -> JobPage:
        """One page of a project's jobs created at or after ``since`` (newest first), with
        their configuration and usage: what the fleet views read."""
        ...

    async def jobs(self, refs: Sequence[tuple[str, str | None]]) -> list[ExtractJob]:
        """Fresh copies of known jobs, given as (job id, project id) pairs."""
        ...

    async def cancel(self, job_id: str) -> ExtractJob: ...

    async def delete(self, job_id: str, force: bool = False) -> None: ...

    async def create(
        self, file_input: str, configuration: dict[str, Any], project_id: str | None
    ) -> ExtractJob:
        """Start a job (a re-run) with an inline configuration."""
        ...

    async def validate_schema(self, data_schema: Any) -> Any:
        """The service's verdict on a schema (raises the API's error when it refuses it)."""
        ...

    async def name(self, jobs: list[ExtractJob]) -> bool:
        """Ask for the file and configuration names these jobs lack; True if any was learned."""
        ...

    def apply_names(self, jobs: Iterable[ExtractJob]) -> None:
        """Give jobs the names already known (no requests)."""
        ...

    async def document(self, job: ExtractJob) -> FetchedDocument:
        """The document the job's citations point into, or why there is none."""
        ...

    async def page_picture(self, document: Document, page: int) -> bytes | None:
        """A picture of a page when the document has no PDF to draw it from (a screenshot)."""
        ...


class ApiJobSource:
    """Jobs from the Extract v2 API through an :class:`ExtractClient`."""

    live = True

    def __init__(
        self,
        client: ExtractClient,
        *,
        refresh_retries: int = 1,
        prefetch: Prefetch | None = None,
        names: NameBook | None = None,
        documents: DocumentCache | None = None,
        cache: CacheWorker | None = None,
    ) -> None:
        self.client = client
        #: What was seen, kept for the next start (None: --no-cache); written off the loop.
        self.cache = cache
        self._names_kept: dict[tuple[str, str], str] = {}
        # the cached view is read at once, on the cache's thread, while the app starts
        self._view = cache.first_view() if cache is not None else None
        #: Where fetched documents are kept (made on first use when not given).
        self.documents = documents
        self.problems: list[FileProblem] = []
        self.notes: list[str] = []
        #: File and configuration names, shared with the prefetch that named the first page.
        self.names = names or NameBook()
        #: The project of every job seen, so get / cancel / delete can name it.
        self.project_of: dict[str, str] = {}
        #: The other projects than the default one, where a job not found may be.
        self._project_ids: list[str] = []
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
        self._seen(page.items)
        self.names.apply(page.items)
        chosen = self._choose(projects)
        self._keep("save_projects", chosen)
        if chosen and is_page_of(page, chosen[0].id):
            self._keep("save_page", chosen[0].id, None, page)
        self._keep_names()
        return chosen, page

    # -- the cache --------------------------------------------------------------------------

    def _keep(self, what: str, *args: Any) -> None:
        """Queue a write to the cache (never waits, never fails)."""
        if self.cache is not None:
            self.cache.submit(what, *args)

    def _keep_names(self) -> None:
        """Queue the names learned since the last time (each written once)."""
        files = self._unkept(self.names.files, "file")
        configurations = self._unkept(self.names.configurations, "configuration")
        if files or configurations:
            self._keep("save_names", files, configurations)

    def _unkept(self, book: Mapping[str, str | None], kind: str) -> dict[str, str]:
        new = {k: v for k, v in book.items() if v and self._names_kept.get((kind, k)) != v}
        self._names_kept.update({(kind, k): v for k, v in new.items()})
        return new

    async def cached_view(self) -> CachedView | None:
        """What the cache held at start (read once, off the event loop), names applied."""
        future, self._view = self._view, None
        if future is None:
            return None
        try:
            view = await asyncio.wrap_future(future)
        except Exception:
            return None
        if view is None:
            return None
        self.names.learn(view.files, view.configurations)
        self._unkept(view.files, "file")  # in the cache already: not written back
        self._unkept(view.configurations, "configuration")
        for page in view.pages.values():
            self._seen(page.items)
            self.names.apply(page.items)
        return view

    async def cache_problem(self) -> str | None:
        """Why the cache is not used, or what was set aside (None: all is well)."""
        if self.cache is None:
            return None
        cache = await self.cache.opened()
        return cache.problem or cache.notice

    async def projects(self) -> list[Project]:
        prefetch, self.prefetch = self.prefetch, None
        if prefetch is not None:
            # Not in when the app mounted: wait for it (off the event loop), once.
            got = await prefetch.wait(15.0)
            if got is not None:
                projects, self._early_page = got
                return self._kept_projects(self._choose(projects))
        if self.client.project_id:
            return self._choose([])  # one project was asked for: no need to list them
        try:
            projects = await self.client.list_projects()
        except (AuthError, BadRequestError):
            # An organization key without organization_id, or a key scoped to one project:
            # its jobs still list without a project id.
            self.notes.append(PROJECTS_HIDDEN)
            hidden = Project(id=KEY_PROJECT, name="Default project of this key", is_default=True)
            return self._kept_projects([hidden])
        return self._kept_projects(self._choose(projects))

    def _kept_projects(self, projects: list[Project]) -> list[Project]:
        self._keep("save_projects", projects)
        return projects

    def _choose(self, projects: list[Project]) -> list[Project]:
        if self.client.project_id:
            chosen = [p for p in projects if p.id == self.client.project_id]
            projects = chosen or [Project(id=self.client.project_id, is_default=True)]
        else:
            # The default project first, the others as the API lists them.
            projects = sorted(projects, key=lambda p: not p.is_default)
        self._project_ids = [p.id for p in projects if not p.is_default]
        return projects

    def _seen(self, jobs: Sequence[ExtractJob]) -> None:
        for job in jobs:
            if job.project_id:
                self.project_of[job.id] = job.project_id

    async def page(self, project_id: str, token: str | None, page_size: int) -> JobPage:
        early, self._early_page = self._early_page, None
        if early is not None and token is None and is_page_of(early, project_id):
            page = early  # the default project's first page, prefetched (and named)
            self._keep_names()
        else:
            page = await self.client.list_jobs(
                project_id=None if project_id == KEY_PROJECT else project_id,
                page_token=token,
                page_size=page_size,
            )
        self._seen(page.items)
        self.names.apply(page.items)
        self._keep("save_page", project_id, token, page)
        return page

    async def history_page(
        self, project_id: str, token: str | None, since: datetime | None
    ) -> JobPage:
        page = await self.client.list_jobs(
            project_id=None if project_id == KEY_PROJECT else project_id,
            page_token=token,
            page_size=HISTORY_PAGE_SIZE,
            created_at_on_or_after=since.isoformat() if since is not None else None,
            expand=("configuration", "usage"),
        )
        self._seen(page.items)
        self.names.apply(page.items)
        return page

    async def job(self, job_id: str) -> ExtractJob:
        """The job with its expanded parts: the cache's copy of a finished one opened before
        (it never changes: no download), else the API's. When the cache does not answer at
        once (busy writing a big job), the API is asked too, and the first answer wins."""
        kept = self._kept_full(job_id)
        if kept is None:
            return await self._fetched(job_id)
        fetched: asyncio.Future[ExtractJob] | None = None
        try:
            done, _ = await asyncio.wait({kept}, timeout=CACHE_READ_WAIT)
            if not done:
                fetched = asyncio.ensure_future(self._fetched(job_id))
                done, _ = await asyncio.wait({kept, fetched}, return_when=asyncio.FIRST_COMPLETED)
                if kept not in done or kept.exception() is not None or kept.result() is None:
                    return await fetched
            found = None if kept.exception() is not None else kept.result()
            if found is None:
                fetched = asyncio.ensure_future(self._fetched(job_id))
                return await fetched
            self._seen([found])
            self.names.apply([found])
            return found
        finally:
            # the loser, or both when the caller gave up (a cursor moved on): nothing left
            # downloading in the background
            for task in (kept, fetched):
                if task is not None and not task.done():
                    task.cancel()

    def _kept_full(self, job_id: str) -> asyncio.Future[ExtractJob | None] | None:
        """The cache's read of a finished job's full copy (a None result: none kept)."""
        if self.cache is None:
            return None
        future = self.cache.submit("full_job", job_id)
        if future is None:
            return None

        def finished(job: ExtractJob | None) -> ExtractJob | None:
            return job if job is not None and job.is_terminal else None

        async def read() -> ExtractJob | None:
            return finished(await asyncio.wrap_future(future))

        return asyncio.ensure_future(read())

    async def _fetched(self, job_id: str) -> ExtractJob:
        try:
            job = await self._find(job_id)
        except NotFoundError:
            self._keep("forget", [job_id])
            raise
        self._seen([job])
        self.names.apply([job])
        self._keep("save_full", job)  # a finished one never changes: the next look is local
        return job

    async def name(self, jobs: list[ExtractJob]) -> bool:
        learned = await self.names.resolve(self.client, jobs)
        if learned:
            self._keep_names()
        return learned

    def apply_names(self, jobs: Iterable[ExtractJob]) -> None:
        self.names.apply(jobs)

    async def _find(self, job_id: str) -> ExtractJob:
        """The job in its project if known; else the key's default project, then the others."""
        from explorer.api.client import ALL_EXPANDS  # loaded already: self.client is one

        known = self.project_of.get(job_id)
        if known:
            return await self.client.get_job(job_id, expand=ALL_EXPANDS, project_id=known)
        try:
            return await self.client.get_job(job_id, expand=ALL_EXPANDS)
        except NotFoundError:
            if not self._project_ids:
                try:
                    self._choose(await self.client.list_projects())
                except (AuthError, BadRequestError):
                    raise NotFoundError(
                        f"job {job_id} is not in the key's default project", status=404
                    ) from None
            # the default project was asked first (no project id): the others, then
            for project_id in self._project_ids:
                try:
                    return await self.client.get_job(
                        job_id, expand=ALL_EXPANDS, project_id=project_id
                    )
                except NotFoundError:
                    continue
            raise

    async def jobs(self, refs: Sequence[tuple[str, str | None]]) -> list[ExtractJob]:
        # The list endpoint filters job_ids within one project: one batch per project.
        by_project: dict[str | None, list[str]] = {}
        for job_id, project_id in refs:
            project_id = project_id or self.project_of.get(job_id)
            by_project.setdefault(project_id, []).append(job_id)
        asked = {job_id for job_id, _ in refs}
        jobs: list[ExtractJob] = []
        for project_id, ids in by_project.items():
            got = await self.client.get_jobs(
                ids, project_id=project_id, max_retries=self.refresh_retries
            )
            # only what was asked for: a server adding others would grow the store each cycle
            jobs += [job for job in got if job.id in asked]
        self._seen(jobs)
        self.names.apply(jobs)
        self._keep("save_jobs", jobs)
        # asked for and not listed: deleted (the app takes them off the tree too)
        self._keep("forget", asked - {job.id for job in jobs})
        return jobs

    async def _project_for(self, job_id: str) -> str | None:
        """The job's project: known from a page, else found (None: the default project)."""
        known = self.project_of.get(job_id)
        if known is None:
            known = (await self._find(job_id)).project_id
            if known:
                self.project_of[job_id] = known
        return known

    async def cancel(self, job_id: str) -> ExtractJob:
        project_id = await self._project_for(job_id)
        job = await self.client.cancel_job(job_id, project_id=project_id)
        self.names.apply([job])
        self._keep("save_jobs", [job])
        return job

    async def delete(self, job_id: str, force: bool = False) -> None:
        project_id = await self._project_for(job_id)
        await self.client.delete_job(job_id, force=force, project_id=project_id)
        self._keep("forget", [job_id])

    async def create(
        self, file_input: str, configuration: dict[str, Any], project_id: str | None
    ) -> ExtractJob:
        job = await self.client.create_job(
            file_input,
            configuration=configuration,
            project_id=None if project_id in (None, KEY_PROJECT) else project_id,
        )
        self._seen([job])
        self.names.apply([job])
        return job

    async def validate_schema(self, data_schema: Any) -> Any:
        return await self.client.validate_schema(data_schema)

    def _document_cache(self) -> DocumentCache:
        if self.documents is None:
            from explorer.core.doc_cache import DocumentCache, default_cache_dir

            self.documents = DocumentCache(default_cache_dir(str(self.client.base_url)))
        return self.documents

    async def document(self, job: ExtractJob) -> FetchedDocument:
        from explorer.core.doc_fetch import fetch_document

        return await fetch_document(self.client, job.to_json_dict(), self._document_cache())

    async def page_picture(self, document: Document, page: int) -> bytes | None:
        from explorer.core.doc_fetch import page_picture_bytes

        return await page_picture_bytes(self.client, document, page, self._document_cache())


class FileJobSource:
    """Jobs read from files: no network, nothing changes."""

    live = False

    def __init__(self, loaded: LoadedFiles, document: Document | None = None) -> None:
        self.loaded = loaded
        #: The document given with ``--document``, for every job opened.
        self.given_document = document
        self.problems = loaded.problems
        self.notes: list[str] = list(loaded.notes)
        self._by_id = {job.id: job for job in loaded.jobs}
        self._by_project: dict[str, list[ExtractJob]] = {}
        for job in loaded.jobs:
            self._by_project.setdefault(job.project_id or FILES_PROJECT, []).append(job)
        for jobs in self._by_project.values():
            # Newest first, like the API; jobs without a date keep file order at the end.
            jobs.sort(key=created_stamp, reverse=True)

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
        return slice_page(self._by_project.get(project_id, []), token, page_size)

    async def history_page(
        self, project_id: str, token: str | None, since: datetime | None
    ) -> JobPage:
        return history_of(self._by_project.get(project_id, []), since)

    async def job(self, job_id: str) -> ExtractJob:
        try:
            return self._by_id[job_id]
        except KeyError:
            raise NotFoundError(f"job {job_id} is not in the files opened", status=404) from None

    async def jobs(self, refs: Sequence[tuple[str, str | None]]) -> list[ExtractJob]:
        return [self._by_id[j] for j, _ in refs if j in self._by_id]

    async def cancel(self, job_id: str) -> ExtractJob:
        raise PermissionError("offline files are read-only")

    async def delete(self, job_id: str, force: bool = False) -> None:
        raise PermissionError("offline files are read-only")

    async def create(
        self, file_input: str, configuration: dict[str, Any], project_id: str | None
    ) -> ExtractJob:
        raise PermissionError("offline files are read-only: a re-run needs the API")

    async def validate_schema(self, data_schema: Any) -> Any:
        raise PermissionError("offline files are read-only: validating a schema needs the API")

    async def name(self, jobs: list[ExtractJob]) -> bool:
        return False  # files carry what they carry; there is no one to ask

    def apply_names(self, jobs: Iterable[ExtractJob]) -> None:
        pass

    async def document(self, job: ExtractJob) -> FetchedDocument:
        from explorer.core.doc_fetch import FetchedDocument

        if self.given_document is not None:
            return FetchedDocument(self.given_document)
        return FetchedDocument(None, [NO_DOCUMENT_OFFLINE])

    async def page_picture(self, document: Document, page: int) -> bytes | None:
        return None  # a local document is a PDF or parse JSON; screenshots need the API


def history_of(jobs: list[ExtractJob], since: datetime | None) -> JobPage:
    """Jobs held in memory (newest first) created at or after ``since`` (undated ones kept),
    as one history page."""
    if since is not None:
        cut = since.timestamp()
        jobs = [j for j in jobs if j.created_at is None or created_stamp(j) >= cut]
    page = JobPage(total_size=len(jobs))
    page.items = list(jobs)
    return page

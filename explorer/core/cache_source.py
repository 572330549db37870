"""``--offline``: the jobs the cache holds, with nothing sent anywhere.

:class:`CacheJobSource` serves what :mod:`explorer.core.job_cache` kept of one service:
its projects, each project's listing, the finished jobs opened before (results, metadata,
citations) and, for the Source view, the documents the document cache holds. Nothing changes
offline: cancel, delete and re-run say they need the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from explorer.api.errors import NotFoundError
from explorer.api.models import ExtractJob, JobPage, Project
from explorer.core.files import FileProblem
from explorer.core.names import NameBook
from explorer.core.present import ago, created_stamp
from explorer.core.source import history_of, slice_page

if TYPE_CHECKING:
    from explorer.core.cache_worker import CacheWorker
    from explorer.core.doc_cache import DocumentCache
    from explorer.core.doc_fetch import FetchedDocument
    from explorer.core.document import Document
    from explorer.core.job_cache import CachedView

__all__ = ["CacheJobSource", "OfflineError"]

#: Why an action can't be done offline.
NEEDS_NETWORK = "offline: {what} needs the API (start without --offline)"


class OfflineError(ConnectionError):
    """Something not in the cache was asked for while offline."""


class _NoNetwork:
    """Stands in for the client where a cached document is looked for: a miss is a message."""

    async def get_parse_job(self, parse_id: str, **_: Any) -> Any:
        raise OfflineError(f"offline, and parse job {parse_id} was never fetched here")

    async def file_content_url(self, file_id: str, **_: Any) -> Any:
        raise OfflineError(f"offline, and file {file_id} was never downloaded here")


class CacheJobSource:
    """Jobs from the cache alone (``--offline``): read only, no network."""

    live = False

    def __init__(
        self, worker: CacheWorker, view: CachedView, documents: DocumentCache | None = None
    ) -> None:
        self.worker = worker
        self.view = view
        self.documents = documents
        self.problems: list[FileProblem] = []
        #: The file and configuration names the cache kept (all there are offline).
        self.names = NameBook()
        self.names.learn(view.files, view.configurations)
        age = ago(view.newest)
        #: Why nothing can be changed, in "Cannot cancel jobs: …".
        self.offline_why = "offline, from the cache (no API)"
        #: Said on the status line, and in the banner above the tree.
        self.where = f"offline · cache of {age}"
        self.banner = f"the cache of {worker.cache.base_url}, last written {age}"
        self.notes: list[str] = [
            f"Offline: {view.jobs} jobs from the cache of {worker.cache.base_url}, "
            f"last written {age}. Nothing is sent; jobs never opened online show their list "
            "copy only."
        ]
        self._by_id: dict[str, ExtractJob] = {
            job.id: job for page in view.pages.values() for job in page.items
        }
        self._full: dict[str, ExtractJob] = {}
        self.apply_names(self._by_id.values())

    async def projects(self) -> list[Project]:
        projects = list(self.view.projects)
        known = {p.id for p in projects}
        projects += [Project(id=pid) for pid in self.view.pages if pid not in known]
        return sorted(projects, key=lambda p: not p.is_default)

    async def page(self, project_id: str, token: str | None, page_size: int) -> JobPage:
        listed = self.view.pages.get(project_id)
        return slice_page(listed.items if listed is not None else [], token, page_size)

    async def history_page(
        self, project_id: str, token: str | None, since: datetime | None
    ) -> JobPage:
        jobs = await self.worker.call("project_jobs", project_id) or []
        self.apply_names(jobs)
        return history_of(sorted(jobs, key=created_stamp, reverse=True), since)

    async def job(self, job_id: str) -> ExtractJob:
        job = self._full.get(job_id)
        if job is None:
            job = await self.worker.call("full_job", job_id)
            if job is not None:
                self._full[job_id] = job
        if job is None:
            job = self._by_id.get(job_id) or await self.worker.call("list_copy", job_id)
        if job is None:
            raise NotFoundError(f"job {job_id} is not in the cache (offline)", status=404)
        self.apply_names([job])
        return job

    async def jobs(self, refs: Sequence[tuple[str, str | None]]) -> list[ExtractJob]:
        return [self._by_id[j] for j, _ in refs if j in self._by_id]

    async def cancel(self, job_id: str) -> ExtractJob:
        raise PermissionError(NEEDS_NETWORK.format(what="cancelling a job"))

    async def delete(self, job_id: str, force: bool = False) -> None:
        raise PermissionError(NEEDS_NETWORK.format(what="deleting a job"))

    async def create(
        self, file_input: str, configuration: dict[str, Any], project_id: str | None
    ) -> ExtractJob:
        raise PermissionError(NEEDS_NETWORK.format(what="a re-run"))

    async def validate_schema(self, data_schema: Any) -> Any:
        raise PermissionError(NEEDS_NETWORK.format(what="validating a schema"))

    async def name(self, jobs: list[ExtractJob]) -> bool:
        return False  # the names cached are all there are

    def apply_names(self, jobs: Iterable[ExtractJob]) -> None:
        self.names.apply(jobs)

    async def document(self, job: ExtractJob) -> FetchedDocument:
        from explorer.core.doc_fetch import FetchedDocument, fetch_document

        if self.documents is None:
            return FetchedDocument(None, ["offline, and no document cache"])
        client: Any = _NoNetwork()
        return await fetch_document(client, job.to_json_dict(), self.documents)

    async def page_picture(self, document: Document, page: int) -> bytes | None:
        return None  # screenshots come from the API

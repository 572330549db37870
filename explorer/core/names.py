"""File and configuration names for the jobs on screen, asked once per session, in batches.

A job names its document by id (`dfl-…`) and its saved configuration by id (`cfg-…`); people
know them by name. Names never change, so each is asked for once: the file names of a page
of jobs in one batched files request per project, the saved configurations in one listing
(then one request per id the listing lacked). When a name cannot be had — 403, 404, an
endpoint the server lacks — the id is shown and nothing else fails; an endpoint that refuses
once is not asked again this session. Transient failures (network, 5xx, 429) are retried once,
then left for the next page: a name is never worth holding up the jobs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from explorer.api.errors import ApiError, AuthError, BadRequestError, NotFoundError

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient
    from explorer.api.models import ExtractJob

log = logging.getLogger("explorer.names")

#: Errors that say "this will not work for this key/server": stop asking.
_REFUSALS = (AuthError, NotFoundError, BadRequestError)
#: Names are decoration: one retry, then the ids stay until the next page asks again.
NAME_RETRIES = 1


class NameBook:
    """Names of files and saved configurations, by id (None: asked, none to be had)."""

    def __init__(self) -> None:
        self.files: dict[str, str | None] = {}
        self.configurations: dict[str, str | None] = {}
        #: Why names of a kind are not asked for any more (shown nowhere; for the debug log).
        self.refused: dict[str, str] = {}
        self._listed_configurations = False

    # -- applying ---------------------------------------------------------------------------

    def learn(self, files: Mapping[str, str], configurations: Mapping[str, str]) -> None:
        """Names known from elsewhere (the local cache); what this book holds stays."""
        for key, name in files.items():
            self.files.setdefault(key, name)
        for key, name in configurations.items():
            self.configurations.setdefault(key, name)

    def apply(self, jobs: Iterable[ExtractJob]) -> None:
        """Give each job the names already known (no requests)."""
        for job in jobs:
            document = job.document
            if document and (name := self.files.get(document)):
                job.set_file_name(name)
            cid = job.configuration_id
            if cid and (name := self.configurations.get(cid)):
                job.set_configuration_name(name)

    # -- asking -----------------------------------------------------------------------------

    def missing(self, jobs: Iterable[ExtractJob]) -> bool:
        """Whether any of these jobs has a file or configuration never asked about."""
        return any(
            (
                "files" not in self.refused
                and (job.document or "").startswith("dfl-")
                and job.document not in self.files
            )
            or (
                "configurations" not in self.refused
                and job.configuration_id
                and job.configuration_id not in self.configurations
            )
            for job in jobs
        )

    async def resolve(self, client: ExtractClient, jobs: list[ExtractJob]) -> bool:
        """Ask for the names these jobs lack (one files request per project), then apply.

        True when a name was learned (what is on screen may want relabelling).
        """
        if not self.missing(jobs):
            self.apply(jobs)
            return False
        before = sum(1 for v in self.files.values() if v) + sum(
            1 for v in self.configurations.values() if v
        )
        # two round trips side by side, not one after the other
        await asyncio.gather(
            self._resolve_files(client, jobs), self._resolve_configurations(client, jobs)
        )
        self.apply(jobs)
        after = sum(1 for v in self.files.values() if v) + sum(
            1 for v in self.configurations.values() if v
        )
        return after > before

    async def _resolve_files(self, client: ExtractClient, jobs: list[ExtractJob]) -> None:
        if "files" in self.refused:
            return
        by_project: dict[str | None, list[str]] = {}
        for job in jobs:
            document = job.document
            # a pjb- input names a parse job, not a file: the files API can't name it
            if document and document.startswith("dfl-") and document not in self.files:
                by_project.setdefault(job.project_id, []).append(document)
        for project_id, ids in by_project.items():
            try:
                found = await client.get_files(ids, project_id=project_id, max_retries=NAME_RETRIES)
            except _REFUSALS as exc:
                self._refuse("files", exc)
                return
            except ApiError as exc:
                log.debug("file names not fetched this time: %s", exc.kind)
                continue
            for file_id in ids:
                info = found.get(file_id)
                self.files[file_id] = info.name if info is not None and info.name else None

    async def _resolve_configurations(self, client: ExtractClient, jobs: list[ExtractJob]) -> None:
        if "configurations" in self.refused:
            return
        wanted = {
            job.configuration_id: job.project_id
            for job in jobs
            if job.configuration_id and job.configuration_id not in self.configurations
        }
        if not wanted:
            return
        if not self._listed_configurations:
            await self.list_configurations(client, next(iter(wanted.values()), None))
            if "configurations" in self.refused or not self._listed_configurations:
                return
        for cid, project_id in wanted.items():
            if cid in self.configurations:
                continue
            try:
                saved = await client.get_configuration(
                    cid, project_id=project_id, max_retries=NAME_RETRIES
                )
            except (NotFoundError, AuthError):
                self.configurations[cid] = None  # deleted, or not ours: the id will do
            except ApiError as exc:
                log.debug("configuration %s not named this time: %s", cid, exc.kind)
            else:
                self.configurations[cid] = saved.name or None

    async def list_configurations(
        self, client: ExtractClient, project_id: str | None = None
    ) -> None:
        """Learn every saved configuration's name in one listing (once; no jobs needed, so a
        start-up can ask while the first page is on its way)."""
        if self._listed_configurations or "configurations" in self.refused:
            return
        try:
            listed = await client.list_configurations(
                project_id=project_id, max_retries=NAME_RETRIES
            )
        except _REFUSALS as exc:
            self._refuse("configurations", exc)
            return
        except ApiError as exc:
            log.debug("configuration names not fetched this time: %s", exc.kind)
            return
        self._listed_configurations = True
        for saved in listed:
            self.configurations[saved.id] = saved.name or None

    def _refuse(self, kind: str, exc: ApiError) -> None:
        self.refused[kind] = exc.kind
        log.debug("%s names unavailable (%s): ids are shown", kind, exc.kind)

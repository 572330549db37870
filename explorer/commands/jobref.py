"""Turn a ``JOB|FILE`` argument into a job, and API failures into sentences.

An argument naming an existing file or directory (or ``-`` for stdin) is read with
:func:`explorer.core.files.load_paths`; anything else is a job id fetched through the API: a
whole id as it is, a short one (``ext-5073e6``, as the tables print it) or any unique prefix
looked up in the job list first (:func:`resolve_job_id`). The connection is opened only when a
job has to be fetched: with no API key that starts the embedded simulator, which is announced on
stderr.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from explorer.api.client import ExtractClient, RetryEvent
from explorer.api.errors import ApiError, NotFoundError
from explorer.api.retry import RetryPolicy
from explorer.backend import Backend, start_backend
from explorer.commands import output
from explorer.commands.base import CommandError
from explorer.core.errors import describe_api_error
from explorer.core.present import id_matches, looks_like_full_id
from explorer.settings import Settings

if TYPE_CHECKING:
    from explorer.api.models import ExtractJob
    from explorer.core.source import ApiJobSource

__all__ = [
    "Connection",
    "LoadedJob",
    "describe_api_error",
    "id_matches",
    "is_file_ref",
    "load_job",
    "looks_like_full_id",
    "resolve_job_id",
    "run_with_connection",
]

T = TypeVar("T")

DEMO_NOTE = "using the embedded simulator (no LLAMA_CLOUD_API_KEY)"
#: Retry policy of the commands' client; None is the client's SDK-like default (tests shorten it).
RETRY_POLICY: RetryPolicy | None = None
_FILE_SUFFIXES = (".json", ".jsonl", ".ndjson")
_MAX_LISTED = 5
#: Jobs per page when a short id is looked for in the job list (the API's largest page).
RESOLVE_PAGE_SIZE = 100
#: The candidates an ambiguous id lists at most.
_MAX_CANDIDATES = 10


class Connection:
    """The backend and client of one command run, started only when first needed."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._backend: Backend | None = None
        self._client: ExtractClient | None = None
        self._source: ApiJobSource | None = None

    @property
    def demo(self) -> bool:
        """Whether the jobs come from the embedded simulator."""
        return self._backend is not None and self._backend.demo

    async def client(self) -> ExtractClient:
        """The client, starting the backend (the embedded simulator without a key) on first use."""
        if self._client is None:
            if not self.settings.api_key:
                output.note(DEMO_NOTE)
            self._backend = start_backend(self.settings)
            output.add_secret(self._backend.api_key)
            kw: dict[str, Any] = {"retry": RETRY_POLICY} if RETRY_POLICY is not None else {}
            self._client = self._backend.client(self.settings, on_retry=_on_retry, **kw)
        return self._client

    async def source(self) -> ApiJobSource:
        """Jobs through the explorer's source: found in whichever project holds them, with the
        names of their files and configurations."""
        if self._source is None:
            from explorer.core.source import ApiJobSource

            self._source = ApiJobSource(await self.client(), refresh_retries=5)
        return self._source

    async def aclose(self) -> None:
        """Close the client and stop the embedded simulator, if started."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._backend is not None:
            self._backend.stop()
            self._backend = None


def _on_retry(event: RetryEvent) -> None:
    output.note(f"{event.reason}; retrying in {event.delay:.1f} s (attempt {event.attempt + 1})")


def run_with_connection(settings: Settings, work: Callable[[Connection], Awaitable[T]]) -> T:
    """Run ``work`` with a connection on a fresh event loop, and close it afterwards."""
    import asyncio

    async def main() -> T:
        conn = Connection(settings)
        try:
            return await work(conn)
        finally:
            await conn.aclose()

    return asyncio.run(main())


@dataclass
class LoadedJob:
    """A job as plain JSON, and where it came from (for messages)."""

    data: dict[str, Any]
    origin: str
    """The file it was read from, or ``"api"``."""
    file_name: str | None = None
    """The document's name, from the files API (the job carries only its id)."""
    configuration_name: str | None = None
    """The saved configuration's name, from the configurations API."""

    @property
    def id(self) -> str:
        """The job's id."""
        return str(self.data.get("id", "?"))

    @property
    def status(self) -> str:
        """The job's status as sent (``?`` when missing)."""
        status = self.data.get("status")
        return status if isinstance(status, str) else "?"


def is_file_ref(ref: str) -> bool:
    """Whether an argument names a file (or stdin) rather than a job id.

    Raises :class:`CommandError` for what is clearly meant as a path but does not exist.
    """
    if ref == "-" or os.path.exists(ref):
        return True
    if os.sep in ref or ref.lower().endswith(_FILE_SUFFIXES):
        raise CommandError(f"no such file: {ref}")
    return False


def _pick(jobs: list[Any], where: str, pick: str | None) -> Any:
    if pick is None:
        if len(jobs) == 1:
            return jobs[0]
        ids = ", ".join(j.id for j in jobs[:_MAX_LISTED])
        if len(jobs) > _MAX_LISTED:
            ids += ", ..."
        raise CommandError(f"{where} holds {len(jobs)} jobs ({ids}); choose one with --job ID")
    exact = [j for j in jobs if j.id == pick]
    matches = exact or [j for j in jobs if j.id.startswith(pick)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CommandError(f"no job {pick} in {where} (it holds {len(jobs)} jobs)")
    raise CommandError(f"{pick} matches {len(matches)} jobs in {where}; give more of the id")


def load_file_job(ref: str, pick: str | None = None) -> LoadedJob:
    """The job in a file (or stdin), picked by ``pick`` when the file holds several."""
    from explorer.core.files import load_paths

    where = "stdin" if ref == "-" else ref
    loaded = load_paths([ref])
    for note in loaded.notes:
        output.note(note)
    if not loaded.jobs:
        if loaded.problems:
            first = loaded.problems[0]
            more = f" (and {len(loaded.problems) - 1} more)" if len(loaded.problems) > 1 else ""
            raise CommandError(f"cannot read a job from {first.path}: {first.reason}{more}")
        raise CommandError(f"no job in {where}")
    job = _pick(loaded.jobs, where, pick)
    data = job.to_json_dict()
    return LoadedJob(data, loaded.origins.get(job.id, where))


async def resolve_job_id(conn: Connection, ref: str) -> str:
    """The whole id of the job ``ref`` names: ``ref`` itself when it is a whole id, else the one
    job of the list (every project the key sees, page by page) it is a prefix of.

    The listing stops as soon as a second match is found: that ends in :class:`CommandError`
    listing the candidates; no match in the whole list is the usual "not found".
    """
    ref = ref.strip()
    if not ref:
        raise CommandError("no job id given")
    if looks_like_full_id(ref):
        return ref
    source = await conn.source()
    client = await conn.client()
    matches: dict[str, ExtractJob] = {}
    try:
        for project in await source.projects():
            guard = client.page_guard(page_size=RESOLVE_PAGE_SIZE)
            token: str | None = None
            while True:
                page = await source.page(project.id, token, RESOLVE_PAGE_SIZE)
                for job in page.items:
                    if job.id == ref:
                        return job.id
                    if id_matches(job.id, ref):
                        matches.setdefault(job.id, job)
                if len(matches) > 1:
                    raise await _ambiguous(conn, ref, list(matches.values()))
                token = guard.next(page.next_page_token)
                if token is None:
                    break
    except ApiError as exc:
        raise CommandError(describe_api_error(exc, ref, demo=conn.demo)) from None
    if not matches:
        missing = NotFoundError(f"no job id starts with {ref}", status=404)
        raise CommandError(describe_api_error(missing, ref, demo=conn.demo))
    return next(iter(matches))


async def _ambiguous(conn: Connection, ref: str, jobs: list[ExtractJob]) -> CommandError:
    """The error of an id that more than one job starts with: the first few, with their
    status and document (named, when the files API says)."""
    shown = jobs[:_MAX_CANDIDATES]
    with contextlib.suppress(ApiError):  # without names, the document ids will do
        await (await conn.source()).name(shown)
    rows = [
        [output.cell(j.id, 60), output.cell(j.status, 24), output.cell(j.document_label, 60)]
        for j in shown
    ]
    table = output.render_table(["ID", "STATUS", "DOCUMENT"], rows).splitlines()
    more = f" (and {len(jobs) - len(shown)} more)" if len(jobs) > len(shown) else ""
    return CommandError(
        f"{ref} could be more than one job{more}; give more of the id:",
        details=[f"  {line}" for line in table],
    )


async def fetch_job(conn: Connection, job_id: str, names: bool = False) -> LoadedJob:
    """A job fetched through the API, fully expanded (with ``names``, its file's and saved
    configuration's names too: two more requests, for commands that show them)."""
    source = await conn.source()
    try:
        job = await source.job(job_id)
        if names:
            await source.name([job])
    except ApiError as exc:
        raise CommandError(describe_api_error(exc, job_id, demo=conn.demo)) from None
    return LoadedJob(job.to_json_dict(), "api", job.file_name, job.configuration_name)


async def load_job(
    conn: Connection, ref: str, pick: str | None = None, names: bool = False
) -> LoadedJob:
    """The job an argument names: read from a file, or fetched by id (see `fetch_job`)."""
    if is_file_ref(ref):
        return load_file_job(ref, pick)
    if pick is not None:
        raise CommandError(f"--job is for files holding several jobs; {ref} is a job id")
    return await fetch_job(conn, await resolve_job_id(conn, ref), names)

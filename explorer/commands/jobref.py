"""Turn a ``JOB|FILE`` argument into a job, and API failures into sentences.

An argument naming an existing file or directory (or ``-`` for stdin) is read with
:func:`explorer.core.files.load_paths`; anything else is a job id fetched through the API. The
connection is opened only when a job has to be fetched: with no API key that starts the
embedded simulator, which is announced on stderr.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from explorer.api.client import ExtractClient, RetryEvent
from explorer.api.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    BadResponseError,
    ConflictError,
    InsecureTransportError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from explorer.api.retry import RetryPolicy
from explorer.backend import Backend, start_backend
from explorer.commands import output
from explorer.commands.base import CommandError
from explorer.settings import Settings

if TYPE_CHECKING:
    from explorer.core.source import ApiJobSource

__all__ = [
    "Connection",
    "LoadedJob",
    "describe_api_error",
    "is_file_ref",
    "load_job",
    "run_with_connection",
]

T = TypeVar("T")

DEMO_NOTE = "using the embedded simulator (no LLAMA_CLOUD_API_KEY)"
#: Retry policy of the commands' client; None is the client's SDK-like default (tests shorten it).
RETRY_POLICY: RetryPolicy | None = None
_FILE_SUFFIXES = (".json", ".jsonl", ".ndjson")
_MAX_LISTED = 5


def describe_api_error(exc: ApiError, job_id: str | None = None, *, demo: bool = False) -> str:
    """What went wrong, in words a user can act on; never includes the key."""
    what = f"job {job_id}" if job_id else "the request"
    if isinstance(exc, NotFoundError):
        if job_id is None:
            return f"not found: {exc}"
        hint = " in the embedded simulator (set LLAMA_CLOUD_API_KEY for LlamaCloud)" if demo else ""
        return f"job {job_id} not found{hint}"
    if isinstance(exc, AuthError):
        return f"key rejected ({exc.status}): check LLAMA_CLOUD_API_KEY"
    if isinstance(exc, RateLimitedError):
        after = f"; retry after {exc.retry_after:.0f} s" if exc.retry_after is not None else ""
        return f"rate limited by the server{after}"
    if isinstance(exc, ServerError):
        return f"server error {exc.status} for {what}, after retries: {exc.detail or exc}"
    if isinstance(exc, NetworkError):
        return f"cannot reach the server: {exc}"
    if isinstance(exc, InsecureTransportError):
        return str(exc)
    if isinstance(exc, ConflictError | BadRequestError):
        return f"{exc.detail or exc}"
    if isinstance(exc, BadResponseError):
        return f"bad response from the server: {exc}"
    return str(exc)


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
    return await fetch_job(conn, ref, names)

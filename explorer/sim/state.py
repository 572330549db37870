"""The simulator's world and request accounting, shared by every request thread."""

from __future__ import annotations

import threading
import time
from bisect import insort
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import orjson

from .around import check_access
from .bulk import big_outcome, bulk_records, running_records
from .config import SimConfig
from .creation import parse_create, target_page_count
from .errors import ApiError, not_found
from .files import FileIndex, FileRecord, ParseRecord
from .history import history_records
from .ids import prefixed, rng_for
from .library import DocumentStore
from .listing import ListQuery, select, sort_key
from .outcome import Outcome, build_outcome
from .records import TERMINAL, JobRecord, error_message_for, magic_phases
from .render import EXPANDABLE, parse_job_id, render_job
from .timebase import WorldClock
from .world import HISTORY, Project, build_world

LOG_LIMIT = 10_000
_T = TypeVar("_T")


class SimState:
    """The world plus request counters. Thread-safe: handlers run in a thread pool."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.clock = WorldClock(self.config.now, self.config.clock)
        self.today = self.clock.base.date()
        self._lock = threading.RLock()
        # results are built outside the store lock so one slow build doesn't stall every request
        self._build_lock = threading.Lock()
        self._requests = 0
        self._log: deque[tuple[float, str, str, int]] = deque(maxlen=LOG_LIMIT)
        self._created = 0

        world = build_world(self.config)
        self.projects: dict[str, Project] = world.projects
        self.configurations = world.configurations
        #: Jobs by role (`state.notable["big"]`); a role of a project built on first use
        #: (`history_*`) is found by `[]`, which builds it.
        self.notable: dict[str, str] = _Roles(world.notable, self._load_next)
        self.default_project = world.default_project
        self._jobs: dict[str, JobRecord] = {}
        self.index = FileIndex()
        # every file's document (laid out, printed) on first request: nothing is made here
        self.documents = DocumentStore(self)
        #: Where presigned URLs point (another port or host, as an object store is); None
        #: means the host the request came to.
        self.storage_url: str | None = None
        self._by_project: dict[str, list[JobRecord]] = {p: [] for p in self.projects}
        records = world.records + running_records(
            self.config.running_jobs,
            self.config.seed,
            self.default_project.id,
            self.config.job_seconds,
        )
        self._add_all(records)
        # projects whose jobs are built on first use (one that misses a job, a file or a parse
        # job builds them all): hundreds of history jobs, up to 100,000 bulk ones
        self._later: dict[str, Callable[[], tuple[list[JobRecord], dict[str, str]]]] = {}
        for p in self.projects.values():
            if p.name == HISTORY:
                self._later[p.id] = partial(
                    history_records,
                    self.config.seed,
                    p.id,
                    world.saved,
                    self.config.shape,
                    self.clock.base,
                )
            elif p.name == "Bulk":
                self._later[p.id] = partial(self._bulk, p.id, world.saved)

    # --- accounting -------------------------------------------------------------------------

    @property
    def requests(self) -> int:
        """How many HTTP requests arrived (faulted ones included)."""
        return self._requests

    @property
    def request_log(self) -> list[tuple[float, str, str, int]]:
        """The last requests as (time, method, path, status); status 0 = connection dropped."""
        with self._lock:
            return list(self._log)

    def count_request(self) -> None:
        """Note one arriving request."""
        with self._lock:
            self._requests += 1

    def log_request(self, method: str, path: str, status: int, at: float | None = None) -> None:
        """Note how a request was answered."""
        with self._lock:
            self._log.append((time.time() if at is None else at, method, path, status))

    @property
    def blob_requests_with_auth(self) -> int:
        """How many object-store (`/blob/`) requests carried an Authorization header."""
        return self.documents.blob_requests_with_auth

    def reset_counters(self) -> None:
        """Zero the request count and clear the log."""
        with self._lock:
            self._requests = 0
            self._log.clear()

    # --- the store --------------------------------------------------------------------------

    def _add_all(self, records: list[JobRecord]) -> None:
        with self._lock:
            for rec in records:
                self._jobs[rec.id] = rec
                self._by_project[rec.project_id].append(rec)
                self.index.add_job(rec)
            for lst in self._by_project.values():
                lst.sort(key=sort_key)

    def _bulk(
        self, project_id: str, saved: dict[str, tuple[str, dict[str, Any]]]
    ) -> tuple[list[JobRecord], dict[str, str]]:
        config = self.config
        return bulk_records(config.bulk_jobs, config.seed, project_id, saved, config.shape), {}

    def _load(self, project_id: str | None = None) -> None:
        """Build the jobs of a project made on first use (of every such project: None)."""
        if not self._later:
            return
        with self._lock:
            for pid in [project_id] if project_id is not None else list(self._later):
                build = self._later.get(pid)
                if build is None:
                    continue
                records, roles = build()
                self._add_all(records)
                dict.update(self.notable, roles)
                del self._later[pid]

    def _load_next(self) -> bool:
        """Build the next project made on first use; False when none is left."""
        with self._lock:
            pending = next(iter(self._later), None)
            if pending is None:
                return False
            self._load(pending)
            return True

    def now(self) -> float:
        """The world's current time, relative to its base time."""
        return self.clock.now()

    def record(self, job_id: str) -> JobRecord | None:
        """The stored job, or None."""
        return self._find(lambda: self._jobs.get(job_id))

    def _find(self, get: Callable[[], _T | None]) -> _T | None:
        """`get()` under the lock; after a miss, again once every project made on first use
        is built (the thing may be one of theirs)."""
        with self._lock:
            found = get()
        if found is None and self._later:
            self._load()
            with self._lock:
                found = get()
        return found

    def outcome_of(self, rec: JobRecord) -> Outcome:
        """The job's result and metadata, built on first use."""
        if rec.outcome is not None:
            return rec.outcome
        with self._build_lock:
            if rec.outcome is not None:
                return rec.outcome
            if "big" in rec.tweaks:
                outcome = big_outcome(rec, self.today)
            else:
                outcome = build_outcome(rec, self.today, lambda: self.documents.paper_for_job(rec))
            if rec.cacheable:
                rec.outcome = outcome
            return outcome

    def render(
        self, rec: JobRecord, expand: frozenset[str] = frozenset(), now: float | None = None
    ) -> dict[str, Any]:
        """The job's JSON (may hold pre-serialized fragments; see `get_job` for plain data)."""
        return render_job(
            rec,
            shape=self.config.shape,
            clock=self.clock,
            now=self.now() if now is None else now,
            expand=expand,
            outcome_of=self.outcome_of,
        )

    def get_job(self, job_id: str, expand: tuple[str, ...] = EXPANDABLE) -> dict[str, Any] | None:
        """The job as plain JSON data (everything expanded by default), or None."""
        rec = self.record(job_id)
        if rec is None:
            return None
        return orjson.loads(orjson.dumps(self.render(rec, frozenset(expand))))

    def find_by_file_name(self, file_name: str) -> list[str]:
        """Ids of jobs on the file named `file_name`, newest first."""
        self._load()
        with self._lock:
            found = [
                r
                for r in self._jobs.values()
                if (f := self.index.file_of(r)) is not None and f.name == file_name
            ]
        return [r.id for r in sorted(found, key=sort_key)]

    # --- files and parse jobs ----------------------------------------------------------------

    def file(self, file_id: str) -> FileRecord | None:
        """A stored file, or None."""
        return self._find(lambda: self.index.files.get(file_id))

    def parse_job(self, parse_job_id: str) -> ParseRecord | None:
        """A stored parse job, or None."""
        return self._find(lambda: self.index.parse_jobs.get(parse_job_id))

    def file_of(self, rec: JobRecord) -> FileRecord | None:
        """The file a job ran on."""
        with self._lock:
            return self.index.file_of(rec)

    def jobs_on_document(self, document: str) -> list[JobRecord]:
        """The stored jobs whose `file_input` is `document` (a file or parse job id)."""
        with self._lock:
            return [r for r in self._jobs.values() if r.document == document]

    # --- projects ---------------------------------------------------------------------------

    def project_json(self, p: Project) -> dict[str, Any]:
        """A project as the API returns it."""
        return {
            "id": p.id,
            "name": p.name,
            "organization_id": p.organization_id,
            "is_default": p.is_default,
            "created_at": self.clock.iso(p.created),
            "updated_at": self.clock.iso(p.updated),
        }

    def resolve_project(self, project_id: str | None, organization_id: str | None) -> Project:
        """The project a request addresses (the default one when it names none; see
        `explorer.sim.around` for the rule), or 404/403."""
        if project_id:
            p = self.projects.get(project_id)
            if p is None or (organization_id and p.organization_id != organization_id):
                raise not_found("Project", project_id)
        elif not organization_id or organization_id == self.default_project.organization_id:
            p = self.default_project
        else:
            in_org = [p for p in self.projects.values() if p.organization_id == organization_id]
            if not in_org:
                raise not_found("Organization", organization_id)
            p = in_org[0]
        check_access(self, p)
        return p

    def project_files(self, project_id: str) -> list[FileRecord]:
        """The files of one project."""
        self._load(project_id)
        with self._lock:
            return [f for f in self.index.files.values() if f.project_id == project_id]

    # --- jobs -------------------------------------------------------------------------------

    def list_jobs(self, q: ListQuery) -> dict[str, Any]:
        """A page of `GET /api/v2/extract`."""
        project = self.resolve_project(q.project_id, q.organization_id)
        self._load(project.id)
        now = self.now()
        with self._lock:
            if q.job_ids is not None:
                pool = sorted(
                    (
                        self._jobs[i]
                        for i in q.job_ids
                        if i in self._jobs and self._jobs[i].project_id == project.id
                    ),
                    key=sort_key,
                )
            else:
                pool = self._by_project[project.id]
            page, token, _total = select(pool, q, now)
        items = [self.render(r, q.expand, now) for r in page]
        # no total_size: the SDK says it "is only populated when specifically requested", and
        # no parameter asks for it, so a client must never need it
        return {"items": items, "next_page_token": token}

    def job(
        self, job_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> JobRecord:
        """The job a path names in the addressed project, or a 404."""
        project = self.resolve_project(project_id, organization_id)
        rec = self.record(job_id)
        if rec is None or rec.project_id != project.id:
            raise not_found("Extract job", job_id)
        return rec

    def create_job(
        self, body: Any, project_id: str | None = None, organization_id: str | None = None
    ) -> dict[str, Any]:
        """Store a new job (PENDING) from a create request body and return it."""
        project = self.resolve_project(project_id, organization_id)
        req = parse_create(body, self.config.shape, self.configurations)
        with self._lock:
            self._created += 1
            rng = rng_for(self.config.seed, "created", self._created)
            now = self.now()
            phases, fails = magic_phases(req.document, now, self.config.job_seconds)
            target = req.configuration.get("extraction_target")
            known = self.index.file_for(req.document)
            pages = known.source.pages if known else rng.randint(1, 6)
            if isinstance(req.configuration.get("target_pages"), str):
                pages = target_page_count(req.configuration["target_pages"], pages)
            if isinstance(req.configuration.get("max_pages"), int):
                pages = min(pages, req.configuration["max_pages"])
            rec = JobRecord(
                id=prefixed("ext", rng),
                project_id=project.id,
                document=req.document,
                created=now,
                phases=phases,
                configuration=req.configuration,
                configuration_id=req.configuration_id,
                file_name=known.name
                if known
                else _file_name_for(req.document, req.configuration, self.config.seed),
                pages=pages,
                # a known file reads as it did before: the same values on the same pages
                value_seed=known.source.value_seed
                if known
                else f"{self.config.seed}:{req.document}",
                rows=rng.randint(6, 30) if target == "per_table_row" else 0,
            )
            if fails:
                rec.error_message = error_message_for(
                    rng.randrange(7), rec.document, parse_job_id(rec)
                )
            self._jobs[rec.id] = rec
            insort(self._by_project[project.id], rec, key=sort_key)
            self.index.add_job(rec)
        return self.render(rec, frozenset({"configuration"}), now)

    def cancel_job(self, rec: JobRecord) -> dict[str, Any]:
        """Cancel a job that hasn't finished; 409 if it has."""
        with self._lock:
            now = self.now()
            status, _ = rec.status_at(now)
            if status in TERMINAL:
                raise ApiError(409, f"Job {rec.id} is {status} and cannot be cancelled")
            rec.cancel(now)
        return self.render(rec, frozenset(), now)

    def delete_job(self, rec: JobRecord, force: bool = False) -> dict[str, Any]:
        """Remove a finished job (any job with `force`); 409 for one still running."""
        with self._lock:
            status, _ = rec.status_at(self.now())
            if status not in TERMINAL and not force:
                raise ApiError(
                    409, f"Job {rec.id} is {status}; cancel it first or delete with force=true"
                )
            self._jobs.pop(rec.id, None)
            self.index.remove_job(rec)
            lst = self._by_project[rec.project_id]
            if rec in lst:
                lst.remove(rec)
            for role, jid in list(self.notable.items()):
                if jid == rec.id:
                    del self.notable[role]
        return {"id": rec.id, "deleted": True}


class _Roles(dict[str, str]):
    """Job ids by role; a role not there yet builds the projects made on first use, one by
    one, until it is (`load_next` builds the next and says whether there was one)."""

    def __init__(self, roles: dict[str, str], load_next: Callable[[], bool]) -> None:
        super().__init__(roles)
        self._load_next = load_next

    def __missing__(self, role: str) -> str:
        while self._load_next():
            if dict.__contains__(self, role):
                return dict.__getitem__(self, role)
        raise KeyError(role)


def _file_name_for(document: str, configuration: dict[str, Any], seed: int) -> str:
    """A file name for a created job: the same document always has the same name."""
    schema = configuration.get("data_schema")
    title = schema.get("title") if isinstance(schema, dict) else None
    slug = "-".join(str(title or "document").lower().split()) or "document"
    return f"{slug}-{rng_for(seed, 'file', document).randint(1000, 99999)}.pdf"

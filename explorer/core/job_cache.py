"""What the explorer has seen of a service, kept on disk so the next start is instant and a
start without the network still has jobs to show.

One SQLite database (stdlib ``sqlite3``, WAL mode) per base URL and organisation, under
``$XDG_CACHE_HOME/extract-explorer/jobs/`` (``~/.cache/...``), mode 0600 in a 0700 directory.
It holds projects, each project's listing (the job ids loaded, in order), every listed job as
the list gave it, finished jobs as opened (with their ``expand``ed parts; compressed, parsed
lazily when opened again) and file and configuration names. Never the key, a header or a URL:
only what the API answered, with any registered secret redacted on the way in.

A database written by another version, or one SQLite cannot read, is set aside (renamed
``….set-aside-<time>``) with a message, and a fresh one started; one locked by another process
is left alone and not used this run. Every failure becomes :attr:`JobCache.problem`, never an
exception: the cache only ever makes things faster.

:class:`JobCache` is synchronous and used from one thread; ``cache_worker.CacheWorker`` owns it
on a thread of its own, so nothing here ever runs on an event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from explorer.api.models import ExtractJob, JobPage, Project
from explorer.core.cache_pack import pack_json, unpack_job

__all__ = [
    "DEFAULT_CACHE_MB",
    "SCHEMA_VERSION",
    "CachedView",
    "JobCache",
    "cache_dir",
    "cache_path",
]

#: The cache's size cap when none is configured (``cache_max_mb``).
DEFAULT_CACHE_MB = 500
#: The layout of the tables; a database with another is set aside.
SCHEMA_VERSION = 1
#: Job ids kept per project listing (what was loaded, newest first).
MAX_LISTING = 1000
#: How long a write waits for another process's (ms) before the cache gives up on it.
BUSY_MS = 1500
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_SUFFIX = ".sqlite3"
_SET_ASIDE = ".set-aside-"

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, position INTEGER, body TEXT);
CREATE TABLE IF NOT EXISTS listings (
    project_id TEXT PRIMARY KEY, ids TEXT, next_token TEXT, total INTEGER, written_at REAL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, project_id TEXT, status TEXT, item BLOB, full BLOB,
    size INTEGER, used_at REAL, written_at REAL);
CREATE INDEX IF NOT EXISTS jobs_used ON jobs (used_at);
CREATE TABLE IF NOT EXISTS names (kind TEXT, id TEXT, name TEXT, PRIMARY KEY (kind, id));
"""


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/extract-explorer/jobs`` (else ``~/.cache/extract-explorer/jobs``)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "extract-explorer" / "jobs"


def _identity(base_url: str, organization: str | None) -> str:
    return f"{base_url.strip().rstrip('/')}\n{organization or ''}"


def cache_path(directory: Path, base_url: str, organization: str | None) -> Path:
    """The database of one base URL and organisation: ``<host>-<hash>.sqlite3``."""
    host = _SAFE.sub("_", urlsplit(base_url.strip()).netloc)[:60] or "default"
    digest = hashlib.sha256(_identity(base_url, organization).encode()).hexdigest()[:16]
    return directory / f"{host}-{digest}{_SUFFIX}"


@dataclass
class CachedView:
    """What the cache holds for a start: projects, each project's listed jobs, names."""

    projects: list[Project]
    #: project id -> its listing as a page (jobs in list order, the saved next token, total)
    pages: dict[str, JobPage]
    #: project id -> when its listing was last written
    written: dict[str, datetime]
    files: dict[str, str] = field(default_factory=dict)
    configurations: dict[str, str] = field(default_factory=dict)

    @property
    def jobs(self) -> int:
        return sum(len(page.items) for page in self.pages.values())

    @property
    def newest(self) -> datetime | None:
        return max(self.written.values(), default=None)


class JobCache:
    """One service's cache database. Every method is safe to call when it failed (then it
    does nothing and returns nothing); none raises."""

    def __init__(
        self,
        path: Path,
        base_url: str,
        organization: str | None,
        cap_bytes: int = DEFAULT_CACHE_MB * 1024 * 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.base_url = base_url
        self.organization = organization
        self.cap_bytes = cap_bytes
        self.clock = clock
        #: Why the cache is not in use (shown to the user); None while it works.
        self.problem: str | None = None
        #: What happened to an unusable file found at start (set aside), for the user.
        self.notice: str | None = None
        self._db: sqlite3.Connection | None = None
        self._total = 0
        #: Writes dropped because another process held the database past the busy timeout.
        self.skipped = 0
        self._open()

    # -- opening ----------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with contextlib.suppress(OSError):
                os.chmod(self.path.parent, 0o700)
        except OSError as exc:
            self.problem = f"the cache directory {self.path.parent} can't be made ({exc})"
            return
        for attempt in range(2):
            try:
                self._db = self._connect()
                return
            except sqlite3.OperationalError as exc:
                self._close_quietly()
                if _busy(exc):
                    self.problem = (
                        f"the cache {self.path} is locked by another process: not used this run"
                    )
                    return
                why = str(exc)
            except (sqlite3.DatabaseError, _WrongVersion) as exc:
                self._close_quietly()
                why = str(exc)
            if attempt == 1 or not self._set_aside(why):
                self.problem = f"the cache {self.path} can't be used ({why})"
                return

    def _connect(self) -> sqlite3.Connection:
        # made private before SQLite writes a byte (a peer may have made it a moment ago)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.chmod(self.path, 0o600)
        db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # counts only before the first table
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            # Checked and laid out in one write transaction: a peer starting at the same
            # moment waits, then finds the layout whole (never half made, and set aside).
            db.execute("BEGIN IMMEDIATE")
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                fresh = not db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
                if not fresh and version != SCHEMA_VERSION:
                    raise _WrongVersion(
                        f"written by another version of extract-explorer (layout {version}, "
                        f"this one reads {SCHEMA_VERSION})"
                    )
                if fresh:
                    for statement in _TABLES.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    db.executemany(
                        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                        [
                            ("base_url", self.base_url),
                            ("organization", self.organization or ""),
                            ("created_at", str(self.clock())),
                        ],
                    )
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
            row = db.execute("SELECT COALESCE(SUM(size), 0) FROM jobs").fetchone()
            self._total = int(row[0])
        except BaseException:
            db.close()
            raise
        for extra in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.chmod(f"{self.path}{extra}", 0o600)
        return db

    def _set_aside(self, why: str) -> bool:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}{_SET_ASIDE}{stamp}")
        try:
            os.replace(self.path, target)
        except OSError:
            return False
        for extra in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{extra}")
        self.notice = f"the cache {self.path.name} was set aside as {target.name}: {why}"
        return True

    def _close_quietly(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def close(self) -> None:
        self._close_quietly()

    @property
    def usable(self) -> bool:
        return self._db is not None and self.problem is None

    def _transaction(self, work: Callable[[sqlite3.Connection], None]) -> bool:
        """Run ``work`` in one write transaction; whether it went in. A peer holding the
        database past the busy timeout drops it (counted); any other failure stops the cache
        for this run."""
        db = self._db
        if db is None or self.problem is not None:
            return False
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                work(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if _busy(exc):
                self.skipped += 1  # a peer is writing: this write is dropped, the next may go
            else:
                self._failed(exc)
            return False
        return True

    def _write(self, work: Callable[[sqlite3.Connection], None]) -> None:
        """:meth:`_transaction`, then eviction when the cache is past its cap."""
        if self._transaction(work) and self._total > self.cap_bytes:
            self._evict()

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[Any] | None:
        """The rows of a read; None when the cache is not in use or the read failed."""
        db = self._db
        if db is None or self.problem is not None:
            return None
        try:
            return db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None

    def _failed(self, exc: sqlite3.Error) -> None:
        self.problem = (
            f"the cache {self.path} stopped working ({exc}): not used for the rest of this run"
        )
        self._close_quietly()

    # -- writing ----------------------------------------------------------------------------

    def save_projects(self, projects: Iterable[Project]) -> None:
        rows = [
            (p.id, i, json.dumps(p.model_dump(mode="json", exclude_none=True)))
            for i, p in enumerate(projects)
        ]

        def work(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM projects")
            db.executemany("INSERT INTO projects VALUES (?, ?, ?)", rows)

        if rows:
            self._write(work)

    def _put_items(self, db: sqlite3.Connection, jobs: Iterable[ExtractJob]) -> None:
        now = self.clock()
        for job in jobs:
            old = db.execute(
                "SELECT status, size, length(full) FROM jobs WHERE id = ?", (job.id,)
            ).fetchone()
            if old is not None and old[0] == job.status and job.is_terminal:
                # a finished job never changes: the copy kept is this one (listed: in use)
                db.execute("UPDATE jobs SET used_at = ? WHERE id = ?", (now, job.id))
                continue
            item = pack_json(job.to_json_dict(), limit=self.cap_bytes // 4)
            if item is None:
                continue  # one job must not push everything else out
            if old is None:
                db.execute(
                    "INSERT INTO jobs VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
                    (job.id, job.project_id, job.status, item, len(item), now, now),
                )
                self._total += len(item)
                continue
            full = old[2] or 0
            if old[0] != job.status:  # the full copy is older than this one
                full = 0
            size = len(item) + full
            db.execute(
                "UPDATE jobs SET project_id = COALESCE(?, project_id), status = ?, item = ?,"
                " full = CASE WHEN ? THEN full ELSE NULL END, size = ?, written_at = ?"
                " WHERE id = ?",
                (job.project_id, job.status, item, bool(full), size, now, job.id),
            )
            self._total += size - int(old[1] or 0)

    def save_page(self, project_id: str, token: str | None, page: JobPage) -> None:
        """A list page as loaded: its jobs, and the project's listing merged with it (a first
        page replaces what it covers; a later one adds on)."""
        jobs = list(page.items)
        ids = [job.id for job in jobs]

        def work(db: sqlite3.Connection) -> None:
            self._put_items(db, jobs)
            row = db.execute(
                "SELECT ids FROM listings WHERE project_id = ?", (project_id,)
            ).fetchone()
            old: list[str] = json.loads(row[0]) if row else []
            if token is None:
                merged = list(ids)
                if page.next_page_token and jobs:
                    # what was loaded past this page stays, as the tree keeps it
                    oldest = min((j.created_at for j in jobs if j.created_at), default=None)
                    seen = set(ids)
                    keep = [i for i in old if i not in seen]
                    if oldest is not None:
                        keep = self._older_than(db, keep, oldest)
                    merged += keep
            else:
                known = set(old)
                merged = old + [i for i in ids if i not in known]
            db.execute(
                "INSERT OR REPLACE INTO listings VALUES (?, ?, ?, ?, ?)",
                (
                    project_id,
                    json.dumps(merged[:MAX_LISTING]),
                    page.next_page_token,
                    page.total_size,
                    self.clock(),
                ),
            )

        self._write(work)

    def _older_than(self, db: sqlite3.Connection, ids: list[str], oldest: datetime) -> list[str]:
        """Of ``ids``, those created before ``oldest`` (the rest were on the page or gone)."""
        keep = []
        for job_id in ids:
            row = db.execute("SELECT item FROM jobs WHERE id = ?", (job_id,)).fetchone()
            job = unpack_job(row[0]) if row else None
            if job is not None and job.created_at is not None and job.created_at < oldest:
                keep.append(job_id)
        return keep

    def save_jobs(self, jobs: Iterable[ExtractJob]) -> None:
        """Fresh list copies of jobs seen again (a refresh)."""
        jobs = list(jobs)
        if jobs:
            self._write(lambda db: self._put_items(db, jobs))

    def save_full(self, job: ExtractJob) -> None:
        """A finished job as opened, with its expanded parts (a running one changes: skipped)."""
        if not job.is_terminal:
            return
        blob = pack_json(job.to_json_dict(), limit=self.cap_bytes // 4)
        if blob is None:
            return  # one job must not push everything else out

        def work(db: sqlite3.Connection) -> None:
            now = self.clock()
            old = db.execute(
                "SELECT size, length(item) FROM jobs WHERE id = ?", (job.id,)
            ).fetchone()
            if old is None:
                # opened by id, never listed: its full copy stands in for the list's too
                db.execute(
                    "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (job.id, job.project_id, job.status, blob, blob, 2 * len(blob), now, now),
                )
                self._total += 2 * len(blob)
                return
            size = int(old[1] or 0) + len(blob)
            db.execute(
                "UPDATE jobs SET status = ?, full = ?, size = ?, used_at = ?, written_at = ?"
                " WHERE id = ?",
                (job.status, blob, size, now, now, job.id),
            )
            self._total += size - int(old[0] or 0)

        self._write(work)

    def save_names(
        self, files: Mapping[str, str | None], configs: Mapping[str, str | None]
    ) -> None:
        rows = [("file", k, v) for k, v in files.items() if v] + [
            ("configuration", k, v) for k, v in configs.items() if v
        ]
        if rows:
            self._write(
                lambda db: db.executemany("INSERT OR REPLACE INTO names VALUES (?, ?, ?)", rows)
            )

    def forget(self, job_ids: Iterable[str]) -> None:
        """Jobs deleted (here or elsewhere): out of the cache and every listing."""
        gone = set(job_ids)
        if not gone:
            return

        def work(db: sqlite3.Connection) -> None:
            for job_id in gone:
                row = db.execute("SELECT size FROM jobs WHERE id = ?", (job_id,)).fetchone()
                if row is not None:
                    self._total -= int(row[0] or 0)
                    db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            for project_id, ids in db.execute("SELECT project_id, ids FROM listings").fetchall():
                listed = json.loads(ids)
                kept = [i for i in listed if i not in gone]
                if len(kept) != len(listed):
                    db.execute(
                        "UPDATE listings SET ids = ? WHERE project_id = ?",
                        (json.dumps(kept), project_id),
                    )

        self._write(work)

    def _evict(self) -> None:
        """Least recently used first until the cache is under 90% of its cap: the opened
        copies (the big part), then whole jobs (their list copies)."""
        target = self.cap_bytes * 9 // 10

        def work(db: sqlite3.Connection) -> None:
            rows = db.execute(
                "SELECT id, length(full) FROM jobs WHERE full IS NOT NULL"
                " ORDER BY used_at, written_at"
            ).fetchall()
            for job_id, size in rows:
                if self._total <= target:
                    break
                db.execute(
                    "UPDATE jobs SET full = NULL, size = size - ? WHERE id = ?", (size, job_id)
                )
                self._total -= int(size or 0)
            if self._total > target:
                rows = db.execute("SELECT id, size FROM jobs ORDER BY used_at, written_at")
                for job_id, size in rows.fetchall():
                    if self._total <= target:
                        break
                    db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
                    self._total -= int(size or 0)

        if self._transaction(work) and self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA incremental_vacuum")

    # -- reading ----------------------------------------------------------------------------

    def read_view(self) -> CachedView | None:
        """Everything a start shows, or None when nothing is cached."""
        project_rows = self._rows("SELECT body FROM projects ORDER BY position")
        listings = self._rows("SELECT project_id, ids, next_token, total, written_at FROM listings")
        names = self._rows("SELECT kind, id, name FROM names")
        if project_rows is None or listings is None or names is None:
            return None
        if not project_rows and not listings:
            return None
        try:
            projects = [Project.model_validate(json.loads(body)) for (body,) in project_rows]
            listed = [(row, json.loads(row[1])) for row in listings]
        except ValueError:
            return None
        view = CachedView(projects, {}, {})
        for kind, key, name in names:
            (view.files if kind == "file" else view.configurations)[key] = name
        for (project_id, _, next_token, total, written_at), ids in listed:
            marks = ",".join("?" * len(ids))
            rows = self._rows(f"SELECT id, item FROM jobs WHERE id IN ({marks})", ids) or []
            items = dict(rows)  # only the jobs listed: the others are not read
            jobs = [job for i in ids if i in items and (job := unpack_job(items[i])) is not None]
            page = JobPage(next_page_token=next_token, total_size=total)
            page.items = jobs
            view.pages[project_id] = page
            view.written[project_id] = datetime.fromtimestamp(written_at or 0, UTC)
        return view

    def full_job(self, job_id: str) -> ExtractJob | None:
        """A finished job as it was opened (big results parsed lazily), or None."""
        rows = self._rows("SELECT full, written_at FROM jobs WHERE id = ?", (job_id,))
        if not rows or rows[0][0] is None:
            return None
        blob, written_at = rows[0]
        now = self.clock()
        self._transaction(  # its last use, for eviction (dropped if a peer is writing)
            lambda db: db.execute("UPDATE jobs SET used_at = ? WHERE id = ?", (now, job_id))
        )
        job = unpack_job(blob, lazy=True)
        if job is not None:
            job.mark_cached(datetime.fromtimestamp(float(written_at or 0), UTC))
        return job

    def list_copy(self, job_id: str) -> ExtractJob | None:
        """The job as a list page last gave it, or None."""
        rows = self._rows("SELECT item FROM jobs WHERE id = ?", (job_id,))
        return unpack_job(rows[0][0]) if rows else None

    def project_jobs(self, project_id: str) -> list[ExtractJob]:
        """Every cached job of a project (listed or not), as the list gave it."""
        rows = self._rows("SELECT item FROM jobs WHERE project_id = ?", (project_id,)) or []
        return [job for (blob,) in rows if (job := unpack_job(blob)) is not None]

    def stats(self) -> dict[str, Any]:
        """Counts and size, for ``cache info``."""
        return _stats(self._db) if self._db is not None else {}


class _WrongVersion(Exception):
    pass


def _busy(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` is another connection holding the database (it passes)."""
    text = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _stats(db: sqlite3.Connection) -> dict[str, Any]:
    one = db.execute
    return {
        "projects": one("SELECT COUNT(*) FROM projects").fetchone()[0],
        "jobs": one("SELECT COUNT(*) FROM jobs").fetchone()[0],
        "opened_jobs": one("SELECT COUNT(*) FROM jobs WHERE full IS NOT NULL").fetchone()[0],
        "names": one("SELECT COUNT(*) FROM names").fetchone()[0],
        "stored_bytes": one("SELECT COALESCE(SUM(size), 0) FROM jobs").fetchone()[0],
        "written_at": one("SELECT MAX(written_at) FROM jobs").fetchone()[0],
        **dict(one("SELECT key, value FROM meta").fetchall()),
    }

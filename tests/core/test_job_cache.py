"""The local cache of jobs: what it keeps, how it fails, what it never holds."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest

from explorer.api.client import ExtractClient
from explorer.api.models import ExtractJob, JobPage, Project
from explorer.api.retry import RetryPolicy
from explorer.core.cache_admin import clear_caches, describe_caches
from explorer.core.cache_worker import CacheWorker
from explorer.core.export import to_json
from explorer.core.job_cache import SCHEMA_VERSION, JobCache, cache_path
from explorer.core.source import ApiJobSource

URL = "https://api.example.test"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def job(n: int, status: str = "COMPLETED", rows: int = 1, project: str = "prj-a") -> ExtractJob:
    return ExtractJob.from_json(
        {
            "id": f"ext-{n:04d}",
            "project_id": project,
            "status": status,
            "created_at": (T0 - timedelta(minutes=n)).isoformat(),
            "file_input": f"dfl-{n}",
            "extract_result": [{"row": i, "text": "x" * 200} for i in range(rows)],
        }
    )


def page(jobs: list[ExtractJob], token: str | None = None) -> JobPage:
    p = JobPage(next_page_token=token, total_size=None)
    p.items = jobs
    return p


@pytest.fixture
def cache(tmp_path):
    c = JobCache(cache_path(tmp_path, URL, "org-1"), URL, "org-1")
    yield c
    c.close()


def listed(c: JobCache, project: str = "prj-a") -> list[str]:
    view = c.read_view()
    assert view is not None
    return [j.id for j in view.pages[project].items]


def test_one_database_per_base_url_and_organisation(tmp_path) -> None:
    paths = {
        cache_path(tmp_path, URL, "org-1"),
        cache_path(tmp_path, URL + "/", "org-1"),
        cache_path(tmp_path, URL, "org-2"),
        cache_path(tmp_path, "https://other.test", "org-1"),
    }
    assert len(paths) == 3


def test_projects_listing_and_names_come_back(cache) -> None:
    cache.save_projects([Project(id="prj-a", name="A", is_default=True), Project(id="prj-b")])
    cache.save_page("prj-a", None, page([job(1), job(2)], "tok"))
    cache.save_page("prj-a", "tok", page([job(3)]))
    cache.save_names({"dfl-1": "invoice.pdf", "dfl-2": None}, {"cfg-1": "Invoices"})
    view = cache.read_view()
    assert [p.id for p in view.projects] == ["prj-a", "prj-b"]
    assert listed(cache) == ["ext-0001", "ext-0002", "ext-0003"]
    assert view.files == {"dfl-1": "invoice.pdf"}
    assert view.configurations == {"cfg-1": "Invoices"}
    assert view.pages["prj-a"].items[0].extract_result[0]["row"] == 0


def test_a_fresh_first_page_drops_what_it_shows_deleted_and_keeps_older_pages(cache) -> None:
    cache.save_page("prj-a", None, page([job(1), job(2), job(3)], "t1"))
    cache.save_page("prj-a", "t1", page([job(4), job(5)]))
    # job 2 was deleted, job 0 is new; the page still has more after it
    cache.save_page("prj-a", None, page([job(0), job(1), job(3)], "t1"))
    assert listed(cache) == ["ext-0000", "ext-0001", "ext-0003", "ext-0004", "ext-0005"]
    # a first page that is the whole list is the whole listing
    cache.save_page("prj-a", None, page([job(0), job(4)]))
    assert listed(cache) == ["ext-0000", "ext-0004"]


def test_a_finished_job_opened_is_kept_whole_and_a_status_change_drops_it(cache) -> None:
    cache.save_page("prj-a", None, page([job(1, rows=1)]))
    full = job(1, rows=300)
    cache.save_full(full)
    again = cache.full_job("ext-0001")
    assert again is not None and len(again.extract_result) == 300
    cache.save_full(job(2, status="RUNNING"))  # running jobs change: never kept whole
    assert cache.full_job("ext-0002") is None
    cache.save_jobs([job(1, status="FAILED")])  # the list says it changed since
    assert cache.full_job("ext-0001") is None


def test_a_big_job_read_lazily_is_packed_row_by_row_and_comes_back_the_same(
    cache, monkeypatch
) -> None:
    import explorer.core.cache_pack as cache_pack
    from explorer.api.lazy import LazyArray, loads_job
    from explorer.core.export import iter_to_json

    big = job(1, rows=3000).to_json_dict()
    body = json.dumps(big).encode()
    lazy = ExtractJob.from_json(loads_job(body))
    assert isinstance(lazy.to_json_dict()["extract_result"], LazyArray)
    pieces = []

    def counting(value, *, indent=2):
        for piece in iter_to_json(value, indent=indent):
            pieces.append(len(piece))
            yield piece

    monkeypatch.setattr("explorer.core.export.iter_to_json", counting)
    monkeypatch.setattr(cache_pack, "_PACK_CHUNK", 50_000)
    cache.save_full(lazy)
    assert len(pieces) > 3000 and max(pieces) < 50_000  # never the whole text at once
    back = cache.full_job(lazy.id)
    assert back is not None
    assert json.loads(to_json(back.to_json_dict(), indent=None)) == big


def test_a_job_too_big_for_a_quarter_of_the_cap_is_not_kept(tmp_path) -> None:
    c = JobCache(cache_path(tmp_path, URL, None), URL, None, cap_bytes=40_000)
    try:
        huge = job(1, rows=4000)  # ~10 KB compressed: past a quarter of 40 KB
        c.save_page("prj-a", None, page([huge, job(2)]))
        c.save_full(huge)
        assert listed(c) == [job(2).id]
        assert c.full_job(huge.id) is None
    finally:
        c.close()


def test_deleted_jobs_are_forgotten(cache) -> None:
    cache.save_page("prj-a", None, page([job(1), job(2)]))
    cache.save_full(job(2))
    cache.forget(["ext-0002"])
    assert listed(cache) == ["ext-0001"]
    assert cache.full_job("ext-0002") is None
    assert cache.stats()["jobs"] == 1


def test_the_size_cap_evicts_the_least_recently_used(tmp_path) -> None:
    clock = iter(range(1, 10_000))
    c = JobCache(
        cache_path(tmp_path, URL, None), URL, None, cap_bytes=30_000, clock=lambda: next(clock)
    )
    try:
        # random rows, so each opened job weighs ~7 kB compressed
        def heavy(n: int) -> ExtractJob:
            j = job(n)
            j._raw["extract_result"] = [os.urandom(6000).hex()]
            return j

        c.save_page("prj-a", None, page([job(n) for n in range(1, 9)]))
        for n in range(1, 5):
            c.save_full(heavy(n))
        assert c.full_job("ext-0001") is not None  # used lately: kept over 2, 3, 4
        c.save_full(heavy(5))  # over the cap: the opened copies used longest ago go
        assert c.stats()["stored_bytes"] <= 30_000
        assert c.full_job("ext-0002") is None and c.full_job("ext-0003") is None
        assert c.full_job("ext-0001") is not None and c.full_job("ext-0005") is not None
        assert listed(c) == [f"ext-{n:04d}" for n in range(1, 9)]  # the list copies stay
        for n in range(6, 9):
            c.save_full(heavy(n))
        assert c.stats()["stored_bytes"] <= 30_000
        assert c.full_job("ext-0008") is not None
    finally:
        c.close()


def test_file_mode_is_private_and_a_corrupt_file_is_set_aside(tmp_path) -> None:
    path = cache_path(tmp_path, URL, None)
    c = JobCache(path, URL, None)
    c.save_page("prj-a", None, page([job(1)]))
    for name in os.listdir(tmp_path):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name
    c.close()
    path.write_bytes(b"this is not a database" * 200)
    c = JobCache(path, URL, None)
    try:
        assert c.problem is None and c.usable
        assert "set aside" in c.notice and "not a database" in c.notice
        assert c.read_view() is None  # a fresh one
        aside = [p for p in os.listdir(tmp_path) if ".set-aside-" in p]
        assert len(aside) == 1
        assert (tmp_path / aside[0]).read_bytes().startswith(b"this is not a database")
        c.save_page("prj-a", None, page([job(2)]))
        assert listed(c) == ["ext-0002"]
    finally:
        c.close()


def test_a_cache_of_another_version_is_set_aside(tmp_path) -> None:
    path = cache_path(tmp_path, URL, None)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE jobs (id TEXT)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    c = JobCache(path, URL, None)
    try:
        assert c.usable
        assert "another version" in c.notice
    finally:
        c.close()


def test_a_locked_cache_is_left_alone_and_not_used(tmp_path) -> None:
    path = cache_path(tmp_path, URL, None)
    JobCache(path, URL, None).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        c = JobCache(path, URL, None)
        assert not c.usable
        assert "locked" in c.problem
        c.save_page("prj-a", None, page([job(1)]))  # does nothing, raises nothing
        assert c.read_view() is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not [p for p in os.listdir(tmp_path) if ".set-aside-" in p]


def test_peers_starting_together_share_one_fresh_cache(tmp_path) -> None:
    """Six explorers started at the same moment: none sets another's database aside."""
    import threading

    path = cache_path(tmp_path, URL, None)
    gate = threading.Barrier(6)
    states: list[tuple[str | None, str | None, int]] = []

    def start(n: int) -> None:  # each cache is used from its own thread
        gate.wait()
        c = JobCache(path, URL, None)
        c.save_page(f"prj-{n}", None, page([job(n, project=f"prj-{n}")]))
        states.append((c.problem, c.notice, c.skipped))
        c.close()

    threads = [threading.Thread(target=start, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert states == [(None, None, 0)] * 6
    assert not [p for p in os.listdir(tmp_path) if ".set-aside-" in p]
    later = JobCache(path, URL, None)
    try:
        view = later.read_view()
        assert view is not None and sorted(view.pages) == [f"prj-{n}" for n in range(6)]
    finally:
        later.close()


def test_a_peer_writing_drops_one_write_and_the_cache_goes_on(tmp_path) -> None:
    path = cache_path(tmp_path, URL, None)
    c = JobCache(path, URL, None)
    peer = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        peer.execute("BEGIN IMMEDIATE")  # a peer's long write, past the busy timeout
        c.save_page("prj-a", None, page([job(1)]))
        peer.execute("COMMIT")
        assert c.usable and c.skipped == 1
        c.save_page("prj-a", None, page([job(2)]))  # the next write goes in
        assert listed(c) == [job(2).id]
    finally:
        peer.close()
        c.close()


def test_info_and_clear(tmp_path) -> None:
    c = JobCache(cache_path(tmp_path, URL, "org-1"), URL, "org-1")
    c.save_page("prj-a", None, page([job(1), job(2)]))
    c.close()
    (info,) = describe_caches(tmp_path)
    assert info["base_url"] == URL and info["organization"] == "org-1"
    assert info["jobs"] == 2 and info["file_bytes"] > 0
    assert clear_caches(tmp_path) == 1
    assert describe_caches(tmp_path) == []


def test_the_worker_keeps_sqlite_off_the_calling_thread(tmp_path) -> None:
    threads = set()
    path = cache_path(tmp_path, URL, None)

    def make() -> JobCache:
        threads.add(threading.current_thread().name)
        return JobCache(path, URL, None)

    worker = CacheWorker(make)
    worker.submit("save_page", "prj-a", None, page([job(1)]))
    view = worker.run(lambda c: (threads.add(threading.current_thread().name), c.read_view())[1])
    worker.close()
    assert threading.current_thread().name not in threads
    assert [j.id for j in view.pages["prj-a"].items] == ["ext-0001"]


async def test_the_key_is_never_in_the_cache_files(sim, tmp_path) -> None:
    key = "llx-cache-secret-key-0123456789"
    path = cache_path(tmp_path, sim.url, None)
    worker = CacheWorker(lambda: JobCache(path, sim.url, None))
    async with ExtractClient(key, sim.url, retry=RetryPolicy(max_retries=1)) as client:
        source = ApiJobSource(client, cache=worker)
        projects = await source.projects()
        first = await source.page(projects[0].id, None, 20)
        await source.name(first.items)
        done = next(j for j in first.items if j.is_terminal)
        await source.job(done.id)
        await source.jobs([(j.id, j.project_id) for j in first.items])
    held = worker.run(lambda c: c.read_view())
    worker.close()
    assert held is not None and len(held.pages[projects[0].id].items) == len(first.items)
    files = os.listdir(tmp_path)
    assert any(f.endswith(".sqlite3") for f in files)
    for name in files:
        data = (tmp_path / name).read_bytes()
        assert key.encode() not in data, name
        assert b"Bearer" not in data and b"authorization" not in data.lower(), name


async def test_opening_a_kept_job_uses_the_copy_or_the_api_when_the_cache_is_busy(
    sim, tmp_path, monkeypatch
) -> None:
    """A finished job kept whole opens from the cache; while the cache's thread is held (a
    big job being written), the API answers instead of the open waiting for it."""
    monkeypatch.setattr("explorer.core.source.CACHE_READ_WAIT", 0.05)
    path = cache_path(tmp_path, sim.url, None)
    worker = CacheWorker(lambda: JobCache(path, sim.url, None))
    held = threading.Event()
    try:
        async with ExtractClient("k", sim.url, retry=RetryPolicy(max_retries=1)) as client:
            source = ApiJobSource(client, cache=worker)
            projects = await source.projects()
            first = await source.page(projects[0].id, None, 20)
            done = next(j for j in first.items if j.is_terminal)
            fresh = await source.job(done.id)  # from the API, and kept
            assert fresh.cached_at is None
            worker.run(lambda c: None)  # the write is in
            again = await source.job(done.id)
            assert again.cached_at is not None  # the cache's copy
            assert again.to_json_dict() == fresh.to_json_dict()
            worker._pool.submit(held.wait, 30)  # the thread held, like a long write
            worker._pool.submit(lambda: None)
            busy = await source.job(done.id)
            assert busy.cached_at is None  # the API's, not a wait for the held thread
            assert busy.to_json_dict()["extract_result"] == fresh.to_json_dict()["extract_result"]
    finally:
        held.set()
        worker.close()

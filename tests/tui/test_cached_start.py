"""A second start draws the tree from the local cache at once, then reconciles it."""

from __future__ import annotations

import time

from explorer.core.cache_worker import CacheWorker
from explorer.core.job_cache import JobCache, cache_path
from tests.tui.helpers import (
    default_project_loaded,
    sim_app,
    static_text,
    tree_lines,
    wait_until,
)

SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}}}


def list_requests_answered(sim) -> list:
    return [
        entry
        for entry in sim.state.request_log
        if entry[1] == "GET" and entry[2].rstrip("/") == "/api/v2/extract"
    ]


def in_tree(app) -> set[str]:
    """The jobs the tree holds a row for, shown or in a folded group."""
    return set(app.main.tree._job_nodes)


def open_cache(sim, tmp_path) -> CacheWorker:
    path = cache_path(tmp_path, sim.url, None)
    return CacheWorker(lambda: JobCache(path, sim.url, None))


def delete_a_listed_job(sim, listed: list[str]) -> str:
    """Delete, on the server, a job the first run listed (not the newest); its id."""
    gone = next(j for j in listed[1:] if sim.state.record(j) is not None)
    sim.state.delete_job(sim.state.record(gone), force=True)
    return gone


async def first_run(sim, tmp_path) -> list[str]:
    """Browse once, so the cache holds the default project's first page; its job ids."""
    worker = open_cache(sim, tmp_path)
    app = sim_app(sim, cache=worker)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(
                pilot,
                lambda: default_project_loaded(app),
            )
            listed = list(app.store.projects[app.default_project].job_ids)
    finally:
        worker.close()
    return listed


async def test_second_start_shows_the_cached_tree_before_any_answer_then_the_server_s(
    sim, tmp_path
) -> None:
    listed = await first_run(sim, tmp_path)
    # Meanwhile, elsewhere: one job deleted, one created; and the server turns slow.
    gone = delete_a_listed_job(sim, listed)
    new = sim.state.create_job(
        {"file_input": "dfl-made-meanwhile", "configuration": {"data_schema": SCHEMA}}
    )["id"]
    sim.state.reset_counters()
    sim.config.faults.update(latency_ms=3000)

    worker = open_cache(sim, tmp_path)
    app = sim_app(sim, cache=worker)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: gone in app.store.jobs, timeout=10)
            # the cached tree is on screen while not one list request has been answered
            assert list_requests_answered(sim) == []
            lines = tree_lines(app)
            assert any("cached" in line and "ago" in line for line in lines), lines
            assert gone in in_tree(app)  # (its group may be folded)
            await pilot.pause(0.05)
            assert "  cached, checking…" in static_text(app.query_one("#status-right"))
            assert new not in app.store.jobs
            # then the server's answer: the deleted job gone, the new one there, no mark
            await wait_until(pilot, lambda: new in app.store.jobs, timeout=30)
            await wait_until(
                pilot,
                lambda: all(s.cached_at is None for s in app.store.projects.values()),
                timeout=40,
            )
            await pilot.pause(0.1)
            lines = tree_lines(app)
            assert gone not in app.store.jobs
            assert gone not in in_tree(app)
            assert new in in_tree(app)
            assert not any("cached" in line for line in lines), lines
            assert list_requests_answered(sim)
    finally:
        sim.config.faults.clear()
        worker.close()


async def test_offline_shows_the_cache_with_the_server_down_and_opened_jobs_whole(
    sim, tmp_path
) -> None:
    from explorer.api.models import TERMINAL_STATUSES
    from explorer.core.cache_source import CacheJobSource
    from explorer.settings import Settings
    from explorer.tui.app import ExplorerApp

    # online first: the tree, and one finished job opened (its fields kept whole)
    opened = sim.state.notable["invoice_cited"]  # a finished job with citations
    worker = open_cache(sim, tmp_path)
    app = sim_app(sim, cache=worker, job_id=opened)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: opened in app.store.details, timeout=30)
        whole = app.store.details[opened]
    worker.close()
    assert whole.status in TERMINAL_STATUSES
    sim.config.faults.update(down=True)  # the server is gone
    began = time.time()

    worker = open_cache(sim, tmp_path)
    view = worker.run(lambda c: c.read_view())
    offline = ExplorerApp(Settings(animation=False), CacheJobSource(worker, view), job_id=opened)
    try:
        async with offline.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: opened in offline.store.jobs, timeout=10)
            await wait_until(pilot, lambda: offline.main.panes.shown_job_id == opened)
            banner = static_text(offline.main.query_one("#demo-banner"))
            assert "OFFLINE" in banner and "cache" in banner
            assert any(opened[:10] in line for line in tree_lines(offline))
            await wait_until(pilot, lambda: opened in offline.store.details)
            kept = offline.store.details[opened]
            assert kept.extract_result == whole.to_json_dict()["extract_result"]
            assert kept.extract_metadata is not None  # the expanded parts came back too
            # a cancel says it needs the network, and nothing went out
            await pilot.press("X")
            await wait_until(
                pilot,
                lambda: any(
                    "Cannot cancel jobs: offline, from the cache" in str(n.message)
                    for n in offline._notifications
                ),
            )
        assert [entry for entry in sim.state.request_log if entry[0] >= began] == []
    finally:
        sim.config.faults.clear()
        worker.close()


async def test_a_server_down_at_start_leaves_the_cached_tree_then_it_reconciles(
    sim, tmp_path
) -> None:
    listed = await first_run(sim, tmp_path)
    gone = delete_a_listed_job(sim, listed)
    sim.config.faults.update(down=True)

    worker = open_cache(sim, tmp_path)
    app = sim_app(sim, cache=worker)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: gone in app.store.jobs, timeout=10)
            # the server refuses: the cached jobs stay, marked, and the status says why
            await wait_until(
                pilot,
                lambda: "offline" in static_text(app.query_one("#status-right")),
                timeout=20,
            )
            assert gone in app.store.jobs
            assert any("cached" in line for line in tree_lines(app))
            # it comes back: the next retry reconciles, the deleted job goes
            sim.config.faults.clear()
            await wait_until(
                pilot,
                lambda: all(s.cached_at is None for s in app.store.projects.values()),
                timeout=60,
            )
            await pilot.pause(0.1)
            assert gone not in app.store.jobs
            assert not any("cached" in line for line in tree_lines(app))
            assert gone not in in_tree(app)
    finally:
        sim.config.faults.clear()
        worker.close()


async def test_a_listing_of_many_pages_reconciles_through_a_flaky_server(sim, tmp_path) -> None:
    """Five cached pages of five jobs; meanwhile a job on the first page and one on the last
    are deleted and one is created; the server then fails a third of its answers."""
    worker = open_cache(sim, tmp_path)
    app = sim_app(sim, cache=worker, page_size=5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            state = None

            def all_loaded() -> bool:
                nonlocal state
                state = app.store.projects.get(app.default_project or "")
                if state is None or not state.loaded or state.loading:
                    return False
                if state.next_token is None:
                    return True
                app.main.request_page(state.project.id)  # the next page, as a scroll would
                return False

            await wait_until(pilot, all_loaded, timeout=60)
            listed = list(state.job_ids)
    finally:
        worker.close()
    assert len(listed) > 10
    alive = [j for j in listed if sim.state.record(j) is not None]
    first_gone, last_gone = alive[1], alive[-1]
    for job_id in (first_gone, last_gone):
        sim.state.delete_job(sim.state.record(job_id), force=True)
    new = sim.state.create_job(
        {"file_input": "dfl-made-meanwhile", "configuration": {"data_schema": SCHEMA}}
    )["id"]
    sim.config.faults.update(error_rate=0.33, latency_ms=1500)  # slow: the cache shows first

    worker = open_cache(sim, tmp_path)
    app = sim_app(sim, cache=worker, page_size=5)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: first_gone in app.store.jobs, timeout=10)
            await wait_until(
                pilot,
                lambda: (
                    app.default_project in app.store.projects
                    and app.store.projects[app.default_project].cached_at is None
                ),
                timeout=90,
            )
            now_listed = list(app.store.projects[app.default_project].job_ids)
    finally:
        sim.config.faults.clear()
        worker.close()
    assert first_gone not in now_listed and last_gone not in now_listed
    assert new in now_listed
    kept = [j for j in listed if j not in (first_gone, last_gone)]
    assert set(kept) <= set(now_listed)  # every other cached job confirmed, none lost
    assert len(now_listed) == len(set(now_listed))


async def test_a_finished_job_opened_before_opens_from_the_cache_without_a_download(
    sim, tmp_path, monkeypatch
) -> None:
    # the cache's answer is waited for however slow the machine (see test_job_cache for the
    # race with the API when it is busy)
    monkeypatch.setattr("explorer.core.source.CACHE_READ_WAIT", 30.0)
    opened = sim.state.notable["invoice_cited"]  # a finished job with citations
    worker = open_cache(sim, tmp_path)
    app = sim_app(sim, cache=worker, job_id=opened)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: opened in app.store.details, timeout=30)
            whole = app.store.details[opened].to_json_dict()
            await pilot.pause(0.1)
            assert "local cache" not in static_text(app.main.panes.overview)
    finally:
        worker.close()
    began = time.time()

    worker = open_cache(sim, tmp_path)
    app = sim_app(sim, cache=worker, job_id=opened)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.main.panes.shown_job_id == opened, timeout=30)
            kept = app.store.details[opened]
            assert kept.to_json_dict()["extract_result"] == whole["extract_result"]
            assert kept.extract_metadata is not None  # with its expanded parts
            await pilot.pause(0.3)
            # and the Overview says where this copy came from
            overview = static_text(app.main.panes.overview)
            assert "from the local cache" in overview and "does not change" in overview
    finally:
        worker.close()
    asked = [e for e in sim.state.request_log if e[0] >= began and e[2].endswith(opened)]
    assert asked == []  # not downloaded again

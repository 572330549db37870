"""``cache info|clear`` and ``--offline`` without a cache, in-process."""

from __future__ import annotations

from explorer.api.models import ExtractJob, JobPage
from explorer.core.job_cache import JobCache, cache_dir, cache_path


def fill(base_url: str, organization: str | None, jobs: int) -> None:
    c = JobCache(cache_path(cache_dir(), base_url, organization), base_url, organization)
    page = JobPage()
    page.items = [
        ExtractJob.from_json({"id": f"ext-{n}", "project_id": "prj-1", "status": "COMPLETED"})
        for n in range(jobs)
    ]
    c.save_page("prj-1", None, page)
    c.close()


def test_info_lists_each_service_and_clear_removes_them(run) -> None:
    fill("https://api.one.test", None, 3)
    fill("https://api.one.test", "org-9", 2)
    info = run("cache", "info")
    assert info.code == 0
    assert "https://api.one.test (organization org-9)" in info.out
    assert "JOBS" in info.out and " 3 " in info.out
    data = run("cache", "info", "--json").json()
    assert sorted(e["jobs"] for e in data["caches"]) == [2, 3]
    cleared = run("cache", "clear")
    assert cleared.code == 0 and "removed 2 job cache(s)" in cleared.out
    assert run("cache", "info", "--json").json()["caches"] == []


def test_offline_with_nothing_cached_says_so_and_creates_nothing(run, monkeypatch) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", "http://127.0.0.1:9")
    result = run("--offline")
    assert result.code == 2
    assert "nothing is cached for http://127.0.0.1:9" in result.err
    assert "without --offline" in result.err
    assert not cache_dir().exists() or not list(cache_dir().iterdir())


def test_offline_and_no_cache_refuse_each_other(run) -> None:
    result = run("--offline", "--no-cache")
    assert result.code == 2 and "--no-cache" in result.err

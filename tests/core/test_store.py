"""The job store: pages and jobs opened by id end up in the API's order."""

from __future__ import annotations

from explorer.api.models import ExtractJob
from explorer.core.store import JobStore


def job(job_id: str, minute: int) -> ExtractJob:
    stamp = f"2026-11-01T10:{minute:02d}:00Z"
    return ExtractJob.from_json(
        {
            "id": job_id,
            "project_id": "prj-1",
            "status": "COMPLETED",
            "created_at": stamp,
            "updated_at": stamp,
        }
    )


def test_a_job_opened_by_id_before_its_page_takes_the_page_position() -> None:
    store = JobStore()
    newest, middle, oldest = job("ext-c", 30), job("ext-b", 20), job("ext-a", 10)
    store.add_job(middle)  # `extract-explorer ext-b`: fetched before the first page came
    assert store.projects["prj-1"].job_ids == ["ext-b"]
    store.add_page("prj-1", [newest, middle, oldest], None, 3, first=True)
    assert store.projects["prj-1"].job_ids == ["ext-c", "ext-b", "ext-a"]


def test_a_job_opened_by_id_beyond_the_loaded_pages_keeps_its_place_until_listed() -> None:
    store = JobStore()
    store.add_page("prj-1", [job("ext-d", 40), job("ext-c", 30)], "next", 4, first=True)
    store.add_job(job("ext-a", 10))  # older than everything loaded so far
    assert store.projects["prj-1"].job_ids == ["ext-d", "ext-c", "ext-a"]
    store.add_page("prj-1", [job("ext-b", 20), job("ext-a", 10)], None, 4, first=False)
    assert store.projects["prj-1"].job_ids == ["ext-d", "ext-c", "ext-b", "ext-a"]


def test_resolve_takes_the_short_id_the_tree_prints() -> None:
    from explorer.api.models import ExtractJob
    from explorer.core.store import JobStore

    store = JobStore()
    for job_id in ("ext-5073e610-65f6-46d4-b0df-e86a3ec62d2c", "ext-5074aaaa-0000-0000-0000-0000"):
        store.jobs[job_id] = ExtractJob.model_validate({"id": job_id, "status": "COMPLETED"})
    assert store.resolve("ext-5073e6") == "ext-5073e610-65f6-46d4-b0df-e86a3ec62d2c"
    assert store.resolve("EXT-5073E610-65F6") == "ext-5073e610-65f6-46d4-b0df-e86a3ec62d2c"
    assert store.resolve("ext-507") == "ext-507"  # ambiguous: asked for as typed
    assert store.resolve("ext-9999") == "ext-9999"


def test_a_page_newer_than_a_full_copy_drops_the_copy() -> None:
    store = JobStore()
    running = ExtractJob.from_json({**job("ext-a", 1).to_json_dict(), "status": "RUNNING"})
    store.add_job(running)
    store.remember_detail(running)
    store.add_page("prj-1", [job("ext-a", 1)], None, 1, first=True)  # COMPLETED now
    assert "ext-a" not in store.details, "the panes would show it still running"
    same = job("ext-b", 2)
    store.remember_detail(same)
    store.add_page("prj-1", [job("ext-b", 2)], None, 2, first=True)
    assert "ext-b" in store.details  # unchanged: the full copy stays

"""``rerun``: the new job has the changed setting and everything else equal; it reuses the
original's parse job unless a parse setting changed; --wait --diff prints the comparison; the
original's saved configuration is never touched; --read-only and a refused schema send nothing."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import point_at, sim_get


def _jobs(server, **params) -> list[dict]:
    return sim_get(server, "/api/v2/extract", {"page_size": 100, **params}).json()["items"]


def _full(server, job_id: str) -> dict:
    return sim_get(
        server,
        f"/api/v2/extract/{job_id}",
        [("expand", "configuration"), ("expand", "extract_metadata"), ("expand", "usage")],
    ).json()


def _completed(server, *, saved: bool) -> dict:
    for item in _jobs(server, status="COMPLETED"):
        if bool(item.get("configuration_id")) == saved and item["file_input"].startswith("dfl-"):
            job = _full(server, item["id"])
            if job["configuration"]["extraction_target"] == "per_doc":
                return job
    pytest.fail("no such job in the simulator")


def test_a_new_tier_reuses_the_parse_job_and_keeps_everything_else(run, fresh_sim, monkeypatch):
    point_at(monkeypatch, fresh_sim)
    original = _completed(fresh_sim, saved=False)
    r = run("rerun", original["id"], "--tier", "agentic_plus", "--json", "--diff")
    assert r.code == 0, r.err
    data = r.json()
    new = data["job"]
    assert new["status"] == "COMPLETED"
    assert new["configuration"]["tier"] == "agentic_plus"
    pjb = original["extract_metadata"]["parse_job_id"]
    assert new["file_input"] == pjb and data["plan"]["reuses_parse_job"] is True
    before = {k: v for k, v in original["configuration"].items() if v is not None}
    after = {k: v for k, v in new["configuration"].items() if v is not None}
    assert {k for k in before if before[k] != after.get(k)} == {"tier"}
    assert [c["setting"] for c in data["plan"]["changes"]] == ["tier"]
    assert data["diff"]["summary"]["a"] == original["id"]
    assert data["diff"]["summary"]["b"] == new["id"]
    assert data["plan"]["estimate"]["credits_per_page"] == 50


def test_new_target_pages_parse_the_file_again(run, fresh_sim, monkeypatch):
    point_at(monkeypatch, fresh_sim)
    original = _completed(fresh_sim, saved=False)
    r = run("rerun", original["id"], "--pages", "1", "--json", "--wait")
    assert r.code == 0, r.err
    data = r.json()
    assert data["job"]["metadata"]["usage"]["num_pages_billed"] == 1  # one page was read
    assert data["job"]["file_input"] == original["file_input"]  # the dfl- file, not the pjb-
    assert data["plan"]["reuses_parse_job"] is False
    assert data["job"]["configuration"]["target_pages"] == "1"
    assert data["plan"]["estimate"]["pages"] == 1


def test_wait_diff_prints_the_comparison(run, fresh_sim, monkeypatch):
    point_at(monkeypatch, fresh_sim)
    original = _completed(fresh_sim, saved=True)
    cite = bool(original["configuration"].get("cite_sources"))
    r = run("rerun", original["id"], "--no-citations" if cite else "--citations", "--diff")
    assert r.code == 0, r.err
    assert ("citations: on → off" if cite else "citations: off → on") in r.out
    assert f"A  {original['id']} (original)" in r.out
    assert "changed," in r.out and "same" in r.out
    assert "reuses the original's parse job pjb-" in r.out


def test_the_saved_configuration_is_never_modified(run, fresh_sim, monkeypatch):
    point_at(monkeypatch, fresh_sim)
    original = _completed(fresh_sim, saved=True)
    cfg_id = original["configuration_id"]
    saved_before = sim_get(fresh_sim, f"/api/v1/beta/configurations/{cfg_id}").json()
    r = run("rerun", original["id"], "--tier", "turbo", "--json")
    assert r.code == 0, r.err
    assert r.json()["job"]["configuration_id"] is None  # an inline configuration was sent
    saved_after = sim_get(fresh_sim, f"/api/v1/beta/configurations/{cfg_id}").json()
    assert saved_after == saved_before


def test_read_only_a_refused_schema_and_dry_run_send_nothing(run, fresh_sim, monkeypatch, tmp_path):
    point_at(monkeypatch, fresh_sim)
    original = _completed(fresh_sim, saved=False)
    count = len(_jobs(fresh_sim))
    r = run("rerun", original["id"], "--tier", "turbo", "--read-only")
    assert r.code == 2 and "read-only" in r.err
    bad = tmp_path / "schema.json"
    bad.write_text(json.dumps({"type": "array", "items": {"type": "string"}}))
    r = run("rerun", original["id"], "--schema", str(bad))
    assert r.code == 2 and "the schema was refused" in r.err
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "object", ')
    r = run("rerun", original["id"], "--schema", str(broken))
    assert r.code == 2 and "is not JSON" in r.err
    r = run("rerun", original["id"], "--pages", "3-1")
    assert r.code == 2 and "target pages" in r.err
    r = run("rerun", original["id"], "--tier", "turbo", "--dry-run")
    assert r.code == 0 and "dry run: nothing sent" in r.out and "tier:" in r.out
    assert len(_jobs(fresh_sim)) == count


def test_a_new_schema_is_sent_once_the_service_accepts_it(run, fresh_sim, monkeypatch, tmp_path):
    point_at(monkeypatch, fresh_sim)
    original = _completed(fresh_sim, saved=False)
    schema = dict(original["configuration"]["data_schema"])
    schema["properties"] = {**schema["properties"], "po_number": {"type": "string"}}
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    r = run("rerun", original["id"], "--schema", str(path), "--json")
    assert r.code == 0, r.err
    assert "po_number" in r.json()["job"]["configuration"]["data_schema"]["properties"]


def test_a_saved_job_without_its_configuration_reads_the_saved_one(
    run, fresh_sim, monkeypatch, tmp_path
):
    point_at(monkeypatch, fresh_sim)
    original = _completed(fresh_sim, saved=True)
    listed = next(j for j in _jobs(fresh_sim) if j["id"] == original["id"])
    assert listed["configuration"] is None  # a list page without expand
    path = tmp_path / "listed.json"
    path.write_text(json.dumps(listed))
    r = run("rerun", str(path), "--tier", "cost_effective", "--dry-run", "--json")
    assert r.code == 0, r.err
    plan = r.json()["plan"]
    assert plan["configuration"]["tier"] == "cost_effective"
    assert plan["configuration"]["data_schema"] == original["configuration"]["data_schema"]
    assert "product_type" not in plan["configuration"]

"""``list``, ``get``, ``cancel``, ``delete`` and how API failures are reported."""

from __future__ import annotations

import json

import pytest

from explorer.sim import SimConfig, SimServer
from tests.cli.conftest import API_KEY, point_at


def test_list_table(run, notable) -> None:
    r = run("list", "--limit", "10")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "DOCUMENT", "TARGET", "TIER", "AGE"]
    assert len(lines) == 11
    assert any("✔ COMPLETED" in line for line in lines)
    assert "10 jobs; more with --limit 0" in r.err
    short = notable["nasty"][:10]
    assert any(line.startswith(short + " ") for line in lines)
    full = run("list", "--limit", "10", "--full-ids")
    assert notable["nasty"] in full.out


def test_list_json_lines_and_filters(run) -> None:
    r = run("list", "--json", "--status", "completed", "--limit", "5")
    assert r.code == 0
    jobs = [json.loads(line) for line in r.out.splitlines()]
    assert len(jobs) == 5
    assert all(job["status"] == "COMPLETED" and job["id"].startswith("ext-") for job in jobs)
    assert all("configuration" in job for job in jobs)
    every = run("list", "--json", "--limit", "0")
    assert len(every.out.splitlines()) > 5


def test_list_project_flag(run, sim_server) -> None:
    projects = list(sim_server.state.projects)
    counts = {p: len(run("list", "--json", "--limit", "0", "--project", p).out.splitlines())
              for p in projects}  # fmt: skip
    assert sum(counts.values()) >= 20
    unknown = run("list", "--project", "prj-nope")
    assert unknown.code == 2 and "not found" in unknown.err


def test_get_summary_and_json(run, notable, sim_job) -> None:
    r = run("get", notable["schema_breaking"])
    assert r.code == 0
    text = r.out
    assert notable["schema_breaking"] in text
    assert "✔ COMPLETED" in text
    assert "schema" in text and "problems" in text
    failed = run("get", notable["failed"])
    assert "✘ FAILED" in failed.out and "error" in failed.out
    raw = run("get", notable["invoice_cited"], "--json")
    assert json.loads(raw.out) == sim_job("invoice_cited")
    assert raw.out.startswith("{\n")  # pretty


def test_unknown_job_is_not_found(run) -> None:
    r = run("get", "ext-00000000-dead-beef-0000-000000000000")
    assert r.code == 2
    assert r.out == ""
    assert r.err.strip() == (
        "extract-explorer: job ext-00000000-dead-beef-0000-000000000000 not found"
    )


@pytest.mark.parametrize("action", ["cancel", "delete"])
def test_destructive_actions_need_yes(run, notable, action) -> None:
    job_id = notable["long_running"]
    r = run(action, job_id)
    assert r.code == 2
    assert f"refusing to {action} {job_id} without --yes" in r.err
    assert r.out == ""


@pytest.mark.parametrize("action", ["cancel", "delete"])
def test_read_only_refuses(run, notable, action, tmp_path) -> None:
    job_id = notable["long_running"]
    r = run(action, job_id, "--yes", "--read-only")
    assert r.code == 2 and "read-only mode" in r.err
    config = tmp_path / "ro.toml"
    config.write_text("read_only = true\n")
    r = run(action, job_id, "--yes", "--config", str(config))
    assert r.code == 2 and "read-only mode" in r.err


def test_cancel_and_delete_with_yes(run, fresh_sim, monkeypatch) -> None:
    point_at(monkeypatch, fresh_sim)
    running = fresh_sim.state.notable["long_running"]
    r = run("cancel", running, "--yes")
    assert r.code == 0
    assert r.out.strip() == f"cancelled {running} (status CANCELLED)"
    assert "CANCELLED" in run("get", running).out
    again = run("cancel", running, "--yes")
    assert again.code == 2 and f"cannot cancel {running}" in again.err

    done = fresh_sim.state.notable["receipt"]
    r = run("delete", done, "--yes")
    assert r.code == 0 and r.out.strip() == f"deleted {done}"
    gone = run("get", done)
    assert gone.code == 2 and "not found" in gone.err


def test_delete_running_needs_force(run, fresh_sim, monkeypatch) -> None:
    point_at(monkeypatch, fresh_sim)
    running = fresh_sim.state.notable["long_running"]
    r = run("delete", running, "--yes")
    assert r.code == 2 and f"cannot delete {running}" in r.err
    assert run("delete", running, "--yes", "--force").code == 0


def test_rejected_key(run, monkeypatch) -> None:
    with SimServer(SimConfig(api_key="the-right-key", big_rows=100)) as server:
        point_at(monkeypatch, server)
        r = run("list")
    assert r.code == 2
    assert "key rejected (401): check LLAMA_CLOUD_API_KEY" in r.err


def test_unreachable_server(run, monkeypatch) -> None:
    with SimServer(SimConfig(big_rows=100)) as server:
        url = server.url
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", url)  # the port is closed now
    r = run("get", "ext-1")
    assert r.code == 2
    assert "cannot reach the server" in r.err
    assert "retrying" in r.err  # each retry is announced


def test_plain_http_to_a_remote_host_is_refused(run, monkeypatch) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", "http://example.com")
    r = run("get", "ext-1")
    assert r.code == 2
    assert "refusing to send the API key over plain http://" in r.err


def test_embedded_simulator_without_a_key(run, monkeypatch) -> None:
    monkeypatch.delenv("LLAMA_CLOUD_API_KEY")
    monkeypatch.delenv("LLAMA_CLOUD_BASE_URL")
    r = run("list", "--limit", "2", "--seed", "3")
    assert r.code == 0
    assert "using the embedded simulator (no LLAMA_CLOUD_API_KEY)" in r.err.splitlines()[0]
    assert len(r.out.splitlines()) == 3
    missing = run("get", "ext-nope")
    assert "not found in the embedded simulator" in missing.err


def test_files_need_no_connection(run, write_json, monkeypatch) -> None:
    from tests.cli.conftest import make_job

    monkeypatch.delenv("LLAMA_CLOUD_API_KEY")
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", "https://unreachable.invalid")
    r = run("get", write_json(make_job(result={"number": "1", "total": 2})))
    assert r.code == 0 and "embedded simulator" not in r.err
    assert API_KEY not in r.out

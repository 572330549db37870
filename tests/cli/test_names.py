"""The CLI names files and saved configurations (the job carries only ids), in few requests."""

from __future__ import annotations

from explorer.sim import SimServer


def _paths(server: SimServer) -> list[str]:
    return [path for _, _, path, _ in server.state.request_log]


def test_list_shows_file_names_with_one_files_request_per_page(run, sim_server) -> None:
    sim_server.state.reset_counters()
    r = run("list", "--limit", "50")
    assert r.code == 0
    assert "invoice-2041.pdf" in r.out
    paths = _paths(sim_server)
    pages = paths.count("/api/v2/extract")
    files = paths.count("/api/v1/beta/files")
    assert pages >= 1 and 1 <= files <= pages
    # the other pages of the listing
    sim_server.state.reset_counters()
    every = run("list", "--limit", "0")
    paths = _paths(sim_server)
    assert paths.count("/api/v1/beta/files") <= paths.count("/api/v2/extract")
    assert every.out.count("\n") > 20
    # the table's document column is the file's name, not its dfl- id, for every file job
    rows = [line for line in every.out.splitlines()[1:] if line.strip()]
    assert not any(" dfl-" in line for line in rows)


def test_list_json_is_the_api_s_jobs_and_asks_for_no_names(run, sim_server) -> None:
    sim_server.state.reset_counters()
    r = run("list", "--json", "--limit", "5")
    assert r.code == 0 and '"file_name"' not in r.out
    assert "/api/v1/beta/files" not in _paths(sim_server)


def test_get_finds_a_job_of_another_project_and_names_it(run, notable, sim_server) -> None:
    receipt = notable["receipt"]  # in Finance ops, not the key's default project
    r = run("get", receipt)
    assert r.code == 0, r.err
    assert "receipt-88213.jpg" in r.out
    assert "Expense receipts" in r.out  # the saved configuration, by name
    unknown = run("get", "ext-00000000-0000-4000-8000-000000000000")
    assert unknown.code != 0 and "not found" in unknown.err

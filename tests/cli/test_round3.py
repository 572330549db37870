"""Round 3 of user reports on the command line.

- the short ids the tables print (``ext-5073e6``) and unique prefixes work wherever a JOB goes;
- cancelling a finished job is refused at once (a 409 is never retried);
- the connection flags work before the command word as well as after it;
- ``delete`` names the flag to type (``--force``), not the API's parameter;
- ``sim --help`` tells the magic document ids and the body a job creation needs;
- the commands package does not import the CLI back (no import cycle), no dead helpers.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from explorer.api.retry import RetryPolicy
from explorer.core.present import short_id
from explorer.sim import SimServer
from tests.cli.conftest import API_KEY, point_at

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": f"Bearer {API_KEY}"}
SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}}}


# -- helpers ----------------------------------------------------------------------------------


def every_job(server: SimServer) -> list[dict[str, Any]]:
    """Every job of every project, as the API lists them."""
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as http:
        jobs: list[dict[str, Any]] = []
        for project in list(server.state.projects):
            token = None
            while True:
                params: dict[str, Any] = {"project_id": project, "page_size": 100}
                if token:
                    params["page_token"] = token
                page = http.get("/api/v2/extract", params=params).json()
                jobs += page["items"]
                token = page.get("next_page_token")
                if not token:
                    break
    return jobs


def compact(job_id: str) -> str:
    prefix, _, rest = job_id.partition("-")
    return f"{prefix}-{rest.replace('-', '')}"


def starting_with(ids: list[str], ref: str) -> list[str]:
    return [i for i in ids if compact(i).startswith(compact(ref))]


def create_job(server: SimServer, document: str) -> str:
    """A new job on ``document`` (a ``hold`` document keeps it unfinished until cancelled)."""
    response = httpx.post(
        f"{server.url}/api/v2/extract",
        json={"file_input": document, "configuration": {"data_schema": SCHEMA}},
        headers=AUTH,
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["id"])


class ListCalls:
    """Counts the job-list requests the client makes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from explorer.api.client import ExtractClient

        self.count = 0
        original = ExtractClient.list_jobs

        async def counted(client: ExtractClient, **kwargs: Any) -> Any:
            self.count += 1
            return await original(client, **kwargs)

        monkeypatch.setattr(ExtractClient, "list_jobs", counted)


# -- 1. short ids and prefixes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["get", "--json"],
        ["fields", "--json"],
        ["check", "--json"],
        ["export", "--format", "jsonl"],
    ],
    ids=lambda argv: argv[0],
)
def test_the_short_id_as_printed_names_the_job(run, notable, sim_server, argv) -> None:
    full = notable["schema_breaking"]
    short = short_id(full)
    project = sim_server.state.record(full).project_id
    listed = run("list", "--limit", "0", "--project", project)  # the id as the table prints it
    assert any(line.startswith(short + " ") for line in listed.out.splitlines())
    assert starting_with([j["id"] for j in every_job(sim_server)], short) == [full]
    by_full = run(argv[0], full, *argv[1:])
    by_short = run(argv[0], short, *argv[1:])
    assert by_short.code == by_full.code
    assert by_short.out == by_full.out and by_short.out
    assert "not found" not in by_short.err


def test_diff_takes_short_ids(run, notable) -> None:
    a, b = notable["invoice_cited"], notable["invoice_rerun"]
    by_full = run("diff", a, b, "--json")
    by_short = run("diff", short_id(a), short_id(b), "--json")
    assert by_short.code == by_full.code == 0
    assert by_short.json()["summary"]["a"] == a and by_short.json()["summary"]["b"] == b
    assert by_short.out == by_full.out


def test_any_unique_prefix_with_or_without_dashes(run, notable, sim_server) -> None:
    full = notable["report_pages"]
    ids = [j["id"] for j in every_job(sim_server)]
    shortest = next(full[:n] for n in range(5, len(full)) if len(starting_with(ids, full[:n])) == 1)
    refs = [
        shortest,
        compact(full)[:14],  # past the first dash, the dashes left out
        full[:15],  # the same with its dash
        compact(full)[:12].upper(),
        full,
    ]
    for ref in refs:
        r = run("get", ref, "--json")
        assert r.code == 0, (ref, r.err)
        assert r.json()["id"] == full


def test_a_job_of_another_project_by_its_short_id(run, notable, sim_server) -> None:
    default = sim_server.state.default_project.id
    elsewhere = [
        job_id
        for job_id in notable.values()
        if (rec := sim_server.state.record(job_id)) is not None and rec.project_id != default
    ]
    assert elsewhere
    r = run("get", short_id(elsewhere[0]), "--json")
    assert r.code == 0, r.err
    assert r.json()["id"] == elsewhere[0]


def test_the_listing_pages_to_find_a_job(run, sim_server, monkeypatch) -> None:
    import explorer.commands.jobref as jobref

    jobs = every_job(sim_server)
    ids = [j["id"] for j in jobs]
    last = jobs[-1]["id"]  # the oldest job of the last project listed: many pages in
    monkeypatch.setattr(jobref, "RESOLVE_PAGE_SIZE", 4)
    calls = ListCalls(monkeypatch)
    ref = next(last[:n] for n in range(5, len(last)) if len(starting_with(ids, last[:n])) == 1)
    r = run("get", ref, "--json")
    assert r.code == 0, r.err
    assert r.json()["id"] == last
    assert calls.count > len({j["project_id"] for j in jobs})


def test_an_ambiguous_prefix_lists_the_candidates(run, sim_server) -> None:
    jobs = {j["id"]: j for j in every_job(sim_server)}
    by_first: dict[str, list[str]] = {}
    for job_id in jobs:
        by_first.setdefault(compact(job_id)[:5], []).append(job_id)
    ref, matching = next((p, ids) for p, ids in sorted(by_first.items()) if len(ids) >= 2)
    r = run("get", ref)
    assert r.code == 2
    assert r.out == ""
    assert f"extract-explorer: {ref} could be more than one job" in r.err
    lines = r.err.splitlines()[1:]
    shown = [line for line in lines if any(job_id in line for job_id in matching)]
    assert len(shown) >= 2
    for line in shown:
        job_id = next(i for i in matching if i in line)
        assert jobs[job_id]["status"] in line
    assert not [line for line in lines if re.search(r"ext-[0-9a-f]{8}-", line)
                and not any(i in line for i in matching)]  # fmt: skip


def test_an_ambiguous_prefix_stops_the_listing_early(run, monkeypatch) -> None:
    import explorer.commands.jobref as jobref

    monkeypatch.setattr(jobref, "RESOLVE_PAGE_SIZE", 5)
    calls = ListCalls(monkeypatch)
    r = run("get", "ext-")
    assert r.code == 2 and "could be more than one job" in r.err
    assert calls.count == 1  # the first page already held two


@pytest.mark.parametrize("argv", [["get"], ["fields"], ["cancel", "--yes"], ["delete", "--yes"]])
def test_a_prefix_no_job_has_is_not_found(run, sim_server, argv) -> None:
    ids = [j["id"] for j in every_job(sim_server)]
    ref = next(
        f"ext-{a}{b}0f0f" for a in "0123456789abcdef" for b in "0123456789abcdef"
        if not starting_with(ids, f"ext-{a}{b}0f0f")
    )  # fmt: skip
    r = run(argv[0], ref, *argv[1:])
    assert r.code == 2
    assert r.out == ""
    assert r.err.strip() == f"extract-explorer: job {ref} not found"


def test_a_whole_id_is_asked_for_directly(run, notable, monkeypatch) -> None:
    calls = ListCalls(monkeypatch)
    assert run("get", notable["receipt"], "--json").code == 0
    missing = run("get", "ext-00000000-dead-beef-0000-000000000000")
    assert missing.code == 2 and "not found" in missing.err
    assert calls.count == 0


def test_cancel_and_delete_by_short_id(run, fresh_sim, monkeypatch) -> None:
    point_at(monkeypatch, fresh_sim)
    held = create_job(fresh_sim, "dfl-hold-short-id")
    r = run("cancel", short_id(held), "--yes")
    assert r.code == 0, r.err
    assert r.out.strip() == f"cancelled {held} (status CANCELLED)"
    r = run("delete", short_id(held), "--yes")
    assert r.code == 0, r.err
    assert r.out.strip() == f"deleted {held}"
    assert run("get", held).code == 2


def test_files_still_work_offline(run, write_json, monkeypatch) -> None:
    from tests.cli.conftest import make_job

    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", "https://unreachable.invalid")
    path = write_json(make_job(result={"number": "1", "total": 2}))
    r = run("get", path, "--json")
    assert r.code == 0 and r.json()["id"] == "ext-11111111-2222-3333-4444-555555555555"


# -- 2. a 409 is never retried ----------------------------------------------------------------


def test_cancelling_a_finished_job_is_refused_at_once(run, notable) -> None:
    done = notable["receipt"]
    r = run("cancel", done, "--yes")
    assert r.code == 2
    assert "retrying" not in r.err
    assert r.err.splitlines() == [
        f"extract-explorer: cannot cancel {done}: Job {done} is COMPLETED and cannot be cancelled"
    ]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_client_errors_are_never_retried(status: int) -> None:
    policy = RetryPolicy()
    assert not policy.should_retry_status(status, {})
    assert not policy.should_retry_status(status, {"x-should-retry": "true"})


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_errors_are_still_retried(status: int) -> None:
    assert RetryPolicy().should_retry_status(status, {})


# -- 3. connection flags before the command ---------------------------------------------------


@pytest.mark.parametrize("action", ["cancel", "delete"])
def test_read_only_before_the_command(run, notable, action) -> None:
    job_id = notable["long_running"]
    before = run("--read-only", action, job_id, "--yes")
    after = run(action, job_id, "--yes", "--read-only")
    for r in (before, after):
        assert r.code == 2 and "read-only mode" in r.err
        assert "unrecognized arguments" not in r.err


def test_base_url_and_project_before_the_command(run, notable, sim_server, monkeypatch) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    job_id = notable["receipt"]
    for argv in (
        ["--base-url", sim_server.url, "get", job_id, "--json"],
        [f"--base-url={sim_server.url}", "get", job_id, "--json"],
        ["get", job_id, "--json", "--base-url", sim_server.url],
        ["--base-url", sim_server.url, "--read-only", "get", short_id(job_id), "--json"],
    ):
        r = run(*argv)
        assert r.code == 0, (argv, r.err)
        assert r.json()["id"] == job_id
    project = sim_server.state.record(job_id).project_id
    before = run(
        "--base-url", sim_server.url, "--project", project, "list", "--json", "--limit", "0"
    )
    after = run(
        "list", "--json", "--limit", "0", "--project", project, "--base-url", sim_server.url
    )
    assert before.code == after.code == 0
    listed = [json.loads(line) for line in before.out.splitlines()]
    assert listed and {j["project_id"] for j in listed} == {project}
    assert before.out == after.out


def test_flags_before_no_command_still_start_the_tui() -> None:
    from explorer.cli import COMMANDS
    from explorer.commands.flags import hoist_global_flags

    for argv in (
        ["--project", "prj-1", "ext-1"],
        ["--refresh", "2", "list"],  # a TUI flag: the TUI's parser reads it all
        ["--help", "list"],
        [],
    ):
        assert hoist_global_flags(argv, COMMANDS) == argv
    assert hoist_global_flags(["--project", "list", "get", "x"], COMMANDS) == [
        "get",
        "--project",
        "list",
        "x",
    ]


# -- 4. delete names --force ------------------------------------------------------------------


def test_delete_of_an_unfinished_job_names_the_force_flag(run, fresh_sim, monkeypatch) -> None:
    point_at(monkeypatch, fresh_sim)
    held = create_job(fresh_sim, "dfl-hold-force")
    r = run("delete", held, "--yes")
    assert r.code == 2
    assert f"cannot delete {held}" in r.err
    assert "--force" in r.err and "force=true" not in r.err
    assert run("delete", held, "--yes", "--force").code == 0


# -- 5. sim --help ----------------------------------------------------------------------------

MAGIC_WORDS = ("fail", "slow", "throttle", "unknown", "hold")


def sim_help(capsys: pytest.CaptureFixture[str]) -> str:
    from explorer.cli import main

    with pytest.raises(SystemExit) as info:
        main(["sim", "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


def test_sim_help_names_the_magic_document_ids(capsys) -> None:
    from explorer.sim.records import magic_phases

    text = sim_help(capsys)
    for word in MAGIC_WORDS:
        assert re.search(rf"^\s+{word}\s+\S", text, re.M), word
        # a word the simulator really acts on
        assert magic_phases(f"dfl-{word}-x", 0.0, 1.0) != magic_phases("dfl-plain-x", 0.0, 1.0)


def test_sim_help_shows_a_creation_body_the_simulator_accepts(capsys, fresh_sim) -> None:
    text = sim_help(capsys)
    assert "curl" in text and "POST" in text and "/api/v2/extract" in text
    body = json.loads(re.search(r"-d '(\{.*?\})'", text, re.S).group(1))
    assert "file_input" in body and "data_schema" in body["configuration"]
    for document in (body["file_input"], "dfl-hold-help"):
        response = httpx.post(
            f"{fresh_sim.url}/api/v2/extract",
            json={**body, "file_input": document},
            headers={"Authorization": "Bearer any-key"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] in ("PENDING", "RUNNING", "THROTTLED")


# -- 6. import hygiene ------------------------------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_commands_never_import_the_cli_and_base_not_jobref() -> None:
    for path in (ROOT / "explorer/commands").glob("*.py"):
        assert "explorer.cli" not in _imported_modules(path), path
    assert not {"explorer.commands.jobref", "explorer.commands.jobs"} & _imported_modules(
        ROOT / "explorer/commands/base.py"
    )


def test_no_dead_run_async_in_the_cli() -> None:
    import explorer.cli

    assert not hasattr(explorer.cli, "run_async")

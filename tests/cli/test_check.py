"""``extract-explorer check``: exit 0 clean, 1 problems, 2 could not check."""

from __future__ import annotations

import pytest

from tests.cli.conftest import make_job


def test_clean_job_exits_0(run, notable) -> None:
    r = run("check", notable["invoice_cited"])
    assert r.code == 0
    assert r.out == ""
    assert "no schema problems" in r.err


def test_clean_file_exits_0_with_empty_json(run, write_json) -> None:
    path = write_json(make_job(result={"number": "INV-1", "total": 10.5}))
    assert run("check", path).code == 0
    r = run("check", path, "--json")
    assert r.code == 0 and r.json() == []


def test_schema_breaking_job_exits_1_with_one_line_per_problem(run, notable) -> None:
    r = run("check", notable["schema_breaking"])
    assert r.code == 1
    lines = r.out.splitlines()
    assert len(lines) >= 3
    assert all(line.startswith(".") and ": " in line for line in lines)
    assert any(line.startswith(".total: expected number") for line in lines)
    assert any(line.startswith(".invoice_number: required field") for line in lines)
    assert f"{len(lines)} schema problems" in r.err


def test_json_lists_path_kind_problem(run, notable) -> None:
    r = run("check", notable["schema_breaking"], "--json")
    assert r.code == 1
    problems = r.json()
    assert problems and all(set(p) == {"path", "kind", "problem"} for p in problems)
    kinds = {p["path"]: p["kind"] for p in problems}
    assert kinds[".total"] == "type"
    assert kinds[".invoice_number"] == "required"


def test_list_result_problems_carry_the_item_index(run, write_json) -> None:
    path = write_json(
        make_job(result=[{"number": "a", "total": 1}, {"number": "b"}], target="per_table_row")
    )
    r = run("check", path)
    assert r.code == 1
    assert r.out.splitlines() == ['.[1].total: required field "total" is missing']


@pytest.mark.parametrize(
    ("job", "reason"),
    [
        (make_job(result={"number": "1"}, schema=None), "no data_schema"),
        (make_job(result={"number": "1"}, schema={"type": 12}), "not a valid JSON Schema"),
        (make_job(result=None, status="RUNNING"), "no result to check (status RUNNING)"),
    ],
    ids=["no-schema", "invalid-schema", "no-result"],
)
def test_cannot_check_exits_2(run, write_json, job, reason) -> None:
    r = run("check", write_json(job))
    assert r.code == 2
    assert r.out == ""
    assert reason in r.err
    assert len(r.err.splitlines()) == 1


def test_failed_job_exits_2(run, notable) -> None:
    r = run("check", notable["failed"], "--json")
    assert r.code == 2
    assert r.out == ""
    assert "no result to check (status FAILED)" in r.err


def test_unknown_job_exits_2(run) -> None:
    r = run("check", "ext-00000000-0000-0000-0000-000000000000")
    assert r.code == 2
    assert "not found" in r.err


def test_warnings_go_to_stderr(run, seed_job, write_json) -> None:
    r = run("check", write_json(seed_job))
    assert r.code == 0
    assert r.out == ""
    assert "warning: the data_schema has no JSON Schema validation keywords" in r.err

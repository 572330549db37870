"""``extract-explorer diff``: two runs of one document compared field by field."""

from __future__ import annotations

from tests.cli.conftest import make_job


def test_invoice_rerun_shows_changed_fields(run, notable) -> None:
    r = run("diff", notable["invoice_cited"], notable["invoice_rerun"])
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0].startswith(f"A  {notable['invoice_cited']}")
    assert lines[1].startswith(f"B  {notable['invoice_rerun']}")
    changed = [line for line in lines if line.startswith("~ ")]
    assert changed, r.out
    assert "→" in changed[0]
    assert "changed" in lines[-1] and "same" in lines[-1]
    # same fields are counted, not listed
    assert not any(line.startswith("= ") for line in lines)


def test_json_shape(run, notable) -> None:
    r = run("diff", notable["invoice_cited"], notable["invoice_rerun"], "--json")
    assert r.code == 0
    data = r.json()
    assert set(data) == {"summary", "changes"}
    summary = data["summary"]
    assert {"changed", "added", "removed", "same", "mean_confidence_delta"} <= set(summary)
    assert summary["a"] == notable["invoice_cited"] and summary["b"] == notable["invoice_rerun"]
    assert summary["changed"] >= 1 and summary["same"] > 0
    kinds = {c["kind"] for c in data["changes"]}
    assert "changed" in kinds and "same" not in kinds
    change = next(c for c in data["changes"] if c["kind"] == "changed")
    assert {"path", "old", "new", "old_confidence", "new_confidence", "confidence_delta"} <= set(
        change
    )
    assert change["old"] != change["new"]
    every = run("diff", notable["invoice_cited"], notable["invoice_rerun"], "--json", "--all")
    assert len(every.json()["changes"]) == sum(
        summary[k] for k in ("changed", "added", "removed", "same")
    )


def test_files_added_removed_and_exit_code(run, write_json) -> None:
    a = write_json(make_job("ext-a", result={"number": "1", "total": 5, "notes": "x"}), "a.json")
    b = write_json(make_job("ext-b", result={"number": "1", "total": 6, "extra": True}), "b.json")
    r = run("diff", a, b, "--exit-code")
    assert r.code == 1
    marks = {line.split()[1]: line.split()[0] for line in r.out.splitlines()[4:-1]}
    assert marks == {".total": "~", ".notes": "-", ".extra": "+"}
    assert r.out.splitlines()[-1].startswith("1 changed, 1 added, 1 removed, 1 same")
    same = run("diff", a, a, "--exit-code")
    assert same.code == 0
    assert same.out.splitlines()[-1].startswith("0 changed, 0 added, 0 removed, 3 same")


def test_strings_and_numbers_stay_apart(run, write_json) -> None:
    a = write_json(make_job("ext-a", result={"number": "1", "total": 5}), "a.json")
    b = write_json(make_job("ext-b", result={"number": 1, "total": 5}), "b.json")
    r = run("diff", a, b)
    line = next(line for line in r.out.splitlines() if line.startswith("~"))
    assert '"1"' in line and line.split()[2:4] == ['"1"', "1"]


def test_mixed_file_and_job_id(run, notable, sim_job, write_json) -> None:
    path = write_json(sim_job("invoice_cited"))
    r = run("diff", path, notable["invoice_cited"], "--json")
    assert r.code == 0
    assert r.json()["changes"] == []


def test_errors(run, notable, write_json) -> None:
    both_stdin = run("diff", "-", "-")
    assert both_stdin.code == 2 and "stdin" in both_stdin.err
    missing = run("diff", notable["invoice_cited"], "ext-does-not-exist")
    assert missing.code == 2 and "job ext-does-not-exist not found" in missing.err
    assert missing.out == ""

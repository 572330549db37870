"""``extract-explorer fields``: the table, --json, --csv and the filters."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli.conftest import make_job

LONG = "A" * 500


def test_table_lists_every_field_with_confidence(run, notable) -> None:
    r = run("fields", notable["invoice_cited"])
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0].split() == ["PATH", "VALUE", "CONF", "PAGES", "PROBLEMS"]
    paths = [line.split()[0] for line in lines[1:]]
    assert ".invoice_number" in paths and ".line_items[0].amount" in paths
    assert "fields shown" in r.err
    # every data row has a confidence like 0.93
    assert all(any(len(w) == 4 and w[1] == "." for w in line.split()) for line in lines[1:])


def test_json_shape(run, notable) -> None:
    r = run("fields", notable["invoice_cited"], "--json")
    assert r.code == 0
    rows = r.json()
    assert rows and isinstance(rows, list)
    for row in rows:
        assert {"path", "value", "confidence", "citations", "reasoning", "problems"} <= set(row)
        assert row["path"].startswith(".")
        assert isinstance(row["problems"], list)
        assert all(isinstance(p, str) for p in row["problems"])
        for c in row["citations"]:
            assert {"page", "matching_text"} <= set(c)
    assert any(row["citations"] for row in rows)
    assert all(isinstance(row["confidence"], float) for row in rows)


def test_long_values_are_cut_on_screen_but_complete_in_json_and_csv(run, write_json) -> None:
    path = write_json(make_job(result={"number": LONG, "total": 1.5}))
    table = run("fields", path)
    assert table.code == 0
    assert LONG not in table.out and "…" in table.out
    assert max(len(line) for line in table.out.splitlines()) < 200
    data = run("fields", path, "--json").json()
    assert data[0]["value"] == LONG
    rows = list(csv.DictReader(io.StringIO(run("fields", path, "--csv").out)))
    assert rows[0]["value"] == LONG


def test_below_keeps_only_low_confidence(run, notable) -> None:
    everything = run("fields", notable["invoice_cited"], "--json").json()
    low = run("fields", notable["invoice_cited"], "--json", "--below", "0.8").json()
    assert 0 < len(low) < len(everything)
    assert all(row["confidence"] < 0.8 for row in low)
    expected = [
        r["path"] for r in everything if r["confidence"] is not None and r["confidence"] < 0.8
    ]
    assert [r["path"] for r in low] == expected
    table = run("fields", notable["invoice_cited"], "--below", "0.8")
    assert len(table.out.splitlines()) == len(low) + 1


def test_problems_filter_shows_schema_problems(run, notable) -> None:
    r = run("fields", notable["schema_breaking"], "--problems", "--json")
    assert r.code == 0
    rows = r.json()
    assert rows and all(row["problems"] for row in rows)
    by_path = {row["path"]: row for row in rows}
    assert any("expected number" in p for p in by_path[".total"]["problems"])
    # a required field missing from the result still gets a row
    assert by_path[".invoice_number"]["in_result"] is False
    table = run("fields", notable["schema_breaking"], "--problems")
    assert ".total" in table.out and "expected number" in table.out
    assert "(missing)" in table.out


def test_no_citation_filter(run, write_json) -> None:
    meta = {
        "document_metadata": {
            "number": {"confidence": 0.9, "citation": [{"page": 1, "matching_text": "INV-1"}]},
            "total": {"confidence": 0.7},
        }
    }
    path = write_json(make_job(result={"number": "INV-1", "total": 3}, metadata=meta))
    rows = run("fields", path, "--no-citation", "--json").json()
    assert [r["path"] for r in rows] == [".total"]
    cited = run("fields", path, "--json").json()
    assert cited[0]["citations"] == [
        {"page": 1, "matching_text": "INV-1", "bounding_boxes": [], "page_dimensions": None}
    ]
    table = run("fields", path)
    assert table.out.splitlines()[1].split()[:4] == [".number", "INV-1", "0.90", "1"]


def test_csv_reads_back(run, notable) -> None:
    r = run("fields", notable["invoice_cited"], "--csv")
    assert r.code == 0
    rows = list(csv.DictReader(io.StringIO(r.out)))
    as_json = run("fields", notable["invoice_cited"], "--json").json()
    assert [row["path"] for row in rows] == [row["path"] for row in as_json]
    assert float(rows[0]["confidence"]) == pytest.approx(as_json[0]["confidence"])


def test_json_and_csv_are_exclusive(run, notable) -> None:
    r = run("fields", notable["invoice_cited"], "--json", "--csv")
    assert r.code == 2 and "not allowed" in r.err


def test_file_with_several_jobs_needs_job(run, write_json) -> None:
    jobs = [make_job(f"ext-{n}aaaaaaa", result={"number": str(n), "total": n}) for n in range(3)]
    path = write_json({"items": jobs}, "page.json")
    r = run("fields", path)
    assert r.code == 2
    assert "holds 3 jobs" in r.err and "--job" in r.err and r.out == ""
    picked = run("fields", path, "--job", "ext-1", "--json").json()
    assert picked[0]["value"] == "1"
    missing = run("fields", path, "--job", "ext-9")
    assert missing.code == 2 and "no job ext-9" in missing.err


def test_stdin(run, monkeypatch) -> None:
    job = make_job(result={"number": "from-stdin", "total": 2})
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(job).encode())))
    rows = run("fields", "-", "--json").json()
    assert rows[0]["value"] == "from-stdin"


def test_job_without_result_has_no_rows(run, notable) -> None:
    r = run("fields", notable["failed"])
    assert r.code == 0 and r.out == ""
    assert "has no result (status FAILED)" in r.err
    assert run("fields", notable["failed"], "--json").json() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"items": []}', "no job"),
        ('[{"no": "id"}]', 'no "id"'),
    ],
)
def test_bad_files_fail_with_one_line(run, tmp_path, content, message) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    r = run("fields", str(path))
    assert r.code == 2 and r.out == ""
    assert message in r.err and len(r.err.splitlines()) == 1


def test_missing_file_is_not_taken_for_a_job_id(run, tmp_path) -> None:
    r = run("fields", str(tmp_path / "nope.json"))
    assert r.code == 2 and "no such file" in r.err

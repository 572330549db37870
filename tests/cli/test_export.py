"""``extract-explorer export``: each format, read back."""

from __future__ import annotations

import csv
import io
import json

from explorer.commands import output
from tests.cli.conftest import API_KEY, HOSTILE_CHARS, make_job


def test_json_is_the_job_as_received(run, notable, sim_job) -> None:
    r = run("export", notable["invoice_cited"], "--format", "json")
    assert r.code == 0
    assert json.loads(r.out) == sim_job("invoice_cited")


def test_json_of_a_file_round_trips(run, write_json) -> None:
    job = make_job(result={"number": "INV-\u202e1", "total": 1e308}, unknown_field={"kept": [1]})
    r = run("export", write_json(job), "--format", "json")
    assert json.loads(r.out) == job
    assert "\u202e" not in r.out and "\\u202e" in r.out


def test_jsonl_one_line_per_result_item(run, notable, sim_job) -> None:
    rows = sim_job("statement_rows")["extract_result"]
    r = run("export", notable["statement_rows"], "--format", "jsonl")
    assert r.code == 0
    lines = r.out.splitlines()
    assert len(lines) == len(rows) > 1
    assert [json.loads(line) for line in lines] == rows
    per_doc = run("export", notable["invoice_cited"], "--format", "jsonl")
    assert len(per_doc.out.splitlines()) == 1


def test_csv_one_row_per_item_and_per_doc_one_row(run, notable, sim_job) -> None:
    rows = sim_job("statement_rows")["extract_result"]
    r = run("export", notable["statement_rows"], "--format", "csv")
    table = list(csv.DictReader(io.StringIO(r.out)))
    assert len(table) == len(rows)
    first_key = next(k for k, v in rows[0].items() if isinstance(v, str))
    assert table[0][first_key] == rows[0][first_key]
    # per_doc: the result's values in one row of dotted columns, not the field table
    result = sim_job("invoice_cited")["extract_result"]
    per_doc = run("export", notable["invoice_cited"], "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(per_doc.out)))
    assert "path" not in row and "confidence" not in row
    top = next(k for k, v in result.items() if isinstance(v, str) and v[:1] not in "=+-@")
    assert row[top] == result[top]
    fields = run("fields", notable["invoice_cited"], "--json").json()
    dotted = {
        f["path"].lstrip(".").replace("[", ".").replace("]", "") for f in fields if f["in_result"]
    }
    assert set(row) == {d for d in dotted if d}


def test_output_file(run, notable, tmp_path, sim_job) -> None:
    target = tmp_path / "out" / "job.jsonl"
    target.parent.mkdir()
    r = run("export", notable["report_pages"], "-o", str(target))  # format from the suffix
    assert r.code == 0
    assert r.out == ""
    assert str(target) in r.err
    pages = sim_job("report_pages")["extract_result"]
    assert [json.loads(x) for x in target.read_text().splitlines()] == pages
    assert API_KEY not in target.read_text()
    assert not [p for p in target.parent.iterdir() if p.name != "job.jsonl"]  # no temp left


def test_output_file_errors(run, notable, tmp_path) -> None:
    r = run("export", notable["invoice_cited"], "-o", str(tmp_path / "no" / "dir.json"))
    assert r.code == 2 and "cannot write" in r.err
    r = run("export", notable["invoice_cited"], "-o", str(tmp_path))
    assert r.code == 2 and "directory" in r.err


def test_job_without_result(run, notable) -> None:
    r = run("export", notable["failed"], "--format", "jsonl")
    assert r.code == 0 and r.out == ""
    assert "has no result" in r.err


def test_csv_on_a_terminal_shows_controls_escaped(run, write_json, monkeypatch) -> None:
    path = write_json(make_job(result=[{"a": "\x1b]0;x\x07 ok"}], target="per_page"))
    piped = run("export", path, "--format", "csv")
    assert "\x1b" in piped.out  # data: exact when piped
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    shown = run("export", path, "--format", "csv")
    assert not any(ch in shown.out for ch in HOSTILE_CHARS)
    assert "\\x1b]0;x\\x07 ok" in shown.out
    assert "escaped" in shown.err


def test_key_in_the_data_is_redacted(run, write_json) -> None:
    path = write_json(make_job(result={"number": f"leaked {API_KEY}", "total": 1}))
    # the run helper asserts the key is absent from stdout and stderr
    r = run("export", path, "--format", "json")
    assert "leaked <redacted>" in r.out


def test_export_into_a_pipe_writes_through_it_and_leaves_it_a_pipe(run, notable, tmp_path) -> None:
    """`-o /dev/stdout` or a FIFO is written into, never replaced by a file (as root, replacing
    /dev/null would destroy it)."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    r = run("export", notable["invoice_cited"], "--format", "json", "-o", str(fifo))
    reader.join(timeout=30)
    assert r.code == 0, r.err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and json.loads(got[0])["id"] == notable["invoice_cited"]

"""The benchmark harness runs and produces numbers. Timings are never asserted here."""

from __future__ import annotations

import json
import math
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from benchmarks import peer
from benchmarks.__main__ import main
from benchmarks.child import run_child
from benchmarks.context import Context
from benchmarks.plan import Plan
from benchmarks.report import Figure, render_table
from benchmarks.simhost import serving, warm_big_job
from benchmarks.stats import min_ratio
from explorer.sim import SimConfig


def test_the_harness_reports_a_figure_as_a_table_row_and_as_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--quick", "--only", "refresh", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == [] and report["hardware"]["cores"]
    [figure] = report["figures"]
    assert figure["status"] == "ok" and figure["target"] == 2.0
    assert figure["samples"] and not math.isnan(figure["value"])
    assert isinstance(figure["met"], bool)
    row = Figure(**{k: figure[k] for k in ("group", "title", "value", "unit", "target")})
    assert figure["title"] in render_table([row], "test machine")


def test_the_orjson_and_client_sides_of_the_big_job_measure_in_child_processes() -> None:
    with serving(SimConfig(big_rows=300)) as server:
        big = warm_big_job(server)
        args = {
            "url": big.url,
            "job_id": big.job_id,
            "project_id": big.project_id,
            "rows": big.rows,
        }
        parsed = run_child("big_job", {**args, "side": "orjson"})
        fetched = run_child("sdk_compare", {**args, "side": "ours"})
    assert parsed["rows"] == fetched["rows"] == 300
    assert parsed["bytes"] == big.json_bytes > 0
    assert parsed["parse_s"] >= 0 and fetched["seconds"] > 0 and fetched["metadata"]


def test_a_figure_shows_its_median_and_its_min_of_n() -> None:
    runs = Figure("g", "three runs", 2.0, "s", target=3.0, samples=[2.5, 1.25, 2.0])
    one = Figure("g", "one run", 4.0, "ms", samples=[4.0])
    ratio = Figure("g", "per-run ratios", 0.9, "x", samples=[0.9, math.nan, 0.8])
    sides = Figure("g", "min/min", 0.9, "x", samples=[0.9, 0.5], min_value=min_ratio([3, 2], [4]))
    gone = Figure("g", "skipped", None, "s", samples=[1.0, 2.0], status="skipped", note="why")
    assert (runs.minimum, one.minimum, ratio.minimum, gone.minimum) == (1.25, None, 0.8, None)
    assert sides.minimum == 0.5 and sides.min_text() == "0.50x"
    assert Figure("g", "one", 1.0, "x", samples=[1.0], min_value=0.5).min_text() == "—"
    table = render_table([runs, one, ratio, gone], "test machine").splitlines()
    assert [cell.strip() for cell in table[2].strip("|").split("|")] == [
        "figure",
        "median",
        "min",
        "target",
        "met?",
    ]
    row = next(line for line in table if "three runs" in line)
    assert [cell.strip() for cell in row.strip("|").split("|")][1:] == [
        "2.00 s",
        "1.25 s",
        "<= 3 s",
        "yes",
    ]
    assert "| —" in next(line for line in table if "one run" in line)
    data = runs.to_json()
    assert data["value"] == 2.0 and data["minimum"] == 1.25 and data["minimum_display"] == "1.25 s"
    assert one.to_json()["minimum"] is None


def test_the_bare_textual_app_paints_its_tree_in_a_child_process() -> None:
    result = run_child("bare_app", {})
    assert 0 < result["import_s"] < result["first_paint_s"] and result["frames"] >= 1


def test_the_peer_poll_knows_a_row_in_a_table_from_a_lone_value() -> None:
    job = {
        "id": "ext-da858081-275a",
        "extract_result": [{"date": "2025-12-03", "description": "AMAZON MKTPLACE PMTS"}],
    }
    marks = peer.marks_of(job)
    assert marks.job == "ext-da8580" and marks.row == ("2025-12-03", "AMAZON MKTPL")
    field_pane = "│ .[0].date\n│ value       2025-12-03\n│ AMAZON MKTPLACE PMTS"
    assert not marks.shows_row(field_pane)
    assert marks.shows_row("│  0  2025-12-03  AMAZON MKTPLACE PMTS  TX000000 │")
    assert marks.shows_row(" 2025-12-03 │ AMAZON MKTPLACE PM…│ TX00000000 │")


def test_the_peer_finds_the_python_process_behind_a_shell() -> None:
    code = "import time; time.sleep(30)"
    shell = subprocess.Popen(["sh", "-c", f"{shlex.quote(sys.executable)} -c '{code}'; true"])
    try:
        deadline = time.monotonic() + 10
        while (pid := peer.program_pid(shell.pid)) == shell.pid and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pid != shell.pid and peer.is_python(pid) and peer.peak_kb(pid) > 0
    finally:
        for child in peer.children(shell.pid):
            os.kill(child, signal.SIGTERM)
        shell.wait(10)


def test_the_peer_figures_are_skipped_without_visidata(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(peer, "script", lambda name: None)
    if shutil.which("tmux") is not None:
        assert peer.missing_prerequisite() == "pip install visidata"
    figures = peer.run(Context(Plan.make(True)))
    assert len(figures) == 6 and {f.status for f in figures} == {"skipped"}
    assert {f.target for f in figures} == {None, 0.25, 0.5}


@pytest.mark.skipif(peer.missing_prerequisite() is not None, reason="needs tmux and VisiData")
def test_the_peer_opens_a_small_job_in_both_programs_in_tmux() -> None:
    measured = peer.measure(peer.job_body(60), 1, timeout=60, warm=False)
    figures = peer.figures(measured)
    assert measured["rows"] == 60 and len(figures) == 6
    assert all(f.status == "ok" and f.value is not None and f.value > 0 for f in figures)
    [ours] = measured["explorer"]
    assert 0 < ours.ready_s <= ours.data_s and ours.peak_kb > 10_000

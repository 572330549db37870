"""The benchmark harness runs and produces numbers. Timings are never asserted here."""

from __future__ import annotations

import json
import math

import pytest

from benchmarks.__main__ import main
from benchmarks.child import run_child
from benchmarks.report import Figure, render_table
from benchmarks.simhost import serving, warm_big_job
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

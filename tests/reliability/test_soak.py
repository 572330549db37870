"""The soak run, short: 200 running jobs, faults on, auto-refresh for ~15 s (scripts/soak.py)."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "soak.py"


def load_soak():
    spec = importlib.util.spec_from_file_location("soak_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(90)
def test_short_soak_runs_clean() -> None:
    soak = load_soak()
    args = soak.build_parser().parse_args(["--minutes", "0.25", "--sample", "3"])
    faults = soak.Faults(
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        garble_rate=args.garble_rate,
        reset_rate=args.reset_rate,
        rate_limit=args.rate_limit,
    )
    out = io.StringIO()
    report = asyncio.run(
        soak.soak(seconds=15, jobs=200, sample_every=args.sample, faults=faults, out=out)
    )
    table = out.getvalue()
    assert "req/min" in table.splitlines()[0]
    assert report.ok, soak.summary(report)
    # 15 s at a sample every 3 s, counted from when every page is in (on a busy machine
    # loading them through the faults takes seconds); a slow sample or two may be lost
    assert len(report.samples) >= 2
    assert all(s.running >= 200 for s in report.samples)  # every running job is watched
    assert sum(s.requests for s in report.samples) > 0
    assert all(s.status for s in report.samples)  # the status line always says something
    assert "verdict: OK" in soak.summary(report)


def test_the_script_main_reports_and_exits(capsys) -> None:
    soak = load_soak()
    code = soak.main(["--minutes", "0.02", "--sample", "0.5", "--jobs", "20", "--error-rate", "0"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "verdict: OK" in out and "requests:" in out and "memory:" in out

"""The big job analysed: field table, schema check and grounding over all its rows.

A fresh process fetches the big job's body from the simulator, reads it as the app does
(lazily, :func:`explorer.api.lazy.loads_job`) and times :func:`explorer.core.analysis.analyze`
on it: every field row built, every row checked against the schema, every citation checked.
The figure is seconds per 100 MB of JSON; beside it, ``orjson.loads`` of the same bytes in the
same process (the cost of merely parsing them) as the same run's yardstick.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: fetch the body, then time a full parse and the analysis of the lazy view."""
    import gc

    import orjson

    from benchmarks.simhost import fetch_job_bytes
    from explorer.api.lazy import loads_job
    from explorer.core.analysis import analyze

    body = fetch_job_bytes(args["url"], args["job_id"], args["project_id"])
    gc.disable()
    start = time.perf_counter()
    data = orjson.loads(body)
    parse_s = time.perf_counter() - start
    del data
    gc.enable()
    job = loads_job(body)
    start = time.perf_counter()
    analysis = analyze(job)
    analyse_s = time.perf_counter() - start
    return {
        "bytes": len(body),
        "analyse_s": analyse_s,
        "parse_s": parse_s,
        "rows": len(analysis.rows),
        "problems": analysis.problem_count,
    }


def run(ctx: Context) -> list[Figure]:
    """Parent side: fresh processes, seconds per 100 MB and the ratio to orjson.loads."""
    from benchmarks.child import run_child
    from benchmarks.report import Figure
    from benchmarks.stats import median, min_ratio

    big = ctx.big_job()
    args = {"url": big.url, "job_id": big.job_id, "project_id": big.project_id}
    runs = [run_child("analysis", args) for _ in range(max(1, ctx.plan.big_runs - 1))]
    per_100mb = [r["analyse_s"] / (r["bytes"] / 1e8) for r in runs]
    analyse = [r["analyse_s"] for r in runs]
    parse = [r["parse_s"] for r in runs]
    fields = runs[0]["rows"]
    return [
        Figure(
            "analysis",
            f"analyse the big job ({big.rows:,} rows, {fields:,} fields), per 100 MB of JSON",
            median(per_100mb),
            "s",
            target=1.0,
            samples=per_100mb,
            note=f"field table + schema check + grounding, {median(analyse):.2f} s for "
            f"{big.megabytes:.1f} MB; median of {len(runs)} fresh processes",
        ),
        Figure(
            "analysis",
            "analyse the big job / orjson.loads of the same bytes (ratio)",
            median([a / p for a, p in zip(analyse, parse, strict=True)]),
            "x",
            samples=[a / p for a, p in zip(analyse, parse, strict=True)],
            min_value=min_ratio(analyse, parse),
            note="the same process parses the bytes whole once (GC paused), then analyses",
        ),
    ]


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

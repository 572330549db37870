"""Figure 8: our client's get + parse of the big job against the official SDK's ``extract.get``.

Both sides fetch the same job from the same simulator with the same expands (configuration,
extract_metadata, usage) and end with a typed job object: ours an ``ExtractJob`` (the big
result kept as plain JSON), the SDK's an ``ExtractV2Job``. Each run is one fresh process per
side, alternating, timed after imports and client construction; the ratio is ours / SDK.
The SDK (``pip install llama-cloud``) is not a dependency: without it the figure is skipped.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

from benchmarks.simhost import EXPAND_PARAMS

EXPANDS = [name for _, name in EXPAND_PARAMS]


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: one timed get of the job by ``side`` ("ours" or "sdk")."""
    fetch = _ours if args["side"] == "ours" else _sdk
    return asyncio.run(fetch(args["url"], args["job_id"], args["project_id"]))


async def _ours(url: str, job_id: str, project_id: str) -> dict[str, Any]:
    from explorer.api.client import ExtractClient

    async with ExtractClient("bench-key", url) as client:
        start = time.perf_counter()
        job = await client.get_job(job_id, expand=EXPANDS, project_id=project_id)
        elapsed = time.perf_counter() - start
        rows = len(job.extract_result or [])
        has_meta = job.extract_metadata is not None
    return {"seconds": elapsed, "rows": rows, "metadata": has_meta}


async def _sdk(url: str, job_id: str, project_id: str) -> dict[str, Any]:
    from llama_cloud import AsyncLlamaCloud

    # no retries: a failure must show, not be retried into the timing
    async with AsyncLlamaCloud(api_key="bench-key", base_url=url, max_retries=0) as client:
        start = time.perf_counter()
        job = await client.extract.get(job_id, expand=EXPANDS, project_id=project_id)
        elapsed = time.perf_counter() - start
        rows = len(job.extract_result or [])
        has_meta = job.extract_metadata is not None
    return {"seconds": elapsed, "rows": rows, "metadata": has_meta}


def run(ctx: Context) -> list[Figure]:
    """Parent side: alternate fresh processes, median of per-run ratios."""
    from benchmarks.child import run_child
    from benchmarks.report import Figure
    from benchmarks.stats import median, min_ratio

    title = "client get + parse of the big job / llama-cloud SDK extract.get (ratio)"
    if importlib.util.find_spec("llama_cloud") is None:
        return [
            Figure(
                "sdk",
                title,
                None,
                "x",
                target=1.0,
                status="skipped",
                note="pip install llama-cloud",
            )
        ]
    big = ctx.big_job()
    args = {"url": big.url, "job_id": big.job_id, "project_id": big.project_id}
    ours, sdk = [], []
    for _ in range(ctx.plan.sdk_runs):
        ours.append(run_child("sdk_compare", {**args, "side": "ours"}))
        sdk.append(run_child("sdk_compare", {**args, "side": "sdk"}))
    for side in (*ours, *sdk):
        if side["rows"] != big.rows or not side["metadata"]:
            raise RuntimeError(f"a side did not get the whole job: {side}")
    mine = [r["seconds"] for r in ours]
    theirs = [r["seconds"] for r in sdk]
    ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
    return [
        Figure(
            "sdk",
            title,
            median(ratios),
            "x",
            target=1.0,
            samples=ratios,
            min_value=min_ratio(mine, theirs),
            note=f"{big.megabytes:.1f} MB, {big.rows:,} rows: ours {median(mine):.2f} s, "
            f"SDK {median(theirs):.2f} s (medians of {len(ratios)} fresh processes each)",
        )
    ]


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

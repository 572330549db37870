"""Which benchmarks exist, the figure names each produces, and the order they run in."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Benchmark:
    """A module with ``run(ctx) -> list[Figure]`` and the figure groups it reports."""

    module: str
    groups: tuple[str, ...]
    what: str

    def runner(self) -> Callable[[Any], list[Any]]:
        # imported when run: `--only refresh` must not pay for importing the others
        return importlib.import_module(f"benchmarks.{self.module}").run


# Start-up first, while the machine is calmest; the big job's heavy runs, then the peer, last.
BENCHMARKS = (
    Benchmark("startup", ("startup",), "start to first painted tree"),
    Benchmark("cache_start", ("cache",), "start to first tree from the local cache"),
    Benchmark("refresh_requests", ("refresh",), "HTTP requests per refresh cycle"),
    Benchmark("terminal_bytes", ("bytes",), "bytes to the terminal per move / page"),
    Benchmark("job_tree", ("tree",), "job tree with a project of many jobs"),
    Benchmark("source_view", ("source",), "Source view: page image and first download"),
    Benchmark("big_job", ("open", "keys", "memory"), "the big job: open, keys, memory"),
    Benchmark("analysis", ("analysis",), "the big job analysed: fields, schema, grounding"),
    Benchmark("fields_sort", ("sort",), "the Fields table sorted by each column"),
    Benchmark("usage_view", ("usage",), "usage view over 10,000 jobs to first chart"),
    Benchmark("sdk_compare", ("sdk",), "our client vs the llama-cloud SDK"),
    # last: two programs opening the big job's file over and over, in tmux
    Benchmark("peer", ("peer",), "the big job's file: extract-explorer vs VisiData"),
)

#: Every name ``--only`` accepts.
NAMES = tuple(group for bench in BENCHMARKS for group in bench.groups)

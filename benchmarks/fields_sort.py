"""The Fields table of the big job sorted by each column: the first sort and a re-sort.

A fresh process builds the field rows of a per_table_row job of ``big_rows`` rows with two
fields each (400,000 rows in the full run): a description and an amount, each with a
confidence and one cited page, as the API sends them (JSON parsed by orjson, so the objects lie
in memory as the app's do), left as an analysis leaves them (citations read, some problems).
Then, for each sort column, a fresh
:class:`~explorer.core.field_sort.RowOrder`:

- the first sort by that column, key computation included (what the Fields pane runs, in a
  thread past 50,000 rows, when the user first sorts by it); problems includes the path order
  it breaks ties with (the pane has it already: path is the first sort);
- the first sort the other way (the keys are kept; its order is not);
- a re-sort, an order already known: what the pane then does on the UI thread, the cells the
  table samples on ``set_rows`` included (the young-generation collection the first sort's new
  lists cost, once, is timed apart and reported in the note).

The same process sorts as many random floats with ``sorted()`` before each column: the
yardstick of the ratio figure, measured in the same run.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

#: Target of a first sort, key computation included (the issue's figure).
TARGET_S = 0.3
#: Target of a re-sort, on the UI thread: a frame or three.
RESORT_TARGET_S = 0.05


def build_job(rows: int, seed: int = 7) -> bytes:
    """A per_table_row job's JSON: ``rows`` rows of a description and an amount."""
    import random

    import orjson

    from explorer.sim.vocab import TRANSACTIONS

    rng = random.Random(seed)
    result: list[dict[str, Any]] = []
    meta: list[dict[str, Any]] = []
    for i in range(rows):
        amount = round(rng.uniform(1.5, 480.0), 2) if rng.random() > 0.03 else None
        result.append({"description": f"{rng.choice(TRANSACTIONS)} {i % 997}", "amount": amount})
        page = i // 40 + 1
        entries = {}
        for name in ("description", "amount"):
            confidence = round(min(0.999, max(0.3, rng.gauss(0.9, 0.06))), 3)
            cited = [{"page": page, "matching_text": "…"}] if rng.random() > 0.05 else []
            entries[name] = {"confidence": confidence, "citation": cited}
        meta.append(entries)
    job = {
        "id": "ext-fields-sort",
        "extract_result": result,
        "extract_metadata": {"field_metadata": {"row_metadata": meta}},
    }
    return orjson.dumps(job)


def as_analysed(rows: list[Any]) -> list[Any]:
    """The rows as an analysis leaves them: every row's citations read (the grounding check
    reads them all), and problems on some (one row in 20, two on one in 100)."""
    for i, row in enumerate(rows):
        row.citations  # noqa: B018 - read and kept on the row, as the analysis does
        if i % 20 == 7:
            row.problems.append("not found on its page")
        if i % 100 == 3:
            row.problems.extend(["confidence was asked for but is missing", "schema: type"])
    return rows


def measure(args: dict[str, Any]) -> dict[str, Any]:
    """Child side: build the rows, then time each column's sorts (and the yardstick)."""
    import gc
    import random

    import orjson

    from explorer.core.field_sort import SORT_COLUMNS, RowOrder
    from explorer.core.fields import field_rows
    from explorer.tui.widgets.fields_pane import COLUMNS, RowCells
    from explorer.tui.widgets.row_table import MAX_WIDTH, WIDTH_SAMPLE, cell_text

    rows = as_analysed(field_rows(orjson.loads(build_job(int(args["rows"])))))
    rng = random.Random(int(args["seed"]))
    out: dict[str, Any] = {"fields": len(rows), "columns": {}}
    for column in SORT_COLUMNS:
        floats = [rng.random() for _ in range(len(rows))]
        start = time.perf_counter()
        sorted(floats)
        yardstick = time.perf_counter() - start
        del floats
        order = RowOrder(rows)
        start = time.perf_counter()
        order.view(column)
        first = time.perf_counter() - start
        start = time.perf_counter()
        order.view(column, descending=True)
        other_way = time.perf_counter() - start
        # the new orders and keys are young lists the collector traverses once: timed apart
        start = time.perf_counter()
        gc.collect(1)
        collect = time.perf_counter() - start
        start = time.perf_counter()
        shown = RowCells(order.view(column))
        # what RowTable.set_rows reads, given the columns: the width sample, each cell measured
        sampled = [
            cell_text(cells[c], MAX_WIDTH) for cells in shown[:WIDTH_SAMPLE] for c in COLUMNS
        ]
        resort = time.perf_counter() - start
        out["columns"][column] = {
            "first_s": first,
            "descending_s": other_way,
            "resort_s": resort,
            "collect_s": collect,
            "floats_s": yardstick,
            "sampled": len(sampled),
        }
    return out


def run(ctx: Context) -> list[Figure]:
    """Parent side: fresh processes; per column the median first sort, then the summary."""
    from benchmarks.child import run_child
    from benchmarks.report import Figure
    from benchmarks.stats import median, min_ratio

    table_rows = ctx.plan.big_rows
    runs = [
        run_child("fields_sort", {"rows": table_rows, "seed": seed})
        for seed in range(max(2, ctx.plan.big_runs))
    ]
    fields = runs[0]["fields"]
    columns = list(runs[0]["columns"])
    figures: list[Figure] = []
    firsts: dict[str, list[float]] = {}
    for column in columns:
        per_run = [r["columns"][column] for r in runs]
        first = [m["first_s"] for m in per_run]
        floats = [m["floats_s"] for m in per_run]
        other_way = median([m["descending_s"] for m in per_run])
        ratio = median([f / y for f, y in zip(first, floats, strict=True)])
        firsts[column] = first
        figures.append(
            Figure(
                "sort",
                f"Fields table, {fields:,} fields: first sort by {column}",
                median(first),
                "s",
                target=TARGET_S,
                samples=first,
                note=f"keys included; then the other way {other_way:.3f} s; {ratio:.2f}x sorted() "
                f"of {fields:,} floats ({median(floats):.3f} s); median of {len(runs)} fresh "
                "processes",
            )
        )
    slowest = max(columns, key=lambda c: median(firsts[c]))
    worst = firsts[slowest]
    floats = [r["columns"][slowest]["floats_s"] for r in runs]
    ratios = [f / y for f, y in zip(worst, floats, strict=True)]
    figures.append(
        Figure(
            "sort",
            "Fields table: slowest first sort / sorted() of as many floats (ratio)",
            median(ratios),
            "x",
            samples=ratios,
            min_value=min_ratio(worst, floats),
            note=f"{slowest}; the yardstick sorts {fields:,} random floats in the same process",
        )
    )
    resorts = [max(m["resort_s"] for m in r["columns"].values()) for r in runs]
    collects = [max(m["collect_s"] for m in r["columns"].values()) for r in runs]
    figures.append(
        Figure(
            "sort",
            f"Fields table, {fields:,} fields: re-sort by a column sorted before",
            median(resorts),
            "s",
            target=RESORT_TARGET_S,
            samples=resorts,
            note="the slowest column per process: the kept order as the table's rows, and the "
            "cells the table samples on set_rows; on the UI thread, no worker. Apart: the "
            f"collector's one pass over the lists a first sort leaves, {median(collects):.3f} s",
        )
    )
    return figures


if __name__ == "__main__":
    from benchmarks.child import child_main

    child_main(measure)

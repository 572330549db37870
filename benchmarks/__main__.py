"""Run the harness: ``python -m benchmarks [--quick] [--json] [--only NAME ...]``."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable

from benchmarks.common import Figure, hardware_line


def plan(quick: bool) -> dict[str, Callable[[], Figure | list[Figure]]]:
    from benchmarks import figures, tree_and_wire

    rows = 50_000 if quick else 200_000
    runs = 2 if quick else 5
    return {
        "startup": lambda: figures.first_paint(3 if quick else 7),
        "bigjob": lambda: figures.big_job(rows, runs),
        "memory": lambda: figures.memory(rows),
        "tree": lambda: tree_and_wire.big_tree(20_000 if quick else 100_000),
        "wire": lambda: tree_and_wire.wire_bytes(quick),
        "refresh": lambda: tree_and_wire.refresh_requests(200),
        "sdk": lambda: tree_and_wire.sdk_ratio(rows, runs),
    }


def render(results: list[Figure]) -> str:
    rows = [("figure", "measured", "target", "met?")]
    for fig in results:
        met = "yes" if fig.met else "n/a" if fig.met is None else "NO"
        rows.append((fig.name, fig.value, fig.target, met))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {f.name}: {f.note}" for f in results if f.note]
    return "\n".join([*lines, "", *notes])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs (<1 min)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--only", nargs="*", help="run only these: " + " ".join(plan(True)))
    args = parser.parse_args(argv)
    results: list[Figure] = []
    crashed = False
    for name, run in plan(args.quick).items():
        if args.only and name not in args.only:
            continue
        try:
            out = run()
        except Exception as exc:  # a broken figure is reported, the others still run
            crashed = True
            traceback.print_exc(file=sys.stderr)
            out = Figure(name, f"failed: {type(exc).__name__}", "", None)
        results.extend(out if isinstance(out, list) else [out])
        print(f"measured {name}", file=sys.stderr, flush=True)
    if args.json:
        print(
            json.dumps(
                {"hardware": hardware_line(), "figures": [f.to_json() for f in results]}, indent=2
            )
        )
    else:
        print(hardware_line())
        print(render(results))
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())

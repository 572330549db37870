"""``python -m benchmarks [--quick] [--json] [--only NAME ...]``: run the harness, print a table.

Exits 0 whatever the numbers say (CI runs ``--quick`` for the report only); exits 1 only when
a benchmark itself broke, and prints everything measured before and after it anyway.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback

from benchmarks.context import Context
from benchmarks.machine import hardware, hardware_line
from benchmarks.plan import Plan
from benchmarks.registry import BENCHMARKS, NAMES
from benchmarks.report import Figure, render_table


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Performance figures of extract-explorer against the simulator on loopback.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes and fewer runs (CI; under a minute)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--only", nargs="+", choices=NAMES, metavar="NAME", help=f"run only: {', '.join(NAMES)}"
    )
    return parser.parse_args(argv)


def progress(message: str) -> None:
    """Progress goes to stderr: stdout is the table (or JSON) alone."""
    print(message, file=sys.stderr, flush=True)


def run_all(plan: Plan, only: set[str]) -> tuple[list[Figure], list[str]]:
    """Run the selected benchmarks; a broken one becomes error rows, the rest still run."""
    figures: list[Figure] = []
    errors: list[str] = []
    ctx = Context(plan)
    try:
        for bench in BENCHMARKS:
            wanted = [group for group in bench.groups if group in only]
            if not wanted:
                continue
            progress(f"measuring {bench.what} …")
            start = time.perf_counter()
            try:
                produced = bench.runner()(ctx)
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                errors.append(f"{bench.module}: {reason}")
                produced = [
                    Figure(group, f"{bench.what} ({group})", None, "", status="error", note=reason)
                    for group in wanted
                ]
            figures += [f for f in produced if f.group in wanted]
            progress(f"  done in {time.perf_counter() - start:.1f} s")
    finally:
        try:
            ctx.close()
        except Exception as exc:  # stopping a simulator must not hide the numbers
            errors.append(f"cleanup: {type(exc).__name__}: {exc}")
    return figures, errors


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan.make(args.quick)
    only = set(args.only or NAMES)
    info = hardware()
    start = time.perf_counter()
    figures: list[Figure] = []
    errors: list[str] = []
    try:
        figures, errors = run_all(plan, only)
    except BaseException as exc:  # Ctrl-C or worse: still print what there is
        errors.append(f"harness: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
    elapsed = time.perf_counter() - start
    mode = "quick" if plan.quick else "full"
    if args.json:
        out = {
            "mode": mode,
            "hardware": info,
            "hardware_line": hardware_line(info),
            "elapsed_s": round(elapsed, 1),
            "figures": [f.to_json() for f in figures],
            "errors": errors,
        }
        print(json.dumps(out, indent=2))
    else:
        header = f"extract-explorer benchmarks ({mode} run, {elapsed:.0f} s)"
        print(render_table(figures, hardware_line(info), header))
        if errors:
            print("\nHarness errors:\n" + "\n".join(f"- {e}" for e in errors))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``diff``: compare two jobs field by field, e.g. one document extracted with two tiers."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from explorer.commands import output
from explorer.commands.base import CommandError, command, new_parser, settings_for
from explorer.commands.jobref import Connection, LoadedJob, load_job, run_with_connection
from explorer.core.diff import FieldChange

__all__ = ["build_diff_parser", "cmd_diff", "diff_table", "summary_json", "summary_line"]

_MARKS = {"changed": "~", "added": "+", "removed": "-", "same": "="}
_PATH_WIDTH = 44
_VALUE_WIDTH = 30


def build_diff_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer diff``."""
    parser = new_parser(
        "diff",
        "Compare the results of two jobs field by field (A old, B new): changed (~), added (+) "
        "and removed (-) values, with confidence deltas, and a summary line.",
        epilog="exit status: 0, or with --exit-code 1 when the results differ; 2 on errors",
    )
    parser.add_argument(
        "a", metavar="A", help="job id (or a unique prefix) or job JSON file (- for stdin)"
    )
    parser.add_argument("b", metavar="B", help="job id (or a unique prefix) or job JSON file")
    parser.add_argument("--json", action="store_true", help='{"summary": {...}, "changes": [...]}')
    parser.add_argument("--all", action="store_true", help="also list fields that are the same")
    parser.add_argument(
        "--exit-code", action="store_true", help="exit 1 when the results differ (like diff(1))"
    )
    parser.add_argument("--job-a", metavar="ID", help="the job of A when A holds several")
    parser.add_argument("--job-b", metavar="ID", help="the job of B when B holds several")
    return parser


def _confidence(change: FieldChange) -> str:
    old, new = change.old_confidence, change.new_confidence
    if old is None and new is None:
        return ""
    text = f"{output.format_confidence(old)} → {output.format_confidence(new)}"
    if change.confidence_delta is not None:
        text += f"  {change.confidence_delta:+.2f}"
    return text


def diff_table(changes: Sequence[FieldChange]) -> str:
    """The changes as an aligned, terminal-safe table."""
    rows = []
    for c in changes:
        rows.append(
            [
                _MARKS.get(c.kind, "?"),
                output.cell(c.path_str, _PATH_WIDTH),
                output.value_text(c.old, _VALUE_WIDTH, quote_strings=True)
                if c.kind != "added"
                else "",
                output.value_text(c.new, _VALUE_WIDTH, quote_strings=True)
                if c.kind != "removed"
                else "",
                _confidence(c),
            ]
        )
    return output.render_table(["", "PATH", "A", "B", "CONFIDENCE A → B"], rows)


def _describe(job: LoadedJob) -> str:
    conf = job.data.get("configuration")
    tier = conf.get("tier") if isinstance(conf, dict) else None
    parts = [job.id, job.status]
    if isinstance(tier, str):
        parts.append(tier)
    if job.origin != "api":
        parts.append(f"({job.origin})")
    return "  ".join(output.cell(p, 80) for p in parts)


def summary_json(a: LoadedJob, b: LoadedJob, changes: list[FieldChange]) -> dict[str, Any]:
    from explorer.core.diff import diff_summary

    s = diff_summary(changes)
    return {
        "a": a.id,
        "b": b.id,
        "changed": s.changed,
        "added": s.added,
        "removed": s.removed,
        "same": s.same,
        "mean_confidence_delta": s.mean_confidence_delta,
    }


def summary_line(summary: dict[str, Any]) -> str:
    text = (
        f"{summary['changed']} changed, {summary['added']} added, "
        f"{summary['removed']} removed, {summary['same']} same"
    )
    mean = summary["mean_confidence_delta"]
    if mean is not None:
        text += f"; mean confidence change {mean:+.3f}"
    return text


@command
def cmd_diff(argv: Sequence[str]) -> int:
    """``extract-explorer diff A B``: the field-by-field comparison of two jobs."""
    args = build_diff_parser().parse_args(argv)
    if args.a == "-" and args.b == "-":
        raise CommandError("only one of A and B can be - (stdin is read once)")
    settings = settings_for(args)

    async def both(conn: Connection) -> tuple[LoadedJob, LoadedJob]:
        return (
            await load_job(conn, args.a, args.job_a),
            await load_job(conn, args.b, args.job_b),
        )

    a, b = run_with_connection(settings, both)
    from explorer.core.diff import change_to_json, diff_jobs

    for job in (a, b):
        if job.data.get("extract_result") is None:
            output.warn(
                f"{job.id} has no result (status {job.status}): all its fields count as absent"
            )
    changes = diff_jobs(a.data, b.data, include_same=True)
    summary = summary_json(a, b, changes)
    shown = changes if args.all else [c for c in changes if c.kind != "same"]
    if args.json:
        data = {"summary": summary, "changes": [change_to_json(c) for c in shown]}
        output.write_out(output.json_text(data))
    else:
        output.write_out(f"A  {_describe(a)}\nB  {_describe(b)}\n")
        if shown:
            output.write_out(diff_table(shown))
        output.write_out(summary_line(summary))
    differ = summary["changed"] or summary["added"] or summary["removed"]
    return 1 if args.exit_code and differ else 0

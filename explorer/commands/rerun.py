"""``rerun``: run a job again with one setting changed, wait for it, and compare.

The loop of debugging an extraction - suspect the tier, the prompt, the pages or the schema;
run it again with that changed; compare - without leaving the terminal. The original's saved
configuration is never touched: the re-run sends an inline configuration (the original's, with
the changes), on the original's parse job when only extract settings changed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from typing import Any

from explorer.api.errors import ApiError
from explorer.api.models import ExtractJob
from explorer.commands import output
from explorer.commands.base import CommandError, add_pick_flag, command, new_parser, settings_for
from explorer.commands.compare import diff_table, summary_json, summary_line
from explorer.commands.jobref import Connection, describe_api_error, load_job, run_with_connection
from explorer.core.rerun import (
    TARGETS,
    TIERS,
    RerunError,
    RerunPlan,
    describe_change,
    plan_rerun,
)

__all__ = ["build_rerun_parser", "cmd_rerun", "plan_lines"]

#: Polling of --wait: from this interval, growing linearly to POLL_MAX (as the SDK's
#: wait_for_completion does), for at most --timeout seconds.
POLL_FIRST = 1.0
POLL_MAX = 5.0
#: A schema file bigger than this is not a schema.
MAX_SCHEMA_BYTES = 10 << 20


def build_rerun_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer rerun``."""
    parser = new_parser(
        "rerun",
        "Run a job again with settings changed (the rest as the original ran), on the "
        "original's parse job when only extract settings change; optionally wait and compare.",
        epilog="exit status: 0 started (with --wait: completed); 1 the re-run FAILED or was "
        "CANCELLED; 2 on errors (refused in --read-only mode)",
    )
    parser.add_argument("ref", metavar="JOB|FILE", help="the job to run again (id or job JSON)")
    add_pick_flag(parser)
    parser.add_argument("--tier", choices=TIERS, help="extract tier")
    parser.add_argument("--target", choices=TARGETS, help="extraction target")
    parser.add_argument("--prompt", metavar="TEXT", help="system prompt ('' removes it)")
    parser.add_argument(
        "--pages", metavar="SPEC", help="target pages, e.g. 1,3,5-7 ('' for every page)"
    )
    parser.add_argument("--max-pages", type=int, metavar="N", help="parse at most N pages")
    parser.add_argument(
        "--confidence",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ask for confidence scores (or not)",
    )
    parser.add_argument(
        "--citations",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ask for citations (or not)",
    )
    parser.add_argument(
        "--schema",
        metavar="FILE",
        help="a JSON Schema file (- for stdin), validated by the service before anything runs",
    )
    parser.add_argument(
        "--file",
        dest="file_input",
        metavar="ID",
        help="the document to run on (dfl-... or pjb-...), instead of the original's",
    )
    parser.add_argument("--wait", action="store_true", help="wait until the re-run finishes")
    parser.add_argument(
        "--diff", action="store_true", help="wait, then compare it with the original (A old)"
    )
    parser.add_argument("--dry-run", action="store_true", help="show the plan, send nothing")
    parser.add_argument("--json", action="store_true", help="the plan, the job (and diff) as JSON")
    parser.add_argument(
        "--timeout", type=float, default=7200.0, metavar="S", help="longest wait (default 2 h)"
    )
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.tier is not None:
        out["tier"] = args.tier
    if args.target is not None:
        out["extraction_target"] = args.target
    if args.prompt is not None:
        out["system_prompt"] = args.prompt or None
    if args.pages is not None:
        out["target_pages"] = args.pages.strip() or None
    if args.max_pages is not None:
        out["max_pages"] = args.max_pages
    if args.confidence is not None:
        out["confidence_scores"] = args.confidence
    if args.citations is not None:
        out["cite_sources"] = args.citations
    if args.schema is not None:
        out["data_schema"] = _read_schema(args.schema)
    return out


def _read_schema(path: str) -> dict[str, Any]:
    from explorer.api.jsonparse import parse_json_bytes

    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_SCHEMA_BYTES + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_SCHEMA_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"cannot read the schema {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_SCHEMA_BYTES:
        raise CommandError(f"the schema {path} is too big to be a schema")
    try:
        schema = parse_json_bytes(data)
    except ValueError as exc:
        raise CommandError(f"the schema {path} is not JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise CommandError(f"the schema {path} must be a JSON object (a JSON Schema)")
    return schema


async def _with_configuration(conn: Connection, job: ExtractJob) -> ExtractJob:
    """The job with its configuration: a job saved without it (a list page, no expand) that
    names a saved configuration gets that configuration's parameters."""
    if job.configuration is not None or not job.configuration_id:
        return job
    client = await conn.client()
    try:
        saved = await client.get_configuration(job.configuration_id, project_id=job.project_id)
    except ApiError as exc:
        raise CommandError(
            f"{job.id} came without its configuration and its saved configuration "
            f"{job.configuration_id} could not be read: {describe_api_error(exc)}"
        ) from None
    if not saved.parameters:
        return job
    data = dict(job.to_json_dict())
    data["configuration"] = {k: v for k, v in saved.parameters.items() if k != "product_type"}
    return ExtractJob.from_json(data)


def plan_lines(plan: RerunPlan) -> list[str]:
    """The plan as the lines the command (and the TUI's form) shows."""
    lines = [f"re-run of {plan.original_id}"]
    if plan.changes:
        lines += [f"  {describe_change(c)}" for c in plan.changes]
    lines.append(f"  input: {plan.parse_note}")
    lines.append(f"  estimate: {plan.estimate_text()}")
    lines += [f"  note: {n}" for n in plan.notes]
    return [output.cell(line, 400) for line in lines]


def _plan_json(plan: RerunPlan) -> dict[str, Any]:
    return {
        "original": plan.original_id,
        "file_input": plan.file_input,
        "reuses_parse_job": plan.reuses_parse,
        "parse_note": plan.parse_note,
        "changes": [{"setting": c.key, "old": c.old, "new": c.new} for c in plan.changes],
        "configuration": plan.configuration,
        "estimate": {
            "pages": plan.pages,
            "credits_per_page": plan.credits_per_page,
            "credits": plan.credits,
            "original_credits": plan.original_credits,
        },
        "notes": plan.notes,
    }


async def _wait(conn: Connection, job: ExtractJob, timeout: float) -> ExtractJob:
    source = await conn.source()
    started = time.monotonic()
    delay = POLL_FIRST
    live = sys.stderr.isatty()
    shown = ""
    while not job.is_terminal:
        if time.monotonic() - started > timeout:
            raise CommandError(f"{job.id} is still {job.status} after {timeout:.0f} s")
        await asyncio.sleep(delay)
        delay = min(POLL_MAX, delay + 0.5)
        try:
            got = await source.jobs([(job.id, job.project_id)])
        except ApiError as exc:
            output.note(f"checking {job.id}: {describe_api_error(exc)}; trying again")
            continue
        if not got:
            raise CommandError(f"{job.id} is gone: it was deleted while it ran")
        job = got[0]
        line = f"{job.id} {job.status} {time.monotonic() - started:.0f} s"
        if live:
            sys.stderr.write("\r" + output.cell(line, 100) + "\x1b[K")
            sys.stderr.flush()
        elif job.status != shown and not job.is_terminal:
            output.note(output.cell(line, 100))
        shown = job.status
    if live:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
    return job


@command
def cmd_rerun(argv: Sequence[str]) -> int:
    """``extract-explorer rerun JOB [--tier ...] [--wait] [--diff]``."""
    args = build_rerun_parser().parse_args(argv)
    settings = settings_for(args)
    if settings.read_only and not args.dry_run:
        raise CommandError("read-only mode: rerun is disabled (--read-only or read_only)")
    overrides = _overrides(args)
    wait = args.wait or args.diff

    async def rerun(conn: Connection) -> tuple[RerunPlan, ExtractJob | None, Any]:
        original = await load_job(conn, args.ref, args.pick)
        job = await _with_configuration(conn, ExtractJob.from_json(original.data))
        try:
            plan = plan_rerun(job, overrides, file_input=args.file_input)
        except RerunError as exc:
            raise CommandError(str(exc)) from None
        source = await conn.source()
        if "data_schema" in overrides:
            try:
                await source.validate_schema(plan.configuration["data_schema"])
            except ApiError as exc:
                raise CommandError(f"the schema was refused: {describe_api_error(exc)}") from None
        if args.dry_run:
            return plan, None, None
        try:
            created = await source.create(plan.file_input, plan.configuration, job.project_id)
        except ApiError as exc:
            raise CommandError(f"cannot start the re-run: {describe_api_error(exc)}") from None
        if not args.json:
            output.write_out("\n".join(plan_lines(plan)))
            output.write_out(f"started {output.cell(created.id, 80)} ({created.status})")
        if not wait:
            return plan, created, None
        done = await _wait(conn, created, args.timeout)
        from explorer.commands.jobref import fetch_job

        full = await fetch_job(conn, done.id)  # with its configuration, result and usage
        return plan, ExtractJob.from_json(full.data), (original, full) if args.diff else None

    plan, job, pair = run_with_connection(settings, rerun)
    if args.json:
        data: dict[str, Any] = {"plan": _plan_json(plan)}
        if job is not None:
            data["job"] = job.to_json_dict()
        if pair is not None:
            data["diff"] = _diff_json(*pair)
        output.write_out(output.json_text(data))
    elif job is None:
        output.write_out("\n".join(plan_lines(plan)))
        output.write_out("dry run: nothing sent")
    else:
        if wait:
            took = job.duration_seconds
            output.write_out(
                f"{output.cell(job.id, 80)} {output.cell(job.status, 24)}"
                + (f" after {took:.0f} s" if took is not None else "")
            )
            if job.error_message:
                output.write_out(f"  error: {output.cell(job.error_message, 300)}")
        if pair is not None:
            _print_diff(*pair)
    if wait and job is not None and job.status in ("FAILED", "CANCELLED"):
        return 1
    return 0


def _diff_json(a: Any, b: Any) -> dict[str, Any]:
    from explorer.core.diff import change_to_json, diff_jobs

    changes = diff_jobs(a.data, b.data, include_same=True)
    return {
        "summary": summary_json(a, b, changes),
        "changes": [change_to_json(c) for c in changes if c.kind != "same"],
    }


def _print_diff(a: Any, b: Any) -> None:
    from explorer.core.diff import diff_jobs

    changes = diff_jobs(a.data, b.data, include_same=True)
    shown = [c for c in changes if c.kind != "same"]
    output.write_out(f"\nA  {output.cell(a.id, 80)} (original)\nB  {output.cell(b.id, 80)}")
    if shown:
        output.write_out(diff_table(shown))
    output.write_out(summary_line(summary_json(a, b, changes)))

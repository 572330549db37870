"""``list``, ``get``, ``cancel`` and ``delete``: jobs on the server from the command line.

Cancel and delete are destructive: they need ``--yes``, and ``--read-only`` (the flag or
``read_only = true`` in the config file) refuses them before anything is sent.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from explorer.api.errors import ApiError, ConflictError, NotFoundError, PageLimitError
from explorer.api.models import ExtractJob
from explorer.commands import output
from explorer.commands.base import (
    CommandError,
    add_pick_flag,
    command,
    new_parser,
    settings_for,
)
from explorer.commands.get_snippets import add_snippet_flags, get_snippets
from explorer.commands.jobref import (
    Connection,
    describe_api_error,
    load_job,
    resolve_job_id,
    run_with_connection,
)
from explorer.core.present import (
    format_timestamp,
    humanize_duration,
    job_age,
    short_id,
    status_style,
)
from explorer.settings import Settings

__all__ = [
    "build_cancel_parser",
    "build_delete_parser",
    "build_get_parser",
    "build_list_parser",
    "cmd_cancel",
    "cmd_delete",
    "cmd_get",
    "cmd_list",
    "job_summary",
    "jobs_table",
]

DEFAULT_LIMIT = 50
_PAGE_MAX = 100
_DOC_WIDTH = 40


# -- list -------------------------------------------------------------------------------------


def build_list_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer list``."""
    parser = new_parser(
        "list",
        "List jobs, newest first, of the project (--project, LLAMA_CLOUD_PROJECT_ID, or the "
        "key's default project).",
    )
    parser.add_argument(
        "--status",
        type=str.upper,
        metavar="S",
        help="only jobs with this status (PENDING, RUNNING, COMPLETED, FAILED, ...)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"at most N jobs (default {DEFAULT_LIMIT}; 0 = all)",
    )
    parser.add_argument("--json", action="store_true", help="one job per line as JSON (JSON Lines)")
    parser.add_argument("--full-ids", action="store_true", help="whole job ids in the table")
    return parser


def _status_text(status: str) -> str:
    glyph, _ = status_style(status)
    return f"{glyph} {status}"


def jobs_table(jobs: Sequence[ExtractJob], *, full_ids: bool = False) -> str:
    """Jobs as an aligned, terminal-safe table."""
    rows = []
    for job in jobs:
        conf = job.configuration
        rows.append(
            [
                output.cell(job.id if full_ids else short_id(job.id), 60),
                output.cell(_status_text(job.status), 24),
                output.cell(job.document_label, _DOC_WIDTH),
                output.cell(job.extraction_target or "-", 16),
                output.cell((conf.tier if conf else None) or "-", 16),
                output.cell(job_age(job), 10),
            ]
        )
    headers = ["ID", "STATUS", "DOCUMENT", "TARGET", "TIER", "AGE"]
    return output.render_table(headers, rows, right=[5])


@command
def cmd_list(argv: Sequence[str]) -> int:
    """``extract-explorer list``: jobs as a table, or JSON Lines."""
    args = build_list_parser().parse_args(argv)
    if args.limit < 0:
        raise CommandError("--limit must be 0 (all) or more")
    settings = settings_for(args)
    limit = args.limit

    async def fetch(conn: Connection) -> _Listed:
        client = await conn.client()
        names = (await conn.source()).names
        page_size = min(limit + 1, _PAGE_MAX) if limit else _PAGE_MAX
        # the budget's page cap (and a repeated token) ends a walk whatever the server sends
        guard = client.page_guard(limit or None, page_size)
        listed = _Listed()
        token: str | None = None
        while True:
            page = await client.list_jobs(
                page_size=page_size, page_token=token, status=args.status, expand=["configuration"]
            )
            listed.skipped += page.skipped
            if not args.json:
                # the table shows file names: one batched files request per page
                await names.resolve(client, page.items)
            for job in page.items:
                if limit and listed.count >= limit:
                    listed.more = True
                    return listed
                listed.count += 1
                if args.json:  # streamed as the pages come: nothing is collected
                    output.write_out(output.json_text(job.to_json_dict(), indent=None))
                else:
                    listed.jobs.append(job)
            try:
                token = guard.next(page.next_page_token)
            except PageLimitError:
                listed.stopped = (
                    f"stopped after {guard.pages:,} pages ({listed.count:,} jobs listed): the "
                    "server kept sending new page tokens; list fewer with --limit N or --status"
                )
                return listed
            if token is None:
                return listed

    listed = run_with_connection(settings, fetch)
    if listed.skipped:
        n = listed.skipped
        output.warn(f"{n} unreadable job{'s' if n != 1 else ''} skipped")
    if not args.json:
        if listed.jobs:
            output.write_out(jobs_table(listed.jobs, full_ids=args.full_ids))
        shown = f"{listed.count} job{'s' if listed.count != 1 else ''}"
        if not listed.stopped:
            output.note(f"{shown}; more with --limit 0" if listed.more else shown)
    if listed.stopped:
        return output.error(listed.stopped)
    return 0


@dataclass
class _Listed:
    """What one ``list`` run fetched: the jobs for the table (none with ``--json``: those are
    written as they come), how many, whether more were left, and why it stopped early."""

    jobs: list[ExtractJob] = field(default_factory=list)
    count: int = 0
    more: bool = False
    skipped: int = 0
    stopped: str | None = None


# -- get --------------------------------------------------------------------------------------


def build_get_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer get``."""
    parser = new_parser(
        "get", "Show one job: a short summary, or with --json the whole job as JSON."
    )
    parser.add_argument(
        "ref",
        metavar="JOB",
        help="a job id (ext-...), its short form or a unique prefix; a job JSON file or - too",
    )
    add_pick_flag(parser)
    parser.add_argument(
        "--json", action="store_true", help="the job as JSON, complete, as the API sent it"
    )
    add_snippet_flags(parser)
    return parser


def _fields_line(data: dict[str, Any]) -> tuple[str, str]:
    """The health line and the schema line of the summary."""
    from explorer.core.fields import field_rows, job_health
    from explorer.core.schema_check import check_job

    health = job_health(field_rows(data, check_schema=False))
    parts = [f"{health.fields:,}"]
    if health.mean_confidence is not None:
        parts.append(f"mean confidence {health.mean_confidence:.2f}")
    if health.lowest is not None:
        from explorer.core.jsonpath import format_path

        parts.append(f"lowest {health.lowest[1]:.2f} at {format_path(health.lowest[0])}")
    if health.share_cited is not None:
        parts.append(f"{health.share_cited:.0%} cited")
    check = check_job(data)
    if check.error is not None:
        schema = f"not checked: {check.error}"
    elif check.problems:
        n = len(check.problems)
        schema = f"{n} problem{'s' if n != 1 else ''} (see: extract-explorer check)"
    else:
        schema = "no problems"
    if check.error is None and check.unchecked:
        schema += f"; {check.unchecked:,} not checked against a pattern (too complex)"
    return ", ".join(parts), schema


def job_summary(
    data: dict[str, Any], file_name: str | None = None, configuration_name: str | None = None
) -> str:
    """A short, terminal-safe summary of a job (with the names of its file and configuration
    when they are known)."""
    from explorer.core.summary import result_shape

    job = ExtractJob.from_json(data)
    if file_name:
        job.set_file_name(file_name)
    conf = job.configuration
    lines: list[tuple[str, str]] = [
        ("id", job.id),
        ("status", _status_text(job.status)),
    ]
    if job.error_message:
        lines.append(("error", job.error_message))
    document = job.document_label
    if job.file_name and job.document:
        document += f" ({job.document})"
    lines.append(("document", document))
    if job.project_id:
        lines.append(("project", job.project_id))
    if conf is not None:
        setup = [conf.extraction_target, conf.tier and f"tier {conf.tier}"]
        if conf.version_pin:
            setup.append(f"version {conf.version_pin}")
        lines.append(("config", ", ".join(s for s in setup if s) or "-"))
    if job.configuration_id:
        named = f"{configuration_name} ({job.configuration_id})" if configuration_name else None
        lines.append(("config id", named or job.configuration_id))
    age = job_age(job)
    when = "in the future" if age == "future" else f"{age} ago"
    lines.append(("created", format_timestamp(job.created_at) + f" ({when})"))
    lines.append(("updated", format_timestamp(job.updated_at)))
    if job.is_terminal:
        lines.append(("duration", humanize_duration(job.duration_seconds)))
    lines.append(("result", result_shape(job)))
    if job.extract_result is not None:
        fields, schema = _fields_line(data)
        lines.append(("fields", fields))
        lines.append(("schema", schema))
    if job.usage is not None and job.usage.credits is not None:
        lines.append(("credits", str(job.usage.credits)))
    width = max(len(k) for k, _ in lines)
    return "\n".join(f"{k.ljust(width)}  {output.cell(v, 160)}" for k, v in lines)


@command
def cmd_get(argv: Sequence[str]) -> int:
    """``extract-explorer get JOB``: a summary of one job, or its JSON."""
    args = build_get_parser().parse_args(argv)
    settings = settings_for(args)
    if args.curl or args.sdk:  # fetched, then printed as the request that fetched it
        text = run_with_connection(
            settings, lambda conn: get_snippets(conn, args.ref, args.curl, args.sdk)
        )
        output.write_out(text)
        return 0
    job = run_with_connection(
        settings, lambda conn: load_job(conn, args.ref, args.pick, names=not args.json)
    )
    if args.json:
        output.write_out(output.json_text(job.data))
    else:
        output.write_out(job_summary(job.data, job.file_name, job.configuration_name))
    return 0


# -- cancel / delete --------------------------------------------------------------------------


def _add_destructive_flags(parser: argparse.ArgumentParser) -> None:
    # --read-only is a connection flag (every command takes it, before or after the command)
    parser.add_argument(
        "job_id", metavar="JOB", help="the job id (ext-...), its short form or a unique prefix"
    )
    parser.add_argument("--yes", "-y", action="store_true", help="really do it (required)")


def build_cancel_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer cancel``."""
    parser = new_parser(
        "cancel",
        "Cancel a job that has not finished. Needs --yes; refused in read-only mode.",
    )
    _add_destructive_flags(parser)
    return parser


def build_delete_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer delete``."""
    parser = new_parser(
        "delete",
        "Delete a finished job. Needs --yes; refused in read-only mode.",
    )
    _add_destructive_flags(parser)
    parser.add_argument(
        "--force", action="store_true", help="delete even a job that has not finished"
    )
    return parser


def _guard(action: str, args: argparse.Namespace) -> Settings:
    """Settings, once read-only mode and a missing --yes have been ruled out."""
    settings = settings_for(args)
    if settings.read_only:
        raise CommandError(f"read-only mode: {action} is disabled (--read-only or read_only)")
    if not args.yes:
        raise CommandError(f"refusing to {action} {args.job_id} without --yes")
    return settings


def _refusal(action: str, job_id: str, exc: ApiError, demo: bool) -> str:
    reason = describe_api_error(exc, job_id, demo=demo)
    return reason if isinstance(exc, NotFoundError) else f"cannot {action} {job_id}: {reason}"


def _delete_refusal(job_id: str, exc: ApiError, demo: bool) -> str:
    """Why a delete was refused, naming the flag to type rather than the API's parameter."""
    text = _refusal("delete", job_id, exc, demo)
    if not isinstance(exc, ConflictError):
        return text
    text = re.sub(r"\bforce\s*=\s*true\b", "--force", text, flags=re.IGNORECASE)
    if "--force" not in text:
        text += " (--force deletes it anyway)"
    return text


@command
def cmd_cancel(argv: Sequence[str]) -> int:
    """``extract-explorer cancel JOB --yes``."""
    args = build_cancel_parser().parse_args(argv)
    settings = _guard("cancel", args)

    async def cancel(conn: Connection) -> ExtractJob:
        job_id = await resolve_job_id(conn, args.job_id)
        source = await conn.source()
        try:
            return await source.cancel(job_id)
        except ApiError as exc:
            raise CommandError(_refusal("cancel", job_id, exc, conn.demo)) from None

    job = run_with_connection(settings, cancel)
    output.write_out(f"cancelled {output.cell(job.id, 80)} (status {output.cell(job.status, 24)})")
    return 0


@command
def cmd_delete(argv: Sequence[str]) -> int:
    """``extract-explorer delete JOB --yes [--force]``."""
    args = build_delete_parser().parse_args(argv)
    settings = _guard("delete", args)

    async def delete(conn: Connection) -> str:
        job_id = await resolve_job_id(conn, args.job_id)
        source = await conn.source()
        try:
            await source.delete(job_id, force=args.force)
        except ApiError as exc:
            raise CommandError(_delete_refusal(job_id, exc, conn.demo)) from None
        return job_id

    deleted = run_with_connection(settings, delete)
    output.write_out(f"deleted {output.cell(deleted, 80)}")
    return 0

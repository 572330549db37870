"""``fields`` and ``check``: a job's field rows and its schema problems on the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from explorer.commands import output
from explorer.commands.base import (
    EXIT_ERROR,
    CommandError,
    add_job_ref,
    add_json_flag,
    command,
    new_parser,
    settings_for,
)
from explorer.commands.jobref import Connection, LoadedJob, load_job, run_with_connection
from explorer.core.fields import FieldRow

__all__ = ["build_check_parser", "build_fields_parser", "cmd_check", "cmd_fields", "select_rows"]

# Column widths of the fields table (values are complete in --json/--csv).
_PATH_WIDTH = 48
_VALUE_WIDTH = 40
_PAGES_WIDTH = 12
_PROBLEMS_WIDTH = 70


def _get_job(args: argparse.Namespace) -> LoadedJob:
    settings = settings_for(args)
    return run_with_connection(settings, lambda conn: load_job(conn, args.ref, args.pick))


# -- fields -----------------------------------------------------------------------------------


def build_fields_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer fields``."""
    parser = new_parser(
        "fields",
        "A job's fields, one row per leaf of the result: jq path, value, confidence, cited "
        "pages and schema problems. Filters combine (all must hold).",
    )
    add_job_ref(parser)
    parser.add_argument(
        "--below",
        type=float,
        metavar="X",
        help="only fields with a confidence below X (fields without one are left out)",
    )
    parser.add_argument(
        "--problems", action="store_true", help="only fields with a schema or metadata problem"
    )
    parser.add_argument("--no-citation", action="store_true", help="only fields citing nothing")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument(
        "--json",
        action="store_true",
        help="a JSON array of {path, value, type, confidence, citations, reasoning, problems, ...}",
    )
    fmt.add_argument("--csv", action="store_true", help="CSV, one row per field")
    return parser


def select_rows(
    rows: Sequence[FieldRow],
    *,
    below: float | None = None,
    problems: bool = False,
    no_citation: bool = False,
) -> list[FieldRow]:
    """The rows passing every filter asked for."""
    out = []
    for row in rows:
        if below is not None:
            conf = row.confidence
            if conf is None or not conf < below:
                continue
        if problems and not row.problems:
            continue
        if no_citation and row.has_citation:
            continue
        out.append(row)
    return out


def _pages(row: FieldRow) -> str:
    pages: list[str] = []
    for c in row.citations:
        if c.page is not None and str(c.page) not in pages:
            pages.append(str(c.page))
    return ",".join(pages)


def fields_table(rows: Sequence[FieldRow]) -> str:
    """The rows as an aligned, terminal-safe table."""
    lines = []
    for row in rows:
        value = output.value_text(row.value, _VALUE_WIDTH) if row.in_result else "(missing)"
        lines.append(
            [
                output.cell(row.path_str, _PATH_WIDTH),
                value,
                output.format_confidence(row.confidence),
                output.cell(_pages(row), _PAGES_WIDTH),
                output.cell("; ".join(row.problems), _PROBLEMS_WIDTH),
            ]
        )
    return output.render_table(["PATH", "VALUE", "CONF", "PAGES", "PROBLEMS"], lines, right=[2])


def _no_result_note(job: LoadedJob) -> None:
    if job.data.get("extract_result") is None:
        output.note(f"{job.id} has no result (status {job.status})")


@command
def cmd_fields(argv: Sequence[str]) -> int:
    """``extract-explorer fields JOB|FILE``: the field rows, as a table, JSON or CSV."""
    args = build_fields_parser().parse_args(argv)
    job = _get_job(args)
    from explorer.core.export import export_fields_csv
    from explorer.core.fields import field_rows, row_to_json

    rows = field_rows(job.data, check_schema=True)
    shown = select_rows(
        rows, below=args.below, problems=args.problems, no_citation=args.no_citation
    )
    if args.json:
        output.write_out(output.json_text([row_to_json(r) for r in shown]))
    elif args.csv:
        output.write_out(output.terminal_csv(export_fields_csv(shown)), end="")
    else:
        _no_result_note(job)
        if shown:
            output.write_out(fields_table(shown))
        with_problems = sum(1 for r in shown if r.problems)
        output.note(
            f"{len(shown)} of {len(rows)} fields shown"
            + (f", {with_problems} with problems" if with_problems else "")
        )
    return 0


# -- check ------------------------------------------------------------------------------------


_CHECK_EPILOG = """\
exit status: 0 clean, 1 problems found, 2 could not check (no schema, invalid schema, no result,
job not found or unreadable, an unreadable --document).

With --grounding, the citations are checked too (after the schema problems, one per line as
'.path: [kind] message'): confidence and citations asked for but missing, cited pages not in
the document, boxes off the page or over half of it, values not in their matching text, and,
against the document, matching text not on the cited page or not inside its box. A job id's
document is fetched through the API (the parse job and the file); a job file has none unless
--document names it (without one, only the metadata is checked). When the schema can't be checked
(no or an invalid data_schema) the grounding problems are still reported, and the exit status
is 2 with the reason; with no result at all nothing can be checked (2)."""


def build_check_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer check``."""
    parser = new_parser(
        "check",
        "Check a job's extract_result against its configuration.data_schema (JSON Schema); "
        "one problem per line as '.path: message'. With --grounding, its citations too.",
        epilog=_CHECK_EPILOG,
    )
    add_job_ref(parser)
    parser.add_argument(
        "--grounding",
        action="store_true",
        help="also check that each value is where its citations say (see below)",
    )
    parser.add_argument(
        "--document",
        metavar="PATH",
        help="with --grounding: the document the job ran on, a PDF or the parse job's JSON "
        "(instead of fetching it; needed to check a job file against its document)",
    )
    add_json_flag(
        parser,
        "a JSON array of {path, kind, problem, check} (check is schema or grounding; grounding "
        "items have citation too: the citation's number as `page --citation` takes it, or null)",
    )
    return parser


def _schema_items(problems: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"path": p.path_str, "kind": p.kind, "problem": p.message} for p in problems]


@command
def cmd_check(argv: Sequence[str]) -> int:
    """``extract-explorer check JOB|FILE``: schema problems; exit 0 clean, 1 problems, 2 error."""
    parser = build_check_parser()
    args = parser.parse_args(argv)
    if args.document is not None and not args.grounding:
        parser.error("--document is for --grounding")
    if args.grounding:
        return _check_with_grounding(args)
    job = _get_job(args)
    from explorer.core.schema_check import check_job

    result = check_job(job.data)
    for warning in result.warnings:
        output.warn(warning)
    if result.error is not None:
        raise CommandError(f"cannot check {job.id}: {result.error}", EXIT_ERROR)
    if args.json:
        output.write_out(output.json_text(_schema_items(result.problems)))
    else:
        for p in result.problems:
            output.write_out(f"{output.cell(p.path_str, 200)}: {output.cell(p.message, 400)}")
        count = len(result.problems)
        output.note(
            f"{count} schema problem{'s' if count != 1 else ''} in {job.id}"
            if count
            else f"no schema problems in {job.id}"
        )
    return result.exit_code


def _count(n: int, what: str) -> str:
    return f"{n} {what} problem{'s' if n != 1 else ''}"


def _check_with_grounding(args: argparse.Namespace) -> int:
    """``check --grounding``: the schema check, then the grounding check against the document."""
    from explorer.commands.page import JobDocument, open_document

    settings = settings_for(args)

    async def work(conn: Connection) -> tuple[LoadedJob, JobDocument]:
        job = await load_job(conn, args.ref, args.pick)
        if job.data.get("extract_result") is None:
            return job, JobDocument(None)  # nothing to check: said below, nothing fetched
        return job, await open_document(conn, job, args.document)

    job, doc = run_with_connection(settings, work)
    from explorer.core.fields import field_rows, metadata_errors
    from explorer.core.grounding import check_grounding, job_configuration
    from explorer.core.schema_check import check_job

    result = check_job(job.data)
    for warning in result.warnings:
        output.warn(warning)
    if job.data.get("extract_result") is None:
        raise CommandError(f"cannot check {job.id}: {result.error}", EXIT_ERROR)
    try:
        rows = field_rows(job.data)
        failed = {p for p, _ in metadata_errors(job.data)}
        report = check_grounding(rows, job_configuration(job.data), doc.document, failed)
    finally:
        doc.close()
    counts = {row.path: len(row.citations) for row in rows if row.has_citation}
    grounding = report.problems
    if args.json:
        items = [{**item, "check": "schema"} for item in _schema_items(result.problems)]
        for p in grounding:
            number = None if p.citation is None else p.citation + 1
            items.append(
                {
                    "path": p.path_str,
                    "kind": p.kind,
                    "problem": p.message,
                    "citation": number,
                    "check": "grounding",
                }
            )
        output.write_out(output.json_text(items))
    else:
        for p in result.problems:
            output.write_out(f"{output.cell(p.path_str, 200)}: {output.cell(p.message, 400)}")
        for p in grounding:
            which = ""
            if p.citation is not None and counts.get(p.path, 0) > 1:
                which = f"citation {p.citation + 1}: "
            output.write_out(
                f"{output.cell(p.path_str, 200)}: [{p.kind}] {which}{output.cell(p.message, 400)}"
            )
    if doc.document is None:
        why = "; ".join(doc.notes) if job.origin == "api" else ""
        output.note(
            f"no document: {why + '; ' if why else ''}only the metadata was checked "
            "(give --document PATH)"
        )
    else:
        for line in doc.notes:
            output.note(line)
        output.note(f"checked against {doc.document.origin}")
    for line in report.notes:
        output.note(line)
    if result.error is not None:
        shown = _count(len(grounding), "grounding")
        raise CommandError(
            f"cannot check the schema of {job.id}: {result.error} ({shown} found)", EXIT_ERROR
        )
    if not args.json:
        schema_n, grounding_n = len(result.problems), len(grounding)
        output.note(
            f"{_count(schema_n, 'schema')}, {_count(grounding_n, 'grounding')} in {job.id}"
            if schema_n or grounding_n
            else f"no schema or grounding problems in {job.id}"
        )
    return 1 if result.problems or grounding else 0

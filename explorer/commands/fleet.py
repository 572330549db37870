"""``failures`` and ``usage``: questions about the whole fleet, from the command line.

``failures`` groups the FAILED jobs of every project by what went wrong (the signature of
their error message) and lists the jobs stuck in progress; ``--bundle N`` writes group N for
a support ticket. ``usage`` sums jobs, credits, pages, failure rate, durations and confidence
per day, week, configuration, tier or project. Both read every project the key can see
(``--project`` narrows them) back to ``--since``, or job files offline.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
from collections.abc import Sequence
from typing import Any

from explorer.commands import output
from explorer.commands.base import CommandError, add_json_flag, command, new_parser, settings_for
from explorer.commands.fleet_load import Fleet, add_fleet_flags, load, report_problems, when
from explorer.core.failures import FailureGroup, FailureReport, iso_utc
from explorer.core.present import humanize_duration, short_id, status_style
from explorer.core.sanitize import safe_text
from explorer.core.usage import BY, UsageReport, UsageRow, bar, sparkline

__all__ = [
    "build_failures_parser",
    "build_usage_parser",
    "cmd_failures",
    "cmd_usage",
    "failures_table",
    "usage_table",
]

#: Job ids shown under each failure group.
IDS_SHOWN = 3
_SIGNATURE_WIDTH = 90
_LABEL_WIDTH = 40
_BAR_WIDTH = 20
#: Characters of the credits-per-day line (more days are averaged into these).
_SPARK_WIDTH = 60


# -- failures ---------------------------------------------------------------------------------


def build_failures_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer failures``."""
    parser = new_parser(
        "failures",
        "The failed jobs of every project the key can see (or --project's), grouped by what\n"
        "went wrong: messages that differ only in ids, numbers, file names, quoted values or\n"
        "times are one failure. Then the jobs stuck in progress (PENDING, THROTTLED, RUNNING,\n"
        "...) far longer than their configuration's completed jobs usually take.",
    )
    add_fleet_flags(parser)
    parser.add_argument(
        "--stuck-factor",
        type=float,
        default=5.0,
        metavar="X",
        help="stuck: in progress over X times its configuration's median duration "
        "(and at least 15 minutes; default 5)",
    )
    parser.add_argument(
        "--bundle",
        type=int,
        metavar="N",
        help="write group N (as numbered in the table) for a support ticket: Markdown, or "
        "with --json the same as JSON",
    )
    parser.add_argument("--full-ids", action="store_true", help="whole job ids in the tables")
    add_json_flag(parser, "the groups and stuck jobs as JSON")
    return parser


def _ranked_text(counts: Sequence[tuple[str, int]], width: int) -> str:
    if not counts:
        return "-"
    label, n = counts[0]
    text = f"{output.cell(label, width)} ({n:,})"
    return f"{text}, +{len(counts) - 1} more" if len(counts) > 1 else text


def _job_id(job_id: str, full: bool) -> str:
    return output.cell(job_id, 60) if full else short_id(job_id)


def failures_table(report: FailureReport, *, full_ids: bool = False) -> str:
    """The failure groups as a terminal-safe table, each group's newest job ids under it."""
    rows = [
        [
            str(number),
            f"{group.count:,}",
            when(group.first_seen),
            when(group.last_seen),
            _ranked_text(group.configurations, 30),
            _ranked_text(group.tiers, 16),
            output.cell(group.signature, _SIGNATURE_WIDTH),
        ]
        for number, group in enumerate(report.groups, 1)
    ]
    headers = ["#", "JOBS", "FIRST SEEN", "LAST SEEN", "CONFIGURATIONS", "TIERS", "ERROR"]
    lines = output.render_table(headers, rows, right=[0, 1]).splitlines()
    out = [lines[0]]
    for line, group in zip(lines[1:], report.groups, strict=True):
        ids = [_job_id(job.id, full_ids) for job in group.jobs[:IDS_SHOWN]]
        if group.count > IDS_SHOWN:
            ids.append(f"+{group.count - IDS_SHOWN:,} more")
        out += [line, "      " + "  ".join(ids)]
    return "\n".join(out)


def stuck_table(report: FailureReport, names: dict[str, str], *, full_ids: bool = False) -> str:
    """The stuck jobs as a terminal-safe table, oldest first."""
    rows = []
    for stuck in report.stuck:
        job = stuck.job
        glyph, _ = status_style(job.status)
        factor = f" ({stuck.factor:,.0f}x)" if stuck.factor is not None else ""
        rows.append(
            [
                _job_id(job.id, full_ids),
                output.cell(f"{glyph} {job.status}", 24),
                humanize_duration(stuck.age),
                (humanize_duration(stuck.typical) if stuck.typical is not None else "-") + factor,
                output.cell(job.configuration, _LABEL_WIDTH),
                output.cell(names.get(job.project_id, job.project_id), 30),
            ]
        )
    headers = ["ID", "STATUS", "FOR", "TYPICAL", "CONFIGURATION", "PROJECT"]
    return output.render_table(headers, rows)


def _counts(counts: Sequence[tuple[str, int]], key: str = "label") -> list[dict[str, Any]]:
    return [{key: label, "jobs": n} for label, n in counts]


def _group_json(number: int, group: FailureGroup, names: dict[str, str]) -> dict[str, Any]:
    return {
        "group": number,
        "signature": group.signature,
        "example": group.example,
        "count": group.count,
        "first_seen": iso_utc(group.first_seen),
        "last_seen": iso_utc(group.last_seen),
        "configurations": _counts(group.configurations),
        "tiers": _counts(group.tiers, "tier"),
        "projects": [{"id": pid, "name": names.get(pid), "jobs": n} for pid, n in group.projects],
        "jobs": [job.id for job in group.jobs],
    }


def failures_json(report: FailureReport, fleet: Fleet) -> dict[str, Any]:
    """The report as JSON-able data (every job id of every group)."""
    names = fleet.project_names
    return {
        "since": iso_utc(report.since),
        "now": iso_utc(report.now),
        "total": report.total,
        "failed": report.failed,
        "groups": [_group_json(n, g, names) for n, g in enumerate(report.groups, 1)],
        "stuck": [
            {
                "id": s.job.id,
                "project_id": s.job.project_id,
                "status": s.job.status,
                "created_at": iso_utc(s.job.created),
                "age_seconds": s.age,
                "typical_seconds": s.typical,
                "factor": s.factor,
                "configuration": s.job.configuration,
                "configuration_id": s.job.configuration_id,
                "tier": s.job.tier,
            }
            for s in report.stuck
        ],
        "problems": fleet.problems,
    }


def _bundle(report: FailureReport, fleet: Fleet, number: int, as_json: bool) -> str:
    from explorer.core.failures import support_bundle

    if not 1 <= number <= len(report.groups):
        have = len(report.groups)
        raise CommandError(
            f"no failure group {number}: there {'is' if have == 1 else 'are'} {have:,} "
            "(numbered in the table of 'extract-explorer failures')"
        )
    group = report.groups[number - 1]
    title = f"{group.count:,} failed LlamaCloud Extract job{'s' if group.count != 1 else ''}"
    markdown, data = support_bundle(
        group.jobs,
        title=title,
        project_names=fleet.project_names,
        error=group.example,
        now=report.now,
    )
    if as_json:
        return output.json_text(data)
    return safe_text(markdown.rstrip("\n"), single_line=False)


@command
def cmd_failures(argv: Sequence[str]) -> int:
    """``extract-explorer failures``: failed jobs grouped by what went wrong, and stuck jobs."""
    from explorer.core.failures import failure_report

    args = build_failures_parser().parse_args(argv)
    if not args.stuck_factor > 0:
        raise CommandError("--stuck-factor must be more than 0")
    fleet = load(settings_for(args), args)
    report = failure_report(
        fleet.jobs,
        now=fleet.now,
        since=fleet.since_epoch,
        stuck_factor=args.stuck_factor,
    )
    if args.bundle is not None:
        output.write_out(_bundle(report, fleet, args.bundle, args.json))
    elif args.json:
        output.write_out(output.json_text(failures_json(report, fleet)))
    else:
        _print_failures(report, fleet, args.full_ids, args.stuck_factor)
    return report_problems(fleet)


def _print_failures(
    report: FailureReport, fleet: Fleet, full_ids: bool, stuck_factor: float
) -> None:
    span = f"since {when(report.since)}" if report.since else "(all time)"
    if report.groups:
        output.write_out(failures_table(report, full_ids=full_ids))
        output.write_out("")
    n = len(report.groups)
    output.note(
        f"{report.failed:,} failed of {report.total:,} jobs {span}"
        + (f", {n:,} kind{'s' if n != 1 else ''} of failure" if n else "")
        + ("; --bundle N writes group N for a support ticket" if n else "")
    )
    if report.stuck:
        output.write_out(
            f"Stuck: in progress over {stuck_factor:g}x the median duration of their "
            "configuration's completed jobs (and over 15 min)"
        )
        output.write_out(stuck_table(report, fleet.project_names, full_ids=full_ids))
    k = len(report.stuck)
    output.note(f"{k:,} stuck job{'s' if k != 1 else ''}" if k else "no stuck jobs")


# -- usage ------------------------------------------------------------------------------------


def build_usage_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer usage``."""
    parser = new_parser(
        "usage",
        "Jobs, credits, pages, failure rate, durations and confidence of every project the\n"
        "key can see (or --project's), per day, week (UTC, weeks from Monday), configuration,\n"
        "tier or project.\n\n"
        "Credits marked ~ are estimated (pages x the tier's rate) for jobs the API gave no\n"
        "credits for. Confidence needs each job's field metadata, which the job list does not\n"
        "carry: without --confidence it is shown only for jobs read from files that hold it,\n"
        "else as -.",
    )
    add_fleet_flags(parser)
    parser.add_argument("--by", choices=BY, default="day", help="one row per ... (default day)")
    parser.add_argument(
        "--confidence",
        action="store_true",
        help="also read the field metadata of the completed jobs (a request per 25 jobs) to "
        "show their mean confidence",
    )
    data = parser.add_mutually_exclusive_group()
    add_json_flag(data, "the rows, total and credits per day as JSON")
    data.add_argument("--csv", action="store_true", help="the rows, then the total, as CSV")
    return parser


def _credits_text(row: UsageRow) -> str:
    value = row.credits
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"~{text}" if row.estimated else text


def _duration(seconds: float | None) -> str:
    return humanize_duration(seconds) if seconds is not None else "-"


def usage_table(report: UsageReport) -> str:
    """The rows and total as a terminal-safe table with a bar of credits per row."""
    top = max((row.credits for row in report.rows), default=0.0)
    cells = []
    for row in [*report.rows, report.total]:
        is_total = row is report.total
        cells.append(
            [
                "total" if is_total else output.cell(row.label, _LABEL_WIDTH),
                f"{row.jobs:,}",
                f"{row.failed:,}",
                "-" if row.failure_rate is None else f"{row.failure_rate:.0%}",
                _credits_text(row),
                f"{row.pages:,}",
                _duration(row.median_duration),
                _duration(row.p95_duration),
                output.format_confidence(row.mean_confidence),
                "" if is_total else bar(row.credits, top, _BAR_WIDTH),
            ]
        )
    headers = [report.by.upper(), "JOBS", "FAILED", "FAIL%", "CREDITS", "PAGES"]
    headers += ["MEDIAN", "P95", "CONF", ""]
    return output.render_table(headers, cells, right=[1, 2, 3, 4, 5, 6, 7, 8])


def _series_lines(report: UsageReport) -> list[str]:
    if not report.series:
        return []
    first, last = report.series[0][0], report.series[-1][0]
    credits = sparkline([v for _, v in report.series], _SPARK_WIDTH)
    failing = sparkline([v for _, v in report.failure_series], _SPARK_WIDTH)
    return [
        f"credits per day       {first} {credits} {last}",
        f"failure rate per day  {first} {failing} {last}",
    ]


def usage_json(report: UsageReport) -> dict[str, Any]:
    """The report as JSON-able data."""
    return {
        "by": report.by,
        "since": iso_utc(report.since),
        "until": iso_utc(report.until),
        "rows": [dataclasses.asdict(row) for row in report.rows],
        "total": dataclasses.asdict(report.total),
        "series": [[day, credits] for day, credits in report.series],
        "failure_series": [[day, rate] for day, rate in report.failure_series],
    }


def usage_csv(report: UsageReport) -> str:
    """The rows, then the total, as CSV (a header line first)."""
    names = [f.name for f in dataclasses.fields(UsageRow)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    for row in [*report.rows, report.total]:
        values = dataclasses.astuple(row)
        writer.writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


@command
def cmd_usage(argv: Sequence[str]) -> int:
    """``extract-explorer usage``: jobs, credits and pages per day, week, config, tier, project."""
    from explorer.core.usage import usage_report

    args = build_usage_parser().parse_args(argv)
    fleet = load(settings_for(args), args, confidence=args.confidence)
    report = usage_report(
        fleet.jobs,
        args.by,
        now=fleet.now,
        since=fleet.since_epoch,
        project_names=fleet.project_names,
    )
    if args.json:
        data = usage_json(report)
        data["problems"] = fleet.problems
        output.write_out(output.json_text(data))
    elif args.csv:
        output.write_out(output.terminal_csv(usage_csv(report)), end="")
    else:
        output.write_out(usage_table(report))
        if args.by in ("day", "week"):
            output.write_out("")
            for line in _series_lines(report):
                output.write_out(line)
        if report.total.estimated:
            output.note("~ credits estimated from pages x the tier's rate (the API gave none)")
    return report_problems(fleet)

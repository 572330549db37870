"""The command line: parses flags, builds settings, starts the TUI or a subcommand.

``extract-explorer [JOB_ID]`` starts the TUI; ``extract-explorer COMMAND ...`` runs a subcommand.
Subcommands are dispatched by their first word so a job id can stand where a command would.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from explorer import __version__
from explorer.commands.flags import add_connection_flags, hoist_global_flags

EPILOG = """\
commands:
  sim        run the LlamaCloud-compatible simulator in the foreground
  open       browse job JSON files offline (files, directories, or - for stdin)
  list       list jobs as a table (or JSON Lines)
  get        show one job: a summary, or its JSON
  watch      watch jobs until they finish; --exit-status: 0 completed, 1 failed, 2 not found
  projects   the projects the key can see (id, name, organization, default)
  fields     a job's fields: path, value, confidence, pages, schema problems
  check      check a result against its schema, and with --grounding its citations
  page       draw the page a field cites, with its boxes, as a PNG
  diff       compare two jobs field by field
  export     write a job as JSON, its result as JSON Lines or CSV
  rerun      run a job again with settings changed (--tier, --pages, --schema ...); --diff compares
  cancel     cancel a running job (needs --yes)
  delete     delete a finished job (needs --yes)
  failures   failed jobs of every project grouped by what went wrong, and stuck jobs
  usage      jobs, credits, pages and failure rate per day, week, config, tier or project
  serve      the explorer in a web browser (textual-serve; loopback unless --host)

JOB|FILE arguments take a job id or a job JSON file (- for stdin). A job id can be whole, short
as the tables print it (ext-5073e6), or any prefix only one job has.
The connection flags (--base-url, --project, --read-only, ...) go before or after the command.

With no LLAMA_CLOUD_API_KEY, every command runs against the embedded simulator.
Run 'extract-explorer COMMAND --help' for a command's options.
"""


def build_main_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer [JOB_ID]`` (the TUI)."""
    parser = argparse.ArgumentParser(
        prog="extract-explorer",
        description="A terminal UI for exploring LlamaCloud Extract v2 jobs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"extract-explorer {__version__}")
    parser.add_argument("job_id", nargs="?", help="start with this job (ext-...) selected")
    add_connection_flags(parser)
    ui = parser.add_argument_group("interface")
    ui.add_argument(
        "--refresh", type=float, help="fastest refresh of running jobs in seconds (default 1)"
    )
    ui.add_argument(
        "--no-animation",
        dest="animation",
        action="store_false",
        default=None,
        help="no animations (automatic when SSH_CONNECTION is set)",
    )
    ui.add_argument(
        "--offline",
        action="store_true",
        default=None,
        help="show the jobs cached from earlier runs; send nothing (see 'cache info')",
    )
    ui.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        default=None,
        help="neither read nor write the local cache of jobs (also: cache = false)",
    )
    ui.add_argument(
        "--debug-log",
        metavar="FILE",
        help="write requests, retries and events to FILE (the API key is redacted)",
    )
    return parser


SIM_EPILOG = """\
magic document ids:
  A job created through the API behaves as told by words anywhere in its document id
  (file_input: a dfl-... file id or a pjb-... parse job id); the words combine, e.g.
  dfl-throttle-hold is THROTTLED, then PENDING, then held RUNNING:
    fail      ends FAILED with a realistic error_message
    slow      takes ten times --job-seconds
    throttle  sits in THROTTLED for --job-seconds before it is queued
    unknown   ends NEEDS_REVIEW, a status the API never documented
    hold      stays RUNNING until it is cancelled
  Any other document id runs PENDING -> RUNNING -> COMPLETED in --job-seconds.

the world:
  Projects Default, Finance ops (organization one) and HR intake (organization two) hold
  hand-picked jobs of the last four weeks. Claims pipeline (organization one) holds six weeks
  of history, for the fleet views: busy weekdays and quiet weekends, jobs timed by tier and
  pages, failures that recur in the same words (only ids, numbers and file names differ) and
  two one-off ones, one afternoon's burst of THROTTLED jobs failing with the same upstream
  error, jobs stuck RUNNING for weeks, PENDING for days and THROTTLED for hours (they never
  finish: cancel or delete them), and usage on every finished job, failed and cancelled ones
  billed for as far as they got. --bulk-jobs N adds a Bulk project of N varied jobs.

create a job (POST /api/v2/extract; configuration needs a data_schema, or send a saved
configuration_id instead; any bearer token works unless --api-key is given):
  curl -s -X POST http://127.0.0.1:8321/api/v2/extract \\
    -H 'Authorization: Bearer any-key' -H 'Content-Type: application/json' \\
    -d '{"file_input": "dfl-slow-demo", "configuration": {"data_schema": {"type": "object", \
"properties": {"total": {"type": "number"}}}, "extraction_target": "per_doc", "tier": "agentic"}}'

  Optional configuration fields: extraction_target (per_doc, per_page, per_table_row), tier
  (cost_effective, agentic; with --shape current also agentic_plus, turbo), parse_tier,
  max_pages, cite_sources, confidence_scores. Then GET /api/v2/extract/JOB_ID, POST
  /api/v2/extract/JOB_ID/cancel, or browse it all with
    LLAMA_CLOUD_BASE_URL=http://127.0.0.1:8321 LLAMA_CLOUD_API_KEY=any-key extract-explorer
"""


def build_sim_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="extract-explorer sim",
        description="Run the LlamaCloud-compatible simulator in the foreground until Ctrl-C.",
        epilog=SIM_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8321, help="port (default 8321; 0 = any)")
    parser.add_argument("--seed", type=int, default=7, help="world seed (default 7)")
    parser.add_argument(
        "--shape",
        choices=("current", "seed"),
        default="current",
        help="generation of field names: current (file_input, version, usage) or seed "
        "(document_input_value, extract_version, token usage)",
    )
    parser.add_argument(
        "--job-seconds", type=float, default=5.0, help="how long a created job runs (default 5)"
    )
    parser.add_argument("--api-key", help="accept only this key (default: any bearer token)")
    parser.add_argument("--big-rows", type=int, default=50_000, help="rows of the big job")
    parser.add_argument(
        "--running-jobs", type=int, default=0, help="extra RUNNING jobs (load tests)"
    )
    parser.add_argument(
        "--bulk-jobs",
        type=int,
        default=0,
        help="N extra jobs in a 'Bulk' project (load tests): receipts and forms over 90 days, "
        "several configurations and tiers, ~6%% FAILED, some CANCELLED, usage on each",
    )
    parser.add_argument(
        "--key-kind",
        choices=("user", "organization", "project"),
        default="user",
        help="what the key may see: every project (user, default), projects only with "
        "organization_id (organization), or one project (project)",
    )
    faults = parser.add_argument_group("fault injection")
    faults.add_argument("--latency-ms", type=int, default=0, help="added latency per request")
    faults.add_argument(
        "--error-rate", type=float, default=0.0, help="share of requests failing with 5xx"
    )
    faults.add_argument(
        "--rate-limit", type=float, default=0.0, help="requests per second before 429"
    )
    faults.add_argument(
        "--garble-rate", type=float, default=0.0, help="share of responses cut off or malformed"
    )
    faults.add_argument("--reset-rate", type=float, default=0.0, help="share of connections reset")
    return parser


def _settings_from(args: argparse.Namespace) -> Any:
    from explorer.settings import resolve_settings

    return resolve_settings(vars(args))


def cmd_sim(argv: Sequence[str]) -> int:
    """``extract-explorer sim``: the simulator in the foreground."""
    args = build_sim_parser().parse_args(argv)
    from explorer.sim import Faults, SimConfig, run_forever

    config = SimConfig(
        seed=args.seed,
        shape=args.shape,
        job_seconds=args.job_seconds,
        api_key=args.api_key,
        big_rows=args.big_rows,
        running_jobs=args.running_jobs,
        bulk_jobs=args.bulk_jobs,
        key_kind=args.key_kind,
        faults=Faults(
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            rate_limit=args.rate_limit,
            garble_rate=args.garble_rate,
            reset_rate=args.reset_rate,
        ),
    )
    run_forever(config, host=args.host, port=args.port)
    return 0


def cmd_tui(argv: Sequence[str]) -> int:
    """``extract-explorer [JOB_ID]``: the TUI against the cloud or the embedded simulator."""
    args = build_main_parser().parse_args(argv)
    settings = _settings_from(args)
    from explorer.tui.run import run_app

    return run_app(settings, job_id=args.job_id)


def build_open_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="extract-explorer open",
        description="Browse job JSON files offline: a file holding one job, a list page "
        '{"items": [...]}, a JSON array of jobs, JSON Lines, a directory of such files, '
        "or - for stdin. No network.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, or -")
    parser.add_argument("--job", help="start with this job selected")
    parser.add_argument(
        "--document",
        metavar="PATH",
        help="the document the jobs ran on (a PDF, or the parse job's JSON): citations are "
        "checked against it and drawn on its pages in the Source view (w)",
    )
    parser.add_argument(
        "--no-animation",
        dest="animation",
        action="store_false",
        default=None,
        help="no animations",
    )
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    # files are never changed: --read-only (e.g. before the command) is accepted and moot
    parser.add_argument("--read-only", action="store_true", default=None, help=argparse.SUPPRESS)
    return parser


def cmd_open(argv: Sequence[str]) -> int:
    """``extract-explorer open PATH...``: the TUI over job files, no network."""
    args = build_open_parser().parse_args(argv)
    settings = _settings_from(args)
    from explorer.tui.run import run_app

    document = None
    if args.document:
        from explorer.core.doc_fetch import load_document_path
        from explorer.core.document import DocumentError

        try:
            document = load_document_path(args.document)
        except DocumentError as exc:
            return _fail(f"cannot use --document: {exc}")
    return run_app(settings, job_id=args.job, files=list(args.paths), document=document)


def _fail(message: str, code: int = 2) -> int:
    from explorer.core.sanitize import safe_text

    print(f"extract-explorer: {safe_text(message)}", file=sys.stderr)
    return code


def _lazy_command(name: str) -> Callable[[Sequence[str]], int]:
    """A subcommand of :mod:`explorer.commands`, imported on first use (keeps startup fast)."""
    from explorer.commands import COMMAND_TABLE

    module_name, function_name, summary = COMMAND_TABLE[name]

    def run(argv: Sequence[str]) -> int:
        import importlib

        return int(getattr(importlib.import_module(module_name), function_name)(argv))

    run.__name__ = function_name
    run.__doc__ = f"``extract-explorer {name}``: {summary}."
    return run


def _command_names() -> list[str]:
    from explorer.commands import COMMAND_TABLE  # a dict only: cheap to import

    return list(COMMAND_TABLE)


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "sim": cmd_sim,
    "open": cmd_open,
    **{name: _lazy_command(name) for name in _command_names()},
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``extract-explorer`` console script."""
    argv = hoist_global_flags(sys.argv[1:] if argv is None else argv, COMMANDS)
    from explorer.api.errors import ApiError
    from explorer.settings import ConfigError

    command = COMMANDS.get(argv[0]) if argv else None
    try:
        if command is not None:
            return command(argv[1:])
        return cmd_tui(argv)
    except KeyboardInterrupt:
        return 130
    except (ConfigError, ApiError) as exc:
        return _fail(str(exc))
    except RecursionError:  # JSON past the parsers' depth, wherever it came from
        from explorer.core.files import TOO_DEEP

        return _fail(TOO_DEEP)
    except Exception as exc:  # a bug: one line, non-zero, the traceback in the debug log
        from explorer.crash import EXIT_CRASH, crash_line, log_crash

        logged = log_crash(exc, "extract-explorer")
        return _fail(crash_line(exc, logged=logged), EXIT_CRASH)


if __name__ == "__main__":
    sys.exit(main())

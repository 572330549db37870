"""``export``: a job as JSON, its result as JSON Lines or CSV, to stdout or a file."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from explorer.commands import output
from explorer.commands.base import CommandError, add_job_ref, command, new_parser, settings_for
from explorer.commands.jobref import LoadedJob, load_job, run_with_connection

__all__ = ["FORMATS", "build_export_parser", "cmd_export", "export_pieces", "export_text"]

FORMATS = ("json", "jsonl", "csv")
_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}


def build_export_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer export``."""
    parser = new_parser(
        "export",
        "Export a job: json is the whole job as received; jsonl one result item per line "
        "(per_doc: one line); csv one row per result item (per_page, per_table_row; nested "
        "values in dotted columns) or one row per field (per_doc). Values are complete.",
    )
    add_job_ref(parser)
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from the -o file's suffix, else json)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (replaced whole) and print its path on stderr; default stdout",
    )
    return parser


def _format_of(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output and args.output != "-":
        return _SUFFIXES.get(Path(args.output).suffix.lower(), "json")
    return "json"


def export_text(job: LoadedJob, fmt: str) -> str:
    """The export of ``job`` in ``fmt``; JSON escapes terminal-active characters (losslessly)."""
    return "".join(export_pieces(job, fmt))


def export_pieces(job: LoadedJob, fmt: str) -> Iterator[str]:
    """:func:`export_text` in pieces: a big job is written row by row, never held whole."""
    from explorer.core.export import iter_export_csv, iter_export_json, iter_export_jsonl

    if fmt == "csv":
        return iter_export_csv(job.data)
    pieces = iter_export_json(job.data) if fmt == "json" else iter_export_jsonl(job.data)
    return (output.terminal_json(piece) for piece in pieces)


def _write_file(path: str, pieces: Iterable[str]) -> Path:
    """Write ``pieces`` to ``path`` atomically: a failed export leaves no half-written file."""
    target = Path(path)
    if target.is_dir():
        raise CommandError(f"cannot write {path}: it is a directory")
    if target.exists() and not target.is_file():
        # a device or a pipe (/dev/stdout, /dev/null, a FIFO): write into it; replacing it with
        # a file (as root) would destroy it
        try:
            with open(target, "w", encoding="utf-8", newline="") as fh:
                for piece in pieces:
                    fh.write(output.redact(piece))
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
        return target
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; a plain file is expected
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for piece in pieces:
                fh.write(output.redact(piece))
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@command
def cmd_export(argv: Sequence[str]) -> int:
    """``extract-explorer export JOB|FILE --format json|jsonl|csv [-o FILE]``."""
    args = build_export_parser().parse_args(argv)
    fmt = _format_of(args)
    settings = settings_for(args)
    job = run_with_connection(settings, lambda conn: load_job(conn, args.ref, args.pick))
    if fmt != "json" and job.data.get("extract_result") is None:
        output.warn(f"{job.id} has no result (status {job.status}): nothing to export as {fmt}")
    if args.output and args.output != "-":
        written = _write_file(args.output, export_pieces(job, fmt))
        output.note(f"wrote {written}")
    elif fmt == "csv" and output.stdout_is_terminal():
        output.write_out(output.terminal_csv(export_text(job, fmt)), end="")
    else:
        for piece in export_pieces(job, fmt):
            output.write_out(piece, end="")
    return 0

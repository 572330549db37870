"""``cache info|clear``: the local cache of jobs (and of documents) this machine keeps.

``info`` lists every cache database (one per base URL and organisation: what it holds, its
size, when it was last written) and the document cache's size; ``clear`` removes them all.
Neither sends a request or needs a key.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from explorer.commands import output
from explorer.commands.base import command, new_parser
from explorer.core.present import ago

__all__ = ["build_cache_parser", "cmd_cache"]


def build_cache_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer cache``."""
    parser = new_parser(
        "cache",
        "The local cache: jobs seen (one database per base URL and organisation, drawn at "
        "start before the server answers, and all --offline shows) and downloaded documents.",
        connection=False,
    )
    parser.add_argument("action", choices=("info", "clear"), help="show it, or remove it all")
    parser.add_argument("--json", action="store_true", help="info as JSON")
    return parser


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _when(stamp: Any) -> str:
    try:
        return ago(datetime.fromtimestamp(float(stamp), UTC))
    except (TypeError, ValueError, OverflowError, OSError):
        return "-"


@command
def cmd_cache(argv: Sequence[str]) -> int:
    """``extract-explorer cache info|clear [--json]``."""
    args = build_cache_parser().parse_args(argv)
    from explorer.core.cache_admin import clear_caches, describe_caches
    from explorer.core.doc_cache import DocumentCache, default_cache_dir
    from explorer.core.job_cache import cache_dir

    directory = cache_dir()
    documents_dir = default_cache_dir().parent
    if args.action == "clear":
        gone = clear_caches(directory)
        files = 0
        if documents_dir.is_dir():
            for host in documents_dir.iterdir():
                if host.is_dir():
                    files += DocumentCache(host).clear()
        output.write_out(f"removed {gone} job cache(s) and {files} cached document file(s)")
        return 0
    entries = describe_caches(directory)
    doc_bytes = 0
    if documents_dir.is_dir():
        doc_bytes = sum(DocumentCache(h).size() for h in documents_dir.iterdir() if h.is_dir())
    if args.json:
        data = {"directory": str(directory), "caches": entries, "documents_bytes": doc_bytes}
        output.write_out(output.json_text(data))
        return 0
    output.write_out(f"job caches in {output.cell(str(directory), 300)}")
    rows = []
    for e in entries:
        if e.get("set_aside"):
            what, jobs, opened, written = "(set aside)", "-", "-", "-"
        elif "problem" in e:
            what, jobs, opened, written = f"unreadable: {e['problem']}", "-", "-", "-"
        else:
            org = e.get("organization") or ""
            what = e.get("base_url", "?") + (f" (organization {org})" if org else "")
            jobs, opened = str(e.get("jobs", 0)), str(e.get("opened_jobs", 0))
            written = _when(e.get("written_at"))
        rows.append(
            [
                output.cell(what, 80),
                jobs,
                opened,
                _mb(int(e["file_bytes"])),
                written,
                output.cell(e["path"].rsplit("/", 1)[-1], 60),
            ]
        )
    if rows:
        headers = ["SERVICE", "JOBS", "OPENED", "SIZE", "WRITTEN", "FILE"]
        output.write_out(output.render_table(headers, rows))
    else:
        output.write_out("  (none yet: the TUI fills one as you browse a service)")
    output.write_out(f"documents: {_mb(doc_bytes)} in {output.cell(str(documents_dir), 300)}")
    return 0

"""``get JOB --curl`` / ``--sdk``: the request that fetched the job, as something to paste.

The job is fetched as ``get`` always does (in whichever project holds it, with every expand);
the command printed is then made from that very exchange in the client's request log
(:mod:`explorer.api.request_log`), so it is what the explorer sent, not a guess at it. It reads
the key from ``$LLAMA_CLOUD_API_KEY`` and never holds it.
"""

from __future__ import annotations

import argparse
from urllib.parse import quote

from explorer.commands import output
from explorer.commands.base import CommandError
from explorer.commands.jobref import Connection, load_job

__all__ = ["add_snippet_flags", "get_snippets"]

DEMO_SNIPPET_NOTE = (
    "the embedded simulator stops when this command ends: run the command against a server "
    "of your own (LLAMA_CLOUD_API_KEY and LLAMA_CLOUD_BASE_URL set)"
)


def add_snippet_flags(parser: argparse.ArgumentParser) -> None:
    """``--curl`` and ``--sdk`` on the ``get`` parser."""
    parser.add_argument(
        "--curl",
        action="store_true",
        help="print the curl command that fetched the job (the key read from "
        "$LLAMA_CLOUD_API_KEY, never printed)",
    )
    parser.add_argument(
        "--sdk",
        action="store_true",
        help="print the same request as Python with the llama_cloud SDK (after the curl "
        "command with --curl)",
    )


async def get_snippets(conn: Connection, ref: str, curl: bool, sdk: bool) -> str:
    """Fetch the job ``ref`` names, then the request that did it as curl and/or SDK code."""
    from explorer.core.request_snippet import as_curl, as_sdk

    job = await load_job(conn, ref)
    if job.origin != "api":
        raise CommandError("--curl and --sdk show a request: give a job id, not a file")
    client = await conn.client()
    path = f"/api/v2/extract/{quote(job.id, safe='')}"
    record = client.requests.last(lambda r: r.method == "GET" and r.path == path and r.ok)
    if record is None:  # cannot happen: the job was just fetched through this client
        raise CommandError(f"no request for {job.id} in the request log")
    if conn.demo:
        output.note(DEMO_SNIPPET_NOTE)
    parts = []
    if curl:
        parts.append(as_curl(record, client.base_url))
    if sdk:
        parts.append(as_sdk(record, client.base_url))
    return "\n".join(parts).rstrip("\n")

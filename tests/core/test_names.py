"""File and configuration names arrive from a server: what it sends is data, never markup."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from explorer.api.client import ExtractClient
from explorer.api.models import ExtractJob
from explorer.core.names import NameBook

HOSTILE = "[bold red]PAID[/] \x1b]0;owned\x07\x1b[2J \u202efdp.exe"


def _job() -> ExtractJob:
    return ExtractJob.from_json(
        {
            "id": "ext-1",
            "project_id": "prj-a",
            "status": "COMPLETED",
            "file_input": "dfl-1",
            "configuration_id": "cfg-1",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:10Z",
        }
    )


async def test_hostile_names_are_kept_as_data_and_shown_inert() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/beta/files":
            return httpx.Response(200, json={"items": [{"id": "dfl-1", "name": HOSTILE}]})
        if request.url.path == "/api/v1/beta/configurations":
            return httpx.Response(200, json={"items": [{"id": "cfg-1", "name": HOSTILE}]})
        return httpx.Response(404, json={"detail": "no"})

    job = _job()
    async with ExtractClient("k", "https://x.test", transport=httpx.MockTransport(api)) as c:
        assert await NameBook().resolve(c, [job])
    assert job.file_name == HOSTILE and job.configuration_name == HOSTILE

    from explorer.commands.jobs import jobs_table
    from explorer.tui.widgets.job_tree import job_label

    for shown in (job_label(job, datetime(2026, 1, 2, tzinfo=UTC), 80).plain, jobs_table([job])):
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
        assert "[bold red]PAID[/]" in shown  # markup shown as the text it is


async def test_a_server_that_answers_garbage_leaves_the_ids() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/beta/files":
            return httpx.Response(200, json={"items": [{"id": "dfl-1", "name": {"x": 1}}, 7]})
        return httpx.Response(200, content=b"<html>oops")

    job = _job()
    async with ExtractClient("k", "https://x.test", transport=httpx.MockTransport(api)) as c:
        assert await NameBook().resolve(c, [job]) is False
    assert job.document_label == "dfl-1" and job.configuration_name is None

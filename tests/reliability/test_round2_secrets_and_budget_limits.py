"""Issue 11, round 2 — the request budget and per-item parsing (items 6, 13, 14, 15, 17, 18 and
two of 21), through the real CLI, client and app against hostile servers on loopback: a server
trickling a byte at a time or stalling, a gzip bomb, ever-new page tokens, JSON nested 5,000
deep, unreadable items and a 5,000-digit integer, a refresh answer with jobs nobody asked for,
a negative ``total_size`` and a 307. Deadlines are shortened so each test takes seconds; the
only timing asserted is a generous upper bound proving the request stopped."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.requests import Request

import explorer.api.budget as budget_module
from explorer.api.budget import MIB, RequestBudget
from explorer.api.client import ExtractClient
from explorer.api.errors import (
    BadResponseError,
    BodyTooLargeError,
    DeadlineError,
    PageLimitError,
    RedirectError,
)
from explorer.api.jsonparse import JsonTooDeepError, parse_json_bytes
from explorer.api.models import JobPage
from explorer.api.retry import RetryPolicy
from explorer.core.source import ApiJobSource
from explorer.sim import SimConfig, SimServer
from tests.reliability.apps import started, tree_jobs, watched
from tests.reliability.hostile_http import (
    BIG_INT,
    BIG_INT_MARK,
    Conn,
    RawServer,
    Seen,
    TamperProxy,
    gzip_bomb,
    page_item,
    stall,
    trickle,
)
from tests.reliability.test_round2_secrets_and_budget import KEY, clean_env, cli, one_line
from tests.tui.helpers import sim_app, wait_until

__all__ = ["clean_env"]  # the autouse fixture, shared with the secrets tests

FAST = RetryPolicy(max_retries=5, initial_delay=0.01, max_delay=0.02)


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[callable]:
    """Set the default budget of every client built from now on (the CLI's included)."""

    def use(**limits) -> RequestBudget:
        chosen = replace(RequestBudget(), **limits)
        monkeypatch.setattr(budget_module, "DEFAULT_BUDGET", chosen)
        return chosen

    yield use


def point_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", url)


# -- 13: an overall deadline per request, and per call ---------------------------------------


@pytest.mark.parametrize("behaviour", [trickle, stall], ids=["trickle", "stall"])
def test_a_server_that_trickles_or_stalls_is_cut_at_the_deadline(
    capsys, monkeypatch, budget, behaviour
) -> None:
    budget(deadline=1.0, call_deadline=3.0)
    server = RawServer(lambda seen, conn: None)
    server.handler = behaviour(lambda: server.stopped)
    with server:
        point_at(monkeypatch, server.url)
        begun = time.monotonic()
        code, out, err = cli(capsys, "get", "ext-1")
        took = time.monotonic() - begun
    assert code == 2
    assert "timed out: no complete response within 1 s" in err, err
    assert took < 60  # generous: without a deadline this never returns
    # the call's deadline bounds the retries too: at most 3 s of 1 s attempts
    assert 1 <= len(server.requests) <= 4
    assert KEY not in out + err


async def test_the_client_raises_a_deadline_error_naming_the_request(budget) -> None:
    budget(deadline=0.5, call_deadline=0.5)
    server = RawServer(lambda seen, conn: None)
    server.handler = trickle(lambda: server.stopped, every=0.1)
    with server:
        async with ExtractClient(KEY, server.url, retry=FAST) as client:
            with pytest.raises(DeadlineError) as info:
                await client.get_job("ext-1")
    assert str(info.value).startswith("GET /api/v2/extract/ext-1: timed out")
    assert info.value.kind == "offline" and len(server.requests) == 1
    assert server.conns[0].sent < 200  # a byte every 0.1 s, stopped after about 0.5 s


# -- 15: a decompressed-size cap ---------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_cap_without_inflating(capsys, monkeypatch, budget) -> None:
    budget(max_body_bytes=4 * MIB)
    bomb = gzip_bomb(128)  # 128 MiB of zeros in about 130 KB

    def serve(seen: Seen, conn: Conn) -> None:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        conn.respond(200, bomb, headers)

    with RawServer(serve) as server:
        point_at(monkeypatch, server.url)
        tracemalloc.start()
        try:
            code, _, err = cli(capsys, "get", "ext-1")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert code == 2
    assert "the response is larger than the 4 MiB cap; stopped reading" in one_line(err)
    assert peak < 40 * MIB, f"{peak / MIB:.0f} MiB allocated"  # the bomb is 128 MiB
    assert len(server.requests) == 1  # too large is not retried


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({"Content-Encoding": "gzip, gzip"}, "unsupported content-encoding 'gzip, gzip'"),
        ({"Content-Length": str(10 * 1024**3)}, "larger than the 1 MiB cap"),
    ],
    ids=["stacked gzip", "declared too big"],
)
async def test_stacked_encodings_and_declared_sizes_are_refused_unread(
    budget, headers, says
) -> None:
    budget(max_body_bytes=1 * MIB)

    def serve(seen: Seen, conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\n")
        conn.send("".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode())
        conn.send(b"Connection: close\r\n\r\n" + gzip_bomb(8)[:1000])

    with RawServer(serve) as server:
        async with ExtractClient(KEY, server.url, retry=FAST) as client:
            with pytest.raises((BadResponseError, BodyTooLargeError)) as info:
                await client.get_job("ext-1")
    assert says in str(info.value)


# -- 14: ever-new page tokens; --json streams --------------------------------------------------


class Recorder(io.StringIO):
    """stdout that notes how many requests the server had seen at each write."""

    def __init__(self, server: RawServer) -> None:
        super().__init__()
        self.server = server
        self.at: list[int] = []

    def write(self, text: str) -> int:
        self.at.append(len(self.server.requests))
        return super().write(text)

    def isatty(self) -> bool:
        return False


def endless_pages(seen: Seen, conn: Conn) -> None:
    if seen.path == "/api/v2/extract":
        n = int(seen.query.get("page_token", ["t0"])[0][1:])
        items = [page_item(n * 100 + i) for i in range(100)]
        conn.respond(200, {"items": items, "next_page_token": f"t{n + 1}"})
    else:
        conn.respond(200, {"items": []})


def test_list_all_stops_at_the_page_cap_and_streams_json(capsys, monkeypatch) -> None:
    with RawServer(endless_pages) as server:
        point_at(monkeypatch, server.url)
        stdout = Recorder(server)
        monkeypatch.setattr("sys.stdout", stdout)
        code, _, err = cli(capsys, "list", "--limit", "0", "--json")
    lines = stdout.getvalue().splitlines()
    assert code == 2
    assert one_line(err) == (
        "extract-explorer: stopped after 100 pages (10,000 jobs listed): the server kept "
        "sending new page tokens; list fewer with --limit N or --status"
    )
    assert len(server.requests) == 100 and len(lines) == 10_000
    assert json.loads(lines[0])["id"] == "ext-00000000"
    # streamed: the first page was written before the second was asked for
    assert stdout.at[0] == 1 and stdout.at[99] == 1


def test_the_table_stops_at_the_page_cap_too(capsys, monkeypatch, budget) -> None:
    budget(max_pages=5)
    with RawServer(endless_pages) as server:
        point_at(monkeypatch, server.url)
        code, out, err = cli(capsys, "list", "--limit", "0")
    assert code == 2
    assert "stopped after 5 pages (500 jobs listed)" in one_line(err)
    assert out.count("ext-") == 500
    assert sum(r.path == "/api/v2/extract" for r in server.requests) == 5


async def test_iter_jobs_raises_at_the_page_cap(budget) -> None:
    budget(max_pages=3)
    with RawServer(endless_pages) as server:
        async with ExtractClient(KEY, server.url, retry=FAST) as client:
            seen: list[str] = []
            with pytest.raises(PageLimitError, match="stopped after 3 pages"):
                async for job in client.iter_jobs():
                    seen.append(job.id)
    assert len(seen) == 300 and len(server.requests) == 3


# -- 6: nesting deeper than the parsers go -----------------------------------------------------


def deep_job(depth: int) -> bytes:
    return b'{"id": "ext-deep", "status": "COMPLETED", "extract_result": ' + (
        b"[" * depth + b"]" * depth + b"}"
    )


def test_json_nested_5000_deep_is_a_clear_bad_response(capsys, monkeypatch) -> None:
    with pytest.raises(JsonTooDeepError, match="nested deeper than about 1,000 levels"):
        parse_json_bytes(deep_job(5000))
    with RawServer(lambda seen, conn: conn.respond(200, deep_job(5000))) as server:
        point_at(monkeypatch, server.url)
        code, _, err = cli(capsys, "get", "ext-deep")
    assert code == 2
    line = one_line(err)
    assert "bad response from the server" in line and "nested deeper than about 1,000" in line


# -- 18: one bad item does not sink the page; a 5,000-digit integer does not sink the body ------


def mixed_page(seen: Seen, conn: Conn) -> None:
    good = page_item(1)
    big = {**page_item(2), "metadata": {"serial": BIG_INT_MARK}}
    items = [{"id": None, "status": "RUNNING"}, "junk", {"id": 5}, good, big]
    body = json.dumps({"items": items, "total_size": -5}).encode()
    conn.respond(200, body.replace(f'"{BIG_INT_MARK}"'.encode(), BIG_INT.encode()))


async def test_unreadable_items_are_skipped_and_counted() -> None:
    with RawServer(mixed_page) as server:
        async with ExtractClient(KEY, server.url, retry=FAST) as client:
            page = await client.list_jobs()
    assert [job.id for job in page.items] == ["ext-00000001", "ext-00000002"]
    assert page.skipped == 3
    assert page.total_size is None  # item 21: -5 is no count
    serial = page.items[1].to_json_dict()["metadata"]["serial"]
    assert serial == BIG_INT  # every digit kept (as text: Python's int limit is not ours)
    assert parse_json_bytes(b'{"n": -' + BIG_INT.encode() + b"}") == {"n": "-" + BIG_INT}


def test_the_cli_lists_the_readable_jobs_and_says_how_many_were_skipped(capsys, monkeypatch):
    with RawServer(mixed_page) as server:
        point_at(monkeypatch, server.url)
        code, out, err = cli(capsys, "list", "--json")
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["ext-00000001", "ext-00000002"]
    assert "warning: 3 unreadable jobs skipped" in err


def test_a_negative_or_absurd_total_size_is_unknown() -> None:
    for total in (-5, -0.5, 1.5, float("nan"), float("inf"), 10**30, "many"):
        assert JobPage(total_size=total).total_size is None, total
    assert JobPage(total_size=7).total_size == 7 and JobPage(total_size=7.0).total_size == 7


async def test_the_app_survives_bad_items_and_ignores_jobs_nobody_asked_for() -> None:
    """Items 17, 18, 21 in the app: the first page holds unreadable items, a 5,000-digit integer
    and ``total_size: -5``; every refresh answer adds a job that was not asked for."""
    refreshes: list[int] = []

    def tamper(request: Request, data):
        if request.url.path != "/api/v2/extract" or not isinstance(data, dict):
            return data
        if "job_ids" in request.query_params:
            refreshes.append(1)
            data["items"].append({**page_item(999), "id": "ext-unasked", "status": "RUNNING"})
        else:
            data["items"] += [
                {"id": None},
                "junk",
                {**page_item(7), "id": "ext-bigint", "metadata": {"n": BIG_INT_MARK}},
            ]
            data["total_size"] = -5
        return data

    with (
        SimServer(SimConfig(seed=5, job_seconds=3600, big_rows=200)) as sim,
        TamperProxy(sim.url, tamper) as proxy,
    ):
        app = watched(sim_app(proxy))
        async with app.run_test(size=(120, 40)) as pilot:
            await started(pilot, app)
            await wait_until(pilot, lambda: len(refreshes) >= 3, timeout=20)
            await pilot.pause(0.3)
            lines = tree_jobs(app)
            assert "ext-bigint" in app.store.jobs  # the page loaded, big integer and all
            assert "ext-unasked" not in app.store.jobs  # item 17: refreshes add nothing
    project = lines[0]
    assert "bad response" not in project and "/-5" not in project, project
    assert app.worker_errors == []


async def test_a_refresh_keeps_only_the_jobs_asked_for() -> None:
    def tamper(request: Request, data):
        if "job_ids" in request.query_params and isinstance(data, dict):
            data["items"].append({**page_item(1), "id": "ext-unasked"})
        return data

    with SimServer(SimConfig(seed=5, big_rows=200)) as sim, TamperProxy(sim.url, tamper) as proxy:
        wanted = sim.state.notable["nasty"]
        async with ExtractClient("test-key", proxy.url, retry=FAST) as client:
            jobs = await ApiJobSource(client).jobs([(wanted, None)])
    assert [job.id for job in jobs] == [wanted]


# -- 21: a redirect is said to be one ---------------------------------------------------------


def test_a_307_is_reported_as_a_redirect_not_followed(capsys, monkeypatch) -> None:
    def redirect(seen: Seen, conn: Conn) -> None:
        conn.respond(307, b"", {"Location": "https://elsewhere.example/steal"})

    with RawServer(redirect) as server:
        point_at(monkeypatch, server.url)
        code, out, err = cli(capsys, "get", "ext-1")
    line = one_line(err)
    assert code == 2 and "NoneType" not in line
    assert "307" in line and "a redirect to elsewhere.example" in line
    assert "the explorer does not follow redirects" in line
    assert len(server.requests) == 1 and KEY not in out + err


async def test_the_client_raises_a_redirect_error() -> None:
    def redirect(seen: Seen, conn: Conn) -> None:
        conn.respond(302, b"", {"Location": "/elsewhere"})

    with RawServer(redirect) as server:
        async with ExtractClient(KEY, server.url, retry=FAST) as client:
            with pytest.raises(RedirectError) as info:
                await client.list_jobs()
    assert info.value.status == 302 and info.value.kind == "redirect"

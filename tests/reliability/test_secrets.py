"""The API key stays secret: never on screen, in a repr, an error message or a log line, and
never sent over plain HTTP to a host that is not this machine."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from explorer.api.client import ExtractClient
from explorer.api.errors import (
    ApiError,
    AuthError,
    InsecureTransportError,
    NetworkError,
    ServerError,
)
from explorer.api.retry import RetryPolicy
from explorer.core.source import ApiJobSource
from explorer.debuglog import start_debug_log
from explorer.settings import Settings
from explorer.sim import SimConfig, SimServer
from explorer.tui.app import ExplorerApp
from tests.reliability.apps import error_toasts, started, status, watched
from tests.tui.helpers import wait_until

KEY = "llx-SECRET-canary-123"
FAST = RetryPolicy(max_retries=2, initial_delay=0.05, max_delay=0.1)


def keyed_app(sim: SimServer, key: str = KEY) -> tuple[ExplorerApp, ExtractClient]:
    """The app as ``extract-explorer`` builds it with ``LLAMA_CLOUD_API_KEY`` set."""
    client = ExtractClient(key, sim.url, retry=FAST)
    settings = Settings(api_key=key, base_url=sim.url, refresh=0.2, list_refresh=1.0)
    settings.animation = False
    app = ExplorerApp(settings, ApiJobSource(client), on_close=client.aclose)
    return app, client


def everything_said(exc: BaseException) -> str:
    """All the text an exception carries: message, repr, args, detail, chained causes."""
    parts = [str(exc), repr(exc), *map(repr, exc.args)]
    if isinstance(exc, ApiError):
        parts += [str(exc.detail), str(exc.request)]
    if exc.__cause__ is not None:
        parts.append(everything_said(exc.__cause__))
    return "\n".join(parts)


async def test_key_is_absent_from_screens_reprs_errors_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    debug_log = tmp_path / "debug.log"
    handler = start_debug_log(str(debug_log), [KEY])
    screens: list[str] = []
    try:
        with SimServer(SimConfig(seed=5, job_seconds=3600, api_key=KEY, big_rows=200)) as sim:
            app, client = keyed_app(sim)
            app = watched(app)
            async with app.run_test(size=(120, 40)) as pilot:
                await started(pilot, app)
                for tab in ("overview", "configuration", "results", "fields"):
                    app.main.action_show_tab(tab)
                    await pilot.pause(0.2)
                    screens.append(app.export_screenshot())
                sim.config.faults.error_rate = 1.0
                await wait_until(pilot, lambda: "server error" in status(app), timeout=15)
                app.goto_job("ext-does-not-exist")  # an error toast too
                await wait_until(pilot, lambda: bool(error_toasts(app)), timeout=30)
                screens.append(app.export_screenshot())
                assert KEY not in repr(client) and KEY not in repr(app.settings)

            # The same errors from the client directly: nothing in them names the key.
            errors: list[BaseException] = []
            async with ExtractClient(KEY, sim.url, retry=FAST) as direct:
                for call in (direct.list_projects, direct.list_jobs):
                    with pytest.raises(ServerError) as info:
                        await call()
                    errors.append(info.value)
                sim.config.faults.error_rate = 0.0
                sim.config.faults.down = True
                with pytest.raises(NetworkError) as info:
                    await direct.list_projects()
                errors.append(info.value)

        # A second server that wants another key: 401, on screen and from the client.
        with SimServer(SimConfig(api_key="another-key", big_rows=200)) as other:
            app, client = keyed_app(other)
            async with app.run_test(size=(120, 40)) as pilot:
                await wait_until(pilot, lambda: "key rejected" in status(app), timeout=15)
                screens.append(app.export_screenshot())
            async with ExtractClient(KEY, other.url, retry=FAST) as direct:
                with pytest.raises(AuthError) as info:
                    await direct.get_job("ext-1")
                errors.append(info.value)
    finally:
        for name in ("explorer", "httpx", "httpcore"):
            logging.getLogger(name).removeHandler(handler)
        handler.close()

    assert len(screens) == 6 and all("<svg" in svg for svg in screens)
    for svg in screens:
        assert KEY not in svg
    for exc in errors:
        assert KEY not in everything_said(exc)
    assert "retrying" in caplog.text  # the logs did see the trouble...
    assert KEY not in caplog.text  # ...and not the key
    written = debug_log.read_text()
    assert "GET /api/v2" in written and KEY not in written


# -- plain HTTP ------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=[{"id": "prj-1", "name": "p"}])


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://api.cloud.llamaindex.ai",
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "http://0.0.0.0:8000",
        "http://10.0.0.5",
        "ftp://example.com",
    ],
)
async def test_plain_http_to_a_remote_host_is_refused_before_any_request(url: str) -> None:
    recorder = Recorder()
    with pytest.raises(InsecureTransportError) as info:
        ExtractClient(KEY, url, transport=httpx.MockTransport(recorder))
    assert recorder.requests == []
    assert KEY not in everything_said(info.value)
    assert "allow-insecure" in str(info.value) or "scheme" in str(info.value)


async def test_allow_insecure_permits_it() -> None:
    recorder = Recorder()
    async with ExtractClient(
        KEY, "http://example.com", allow_insecure=True, transport=httpx.MockTransport(recorder)
    ) as client:
        assert await client.list_projects()
    assert [str(r.url.copy_with(query=None)) for r in recorder.requests] == [
        "http://example.com/api/v2/projects"
    ]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8321", "http://localhost:8321", "http://[::1]:8321", "http://127.0.0.2"],
)
async def test_loopback_is_allowed(url: str) -> None:
    recorder = Recorder()
    async with ExtractClient(KEY, url, transport=httpx.MockTransport(recorder)) as client:
        assert await client.list_projects()
    assert len(recorder.requests) == 1
    assert recorder.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_a_redirect_is_not_followed_with_the_key() -> None:
    recorder = Recorder()

    def redirect(request: httpx.Request) -> httpx.Response:
        recorder.requests.append(request)
        return httpx.Response(302, headers={"location": "http://evil.example/steal"})

    async with ExtractClient(
        KEY, "https://api.example.test", transport=httpx.MockTransport(redirect), retry=FAST
    ) as client:
        with pytest.raises(ApiError):
            await client.list_projects()
    assert [r.url.host for r in recorder.requests] == ["api.example.test"]


def test_the_command_line_refuses_too(monkeypatch, capsys) -> None:
    from explorer.cli import main

    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", "http://example.com")
    monkeypatch.setenv("EXTRACT_EXPLORER_CONFIG", "/nonexistent/config.toml")
    assert main(["list"]) == 2
    err = capsys.readouterr().err
    assert "refusing to send the API key over plain http://" in err and KEY not in err

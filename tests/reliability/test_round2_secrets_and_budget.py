"""Issue 11, round 2 — keys and secrets (items 7, 8, 9, 10, 11, 16), through the real CLI, client
and app over loopback: a key or header HTTP cannot carry, a CRLF key, a server that echoes the
Authorization header, credentials in the base URL, ``*.localhost``, and absurd refresh cadences.
No key (nor URL password) may appear anywhere: stdout, stderr, the debug log, an export file,
the screen."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from starlette.requests import Request
from starlette.responses import Response

from explorer.api.client import ExtractClient, is_loopback
from explorer.api.errors import BadHeaderError, BadKeyError, InsecureTransportError
from explorer.core import secrets
from explorer.debuglog import start_debug_log, stop_debug_log
from explorer.settings import ConfigError, resolve_settings
from explorer.sim import SimConfig, SimServer
from tests.reliability.apps import error_toasts, started, status, watched
from tests.reliability.hostile_http import RawServer, TamperProxy
from tests.tui.helpers import wait_until

KEY = "llx-R2-budget-secret-7c1d"
PASSWORD = "pa55-R2-word"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No key, no user config, fast retries; the secret registry empty before and after."""
    for name in list(os.environ):
        if name.startswith(("LLAMA_", "EXTRACT_EXPLORER_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXTRACT_EXPLORER_CONFIG", str(tmp_path / "no-config.toml"))
    import explorer.commands.jobref as jobref
    from explorer.api.retry import RetryPolicy

    monkeypatch.setattr(
        jobref, "RETRY_POLICY", RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)
    )
    secrets.forget_all()
    yield
    secrets.forget_all()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``extract-explorer ARGV`` in-process: exit status, stdout, stderr (checked: no traceback)."""
    from explorer.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def answer_nothing(seen, conn) -> None:
    conn.respond(500, {"detail": "should never be asked"})


# -- 7: a key or header HTTP cannot carry; a debug log that cannot be written ----------------


@pytest.mark.parametrize("argv", [["list"], ["get", "ext-1"], []], ids=["list", "get", "tui"])
@pytest.mark.parametrize("bad", ["llx-clé-R2-secret", "llx-R2\x1bsecret-key", "llx R2 secret"])
def test_a_key_http_cannot_carry_is_one_clear_line(capsys, monkeypatch, argv, bad) -> None:
    with RawServer(answer_nothing) as server:
        monkeypatch.setenv("LLAMA_CLOUD_API_KEY", bad)
        monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", server.url)
        code, out, err = cli(capsys, *argv)
    assert code == 2
    line = one_line(err)
    assert "LLAMA_CLOUD_API_KEY contains characters that cannot be sent in an HTTP header" in line
    assert bad not in out + err and "secret" not in out + err
    assert server.requests == []  # refused before anything was sent


def test_a_custom_header_http_cannot_carry_is_one_clear_line(capsys, monkeypatch) -> None:
    with RawServer(answer_nothing) as server:
        monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)
        monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", server.url)
        monkeypatch.setenv("LLAMA_CLOUD_CUSTOM_HEADERS", "X-Team: ok\nX-Api-Token: tøken-R2-secret")
        code, out, err = cli(capsys, "list")
    assert code == 2
    assert "LLAMA_CLOUD_CUSTOM_HEADERS line 2 contains characters" in one_line(err)
    assert "tøken" not in out + err and KEY not in out + err
    assert server.requests == []


def test_the_client_refuses_such_keys_and_headers_without_quoting_them() -> None:
    for key in ("llx-R2-secret\r", "llx-R2-\nsecret", "llx-R2-sécret"):
        with pytest.raises(BadKeyError) as info:
            ExtractClient(key, "http://127.0.0.1:1")
        assert "cannot be sent in an HTTP header" in str(info.value)
        assert "secret" not in str(info.value) and info.value.kind == "bad key"
    with pytest.raises(BadHeaderError) as info:
        ExtractClient(KEY, "http://127.0.0.1:1", headers={"X-Token": "välue-secret"})
    assert "X-Token" in str(info.value) and "secret" not in str(info.value)


def test_a_debug_log_that_cannot_be_written_is_one_clear_line(capsys) -> None:
    code, _, err = cli(capsys, "--debug-log", "/nonexistent/x.log")
    assert code == 2
    assert "cannot write the debug log /nonexistent/x.log: No such file or directory" in one_line(
        err
    )


# -- 8: a key with a trailing CR (a CRLF .env file) -------------------------------------------


def test_a_crlf_key_is_stripped_and_works(capsys, monkeypatch) -> None:
    with SimServer(SimConfig(seed=3, api_key=KEY, big_rows=200)) as sim:
        monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY + "\r\n")
        monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", sim.url)
        code, out, err = cli(capsys, "list", "--limit", "3")
    assert code == 0, err
    assert out.count("ext-") == 3 and KEY not in out + err


def test_an_escaped_key_is_redacted_from_the_debug_log(tmp_path: Path) -> None:
    # What httpx logged seven times: the header quoted as bytes, the CR escaped.
    log_file = tmp_path / "debug.log"
    handler = start_debug_log(str(log_file), [KEY + "\r"])
    try:
        quoted = repr(f"Bearer {KEY}\r".encode())
        logging.getLogger("httpcore").debug("LocalProtocolError(Illegal header value %s)", quoted)
        logging.getLogger("explorer").debug("url %s", f"https://x/?k={KEY}%0D")
        try:
            raise ValueError(f"a traceback that quotes {KEY!r}")
        except ValueError:
            logging.getLogger("explorer").exception("crashed")
    finally:
        stop_debug_log(handler)
    text = log_file.read_text()
    assert "Illegal header value" in text and "a traceback that quotes" in text
    assert KEY not in text and text.count("<redacted>") >= 3


async def test_the_app_with_a_crlf_key_and_an_echoing_server_never_shows_the_key(
    tmp_path: Path,
) -> None:
    """Items 8 and 9 through the whole app: the key arrives with ``\\r\\n``; the server puts the
    Authorization header it got into every job's error message and result, and answers one job
    with ``400 {"detail": "... Authorization=Bearer KEY"}``."""
    from explorer.tui.run import build_api_app

    def tamper(request: Request, data):
        auth = request.headers.get("authorization", "")
        if request.url.path.endswith("/ext-echo"):
            detail = {"detail": f"bad header Authorization={auth}"}
            return Response(orjson.dumps(detail), 400, media_type="application/json")
        jobs = data.get("items", []) if "items" in data else [data]
        for job in jobs:
            if isinstance(job, dict) and str(job.get("id", "")).startswith("ext-"):
                job["error_message"] = f"upstream rejected {auth} (key {auth[7:]})"
                if isinstance(job.get("extract_result"), dict):
                    job["extract_result"]["leak"] = auth
        return data

    debug_log = tmp_path / "debug.log"
    export = tmp_path / "export.json"
    screens: list[str] = []
    with (
        SimServer(SimConfig(seed=5, api_key=KEY, big_rows=200)) as sim,
        TamperProxy(sim.url, tamper) as proxy,
    ):
        env = {"LLAMA_CLOUD_API_KEY": KEY + "\r\n", "LLAMA_CLOUD_BASE_URL": proxy.url}
        flags = {"config": str(tmp_path / "none.toml"), "debug_log": str(debug_log)}
        settings = resolve_settings(flags, env)
        settings.animation = False
        assert settings.api_key == KEY
        app, backend = build_api_app(settings)
        app = watched(app)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await started(pilot, app)  # "refreshed": the key worked, not "offline"
                assert "offline" not in status(app) and "bad key" not in status(app)
                await wait_until(pilot, lambda: app.main.panes.job_id in app.store.details)
                app.main.action_show_tab("overview")
                await pilot.pause(0.3)
                screens.append(app.export_screenshot())
                job = app.store.details[app.main.panes.job_id]
                assert KEY in (job.error_message or "")  # the data does hold it...
                app.main.write_export(job, "job-json", export)
                await wait_until(pilot, export.exists)
                app.goto_job("ext-echo")
                await wait_until(pilot, lambda: bool(error_toasts(app)), timeout=15)
                screens.append(app.export_screenshot())
                toasts = error_toasts(app)
        finally:
            gc.enable()
            backend.stop()
            for handler in list(logging.getLogger("explorer").handlers):
                if getattr(handler, "baseFilename", None) == str(debug_log):
                    stop_debug_log(handler)
    assert app.worker_errors == []
    assert any("<redacted>" in t for t in toasts), toasts  # ...the echo was shown, redacted
    for text in [*screens, *toasts, export.read_text(), debug_log.read_text()]:
        assert KEY not in text
    assert "<redacted>" in export.read_text() and "/api/v2/extract" in debug_log.read_text()
    # the jobs the server echoed the key into were cached: redacted there too, to the byte
    from explorer.core.job_cache import cache_dir

    kept = [path for path in cache_dir().rglob("*") if path.is_file()]
    assert kept, "the run cached nothing"
    inflated = ""
    for path in kept:
        data = path.read_bytes()
        assert KEY.encode() not in data, path
        inflated += zlib_text(data)
    assert "<redacted>" in inflated  # the echoed jobs are in there, read back
    assert KEY not in inflated


# -- 10: user:password@ in the base URL ------------------------------------------------------


@pytest.mark.parametrize("argv", [["list"], []], ids=["list", "tui"])
def test_credentials_in_the_base_url_are_refused_unsent(capsys, monkeypatch, argv) -> None:
    with RawServer(answer_nothing) as server:
        monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)
        monkeypatch.setenv(
            "LLAMA_CLOUD_BASE_URL", f"http://user:{PASSWORD}@127.0.0.1:{server.port}"
        )
        code, out, err = cli(capsys, *argv)
    assert code == 2
    line = one_line(err)
    assert "LLAMA_CLOUD_BASE_URL holds user:password@ credentials: remove them" in line
    assert PASSWORD not in out + err and KEY not in out + err
    assert server.requests == []  # no Basic auth went anywhere


def test_the_client_refuses_credentials_in_its_url_too() -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json=[]))
    with pytest.raises(InsecureTransportError) as info:
        ExtractClient(KEY, f"https://user:{PASSWORD}@api.example.test", transport=transport)
    assert PASSWORD not in str(info.value) and sent == []
    # and if such a URL is ever printed, the registry hides its credentials
    secrets.register_url_credentials(f"http://user:{PASSWORD}@h")
    from explorer.core.sanitize import safe_text

    assert PASSWORD not in safe_text(f"http://user:{PASSWORD}@h/x")


# -- 11: *.localhost is resolved through DNS: not loopback ------------------------------------


def test_only_literal_loopback_and_localhost_count() -> None:
    assert is_loopback("localhost") and is_loopback("127.0.0.1") and is_loopback("[::1]")
    for host in ("api.localhost", "localhost.", "evil.localhost", "127.0.0.1.nip.io"):
        assert not is_loopback(host), host


def test_plain_http_to_dot_localhost_is_refused(capsys, monkeypatch) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", "http://api.localhost:8321")
    code, out, err = cli(capsys, "list")
    assert code == 2
    assert "refusing to send the API key over plain http:// to api.localhost" in one_line(err)
    assert KEY not in out + err


# -- 16: refresh cadences that would hammer the server ----------------------------------------


@pytest.mark.parametrize("value", ["1e-300", "nan", "inf", "-1", "0", "0.05"])
def test_refresh_flag_out_of_range_is_refused(capsys, value: str) -> None:
    code, _, err = cli(capsys, "--refresh", value)
    assert code == 2
    assert "refresh must be between 0.2 and 86,400 seconds" in one_line(err)


@pytest.mark.parametrize(
    "line", ["refresh = nan", "refresh = inf", "refresh = 1e-300", "list_refresh = 0.0"]
)
def test_refresh_in_the_config_file_out_of_range_is_refused(tmp_path: Path, line: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(line + "\n")
    with pytest.raises(ConfigError, match=r"refresh must be between 0\.2 and 86,400 seconds"):
        resolve_settings({"config": str(path)}, {})
    assert resolve_settings({"config": str(path), "refresh": 0.2, "list_refresh": 0.2}, {})


def zlib_text(data: bytes) -> str:
    """Every zlib stream found in ``data`` (a database's compressed blobs), inflated."""
    import zlib

    out = []
    start = data.find(b"\x78")
    while start != -1:
        try:
            text = zlib.decompressobj().decompress(memoryview(data)[start:])
            out.append(text.decode("utf-8", "replace"))
        except zlib.error:
            pass
        start = data.find(b"\x78", start + 1)
    return "\n".join(out)

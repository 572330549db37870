"""``extract-explorer serve``: the TUI in a real headless Chromium, driven over CDP.

The server runs as a subprocess, pointed at the CLI tests' simulator with the test key (from
``cli_env``: the key must be in no page and on no command line), or with no key (each session
runs the embedded simulator, whose child process must end with the session). Chromium loads
the page, and the test reads the terminal's bytes from the page's websocket frames
(``Network.webSocketFrameReceived``: xterm.js draws on a canvas, so the text is not in the
DOM) until the job tree shows, takes a screenshot, types ``q``, and stops the server with
SIGINT. Every wait is on a condition with a deadline.

``EXTRACT_EXPLORER_BROWSER_SHOT=1`` also writes the embedded-simulator run's screenshot to
``screenshots/browser.png`` (the README's picture):
``EXTRACT_EXPLORER_BROWSER_SHOT=1 python -m pytest tests/cli/test_serve.py``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
from pathlib import Path

import httpx
import pytest

from explorer.commands.serve import app_command, build_serve_parser, exposure_warning, public_url
from explorer.tui.graphics import decide
from tests.cli.conftest import API_KEY
from tests.cli.serve_support import (
    CHROMIUM,
    REPO,
    Cdp,
    alive,
    answers,
    descendants,
    free_port,
    quiet_for,
    start_chromium,
    start_serve,
    stop_chromium,
    stop_serve,
    until,
    wait_for,
)

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (.ci/run installs Debian's chromium)"
)


# -- the browser test -------------------------------------------------------------------------


@needs_chromium
@pytest.mark.timeout(90)
@pytest.mark.parametrize("keyed", [True, False], ids=["key", "embedded-simulator"])
async def test_the_explorer_runs_in_headless_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyed: bool
) -> None:
    import aiohttp

    if not keyed:  # each session runs its own simulator, in a child process of its app
        monkeypatch.delenv("LLAMA_CLOUD_API_KEY")
        monkeypatch.delenv("LLAMA_CLOUD_BASE_URL")
    port = free_port()
    server, out, err = start_serve(tmp_path, "--port", str(port), "--read-only")
    chromium = None
    try:
        await until(lambda: answers(port) or server.poll() is not None, "serve to listen")
        assert server.poll() is None, err.read_text()
        html = httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text
        assert f"ws://127.0.0.1:{port}/ws" in html
        assert API_KEY not in html

        chromium, cdp_port = start_chromium(tmp_path)
        targets = httpx.get(f"http://127.0.0.1:{cdp_port}/json/list", timeout=10).json()
        page = next(t for t in targets if t["type"] == "page")
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
            cdp = Cdp(ws)
            await cdp.send("Network.enable")
            await cdp.send("Page.enable")
            # a headless page never has the focus a user's window has: without it the app
            # is told it is blurred, and Textual's footer waits for focus to draw its keys
            await cdp.send("Emulation.setFocusEmulationEnabled", enabled=True)
            await cdp.send("Page.navigate", url=f"http://127.0.0.1:{port}/")
            # the job tree: the simulator's first project, and a job's status word
            await until(lambda: "Default" in cdp.screen_text(), "the job tree in the browser", 25)
            await until(lambda: "COMPLETED" in cdp.screen_text(), "jobs in the tree", 15)
            if not keyed:
                await until(lambda: "DEMO" in cdp.screen_text(), "the DEMO banner")
            # the page focused, as a user's is: the footer's keys are drawn
            await cdp.send(
                "Runtime.evaluate", expression="document.querySelector('textarea').focus()"
            )
            await until(lambda: "Filter" in cdp.screen_text(), "the footer's keys", 15)
            await quiet_for(cdp, 0.5)

            # one app per connection, the key in none of their command lines
            apps = descendants(server.pid)
            assert any("-m explorer" in line for line in apps.values()), apps
            for line in [" ".join(sys.argv), *apps.values()]:
                assert API_KEY not in line
            assert "--read-only" in next(v for v in apps.values() if "-m explorer" in v)
            simulators = [v for v in apps.values() if "explorer.sim.child" in v]
            assert len(simulators) == (0 if keyed else 1), apps

            shot = await cdp.send("Page.captureScreenshot", format="png")
            png = base64.b64decode(shot["data"])
            assert png.startswith(b"\x89PNG") and len(png) > 10_000
            (tmp_path / "browser.png").write_bytes(png)
            if not keyed and os.environ.get("EXTRACT_EXPLORER_BROWSER_SHOT"):
                (REPO / "screenshots" / "browser.png").write_bytes(png)

            # q through the page quits the app, the page's websocket closes
            for kind in ("keyDown", "keyUp"):
                await cdp.send(
                    "Input.dispatchKeyEvent",
                    type=kind,
                    key="q",
                    code="KeyQ",
                    text="q" if kind == "keyDown" else "",
                    windowsVirtualKeyCode=81,
                )
            await until(lambda: cdp.seen("Network.webSocketClosed"), "the session to end")
            await until(
                lambda: not any(alive(pid) for pid in apps), "the session's app to exit", 15
            )
            await cdp.close()
    finally:
        if chromium is not None:
            stop_chromium(chromium)
        code = stop_serve(server)
    stderr = err.read_text()
    assert code == 0, stderr
    assert "Traceback" not in stderr + out.read_text()
    assert API_KEY not in stderr + out.read_text()
    assert f"http://127.0.0.1:{port}" in out.read_text()
    assert "warning" not in stderr  # loopback: no warning
    assert ("embedded simulator" in stderr) is not keyed


async def test_ctrl_c_with_a_session_open_stops_the_server_and_its_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No browser needed: aiohttp's websocket client is the session."""
    import aiohttp

    monkeypatch.delenv("LLAMA_CLOUD_API_KEY")  # the embedded simulator: two processes to end
    monkeypatch.delenv("LLAMA_CLOUD_BASE_URL")
    port = free_port()
    server, out, err = start_serve(tmp_path, "--port", str(port))
    try:
        await until(lambda: answers(port) or server.poll() is not None, "serve to listen")
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30")
            screen = bytearray()
            while b"Default" not in screen:
                message = await ws.receive(timeout=25)
                assert message.type == aiohttp.WSMsgType.BINARY, message
                screen += message.data
            apps = descendants(server.pid)
            assert len(apps) >= 2, apps  # the app (maybe under sh) and its simulator
            # Ctrl-C while this client keeps reading (it answers the close handshake)
            stopping = asyncio.create_task(asyncio.to_thread(stop_serve, server))
            ended = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            while (await ws.receive(timeout=10)).type not in ended:
                pass
            code = await stopping
    finally:
        code = await asyncio.to_thread(stop_serve, server)
    await until(lambda: not any(alive(pid) for pid in apps), "the apps to exit", 10)
    stderr = err.read_text()
    assert code == 0, stderr
    assert "Traceback" not in stderr + out.read_text()


# -- the rest ---------------------------------------------------------------------------------


def test_a_non_loopback_host_warns_that_there_is_no_authentication(tmp_path: Path) -> None:
    port = free_port()
    server, out, err = start_serve(tmp_path, "--host", "0.0.0.0", "--port", str(port))
    try:
        wait_for(lambda: "Ctrl+C" in out.read_text() or server.poll() is not None, "serve")
    finally:
        code = stop_serve(server)
    stderr = err.read_text()
    assert code == 0, stderr
    assert "no authentication" in stderr and "0.0.0.0" in stderr
    assert "Traceback" not in stderr


def test_a_port_in_use_is_a_clear_error_before_serving_is_announced(run) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.err and "in use" in result.err
    assert "Serving" not in result.out


def test_exposure_warning_only_off_loopback() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert exposure_warning(host, 8000) is None
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.org"):
        warning = exposure_warning(host, 8000)
        assert warning is not None and "no authentication" in warning


def test_public_url() -> None:
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_url("::1", 9000) == "http://[::1]:9000"
    assert public_url("0.0.0.0", 80, "https://explorer.example/") == "https://explorer.example"


def test_the_spawned_command_passes_flags_but_never_a_key() -> None:
    args = build_serve_parser().parse_args(
        ["--base-url", "https://api.example", "--project", "p 1", "--read-only", "--seed", "3"]
    )
    line = app_command(args)
    assert line.startswith(f"{sys.executable} -m explorer ")
    assert "--base-url https://api.example" in line and "--project 'p 1'" in line
    assert "--read-only" in line and "--seed 3" in line
    assert "--allow-insecure" not in line and "key" not in line.lower()
    assert app_command(build_serve_parser().parse_args([])) == f"{sys.executable} -m explorer"


def test_a_served_app_never_asks_for_terminal_graphics() -> None:
    served = {"TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver", "TERM": "xterm-kitty"}
    for wanted in ("auto", "on"):
        choice = decide(
            {**served, "EXTRACT_EXPLORER_GRAPHICS": wanted}, stdin_tty=True, stdout_tty=True
        )
        assert not choice.ask and "browser" in choice.reason

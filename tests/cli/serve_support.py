"""Support of the ``serve`` tests: free ports, processes under a pid (from /proc), the server
as a subprocess, condition waits with deadlines, and a headless Chromium driven over the Chrome
DevTools Protocol with aiohttp's websocket client (no browser-automation dependency)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Any, what: str, timeout: float = 15.0) -> Any:
    """Poll ``check()`` until it returns something truthy, or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def answers(port: int) -> bool:
    """Whether something accepts connections on the loopback ``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def descendants(pid: int) -> dict[int, str]:
    """Every living process under ``pid`` -> its command line (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            with contextlib.suppress(OSError):
                cmdline = (Path("/proc") / str(child) / "cmdline").read_bytes()
                found[child] = cmdline.replace(b"\0", b" ").decode("utf-8", "replace")
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a living (not zombie) process."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def start_serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """``extract-explorer serve ARGS`` in a subprocess; its stdout and stderr go to files."""
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "explorer", "serve", *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # a group of its own, as a terminal's foreground job
        )
    return proc, out, err


def stop_serve(proc: subprocess.Popen[bytes]) -> int:
    """Ctrl-C the server as a terminal does (SIGINT to its whole process group, the apps it
    spawned included) and return its exit status."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail("serve did not stop on SIGINT")


class Cdp:
    """A minimal Chrome DevTools Protocol client on aiohttp's websocket client."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self._ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self._waiting:
                self._waiting.pop(data["id"]).set_result(data)
            else:
                self.events.append(data)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call ``method`` and return its result (fails on a CDP error)."""
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        await self._ws.send_json({"id": ident, "method": method, "params": params})
        reply = await asyncio.wait_for(future, 15)
        assert "error" not in reply, reply
        return reply.get("result", {})

    def screen_text(self) -> str:
        """The terminal output the page's websocket received so far, escapes removed."""
        raw = b"".join(
            base64.b64decode(e["params"]["response"]["payloadData"])
            for e in self.events
            if e.get("method") == "Network.webSocketFrameReceived"
            and e["params"]["response"].get("opcode") == 2
        )
        return _ANSI.sub("", raw.decode("utf-8", "replace"))

    def seen(self, method: str) -> bool:
        """Whether an event ``method`` arrived."""
        return any(e.get("method") == method for e in self.events)

    async def close(self) -> None:
        """Stop reading and close the websocket."""
        self._reader.cancel()
        await self._ws.close()


async def until(check: Any, what: str, timeout: float = 15.0) -> Any:
    """Async :func:`wait_for`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        await asyncio.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


async def quiet_for(cdp: Cdp, seconds: float, timeout: float = 10.0) -> None:
    """Wait until no websocket frame arrived for ``seconds`` (the screen has settled)."""
    deadline = time.monotonic() + timeout
    count = len(cdp.events)
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if len(cdp.events) != count:
            count, quiet_since = len(cdp.events), time.monotonic()
        elif time.monotonic() - quiet_since >= seconds:
            return


def start_chromium(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Headless Chromium with a DevTools port of its own choosing; returns it and the port."""
    profile = tmp_path / "chromium"
    assert CHROMIUM is not None
    proc = subprocess.Popen(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,800",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its helpers go with it (killpg below)
    )
    active = profile / "DevToolsActivePort"
    wait_for(lambda: active.exists() and active.read_text().strip(), "Chromium's DevTools port")
    return proc, int(active.read_text().split()[0])


def stop_chromium(proc: subprocess.Popen[bytes]) -> None:
    """End the Chromium this test started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

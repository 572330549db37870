"""The embedded simulator as the TUI starts it: a child process on a socket opened here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from explorer.backend import SimProcess, start_backend
from explorer.settings import Settings

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pass_fds is POSIX")


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a zombie of ours counts as gone once reaped
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def test_serves_with_its_own_key_only_and_stops() -> None:
    backend = start_backend(Settings(), separate_process=True)
    child = backend.sim
    assert isinstance(child, SimProcess) and backend.demo
    pid = child._proc.pid  # type: ignore[union-attr]
    try:
        ok = httpx.get(
            f"{backend.base_url}/api/v2/projects",
            headers={"Authorization": f"Bearer {backend.api_key}"},
            timeout=20,
        )
        assert ok.status_code == 200 and len(ok.json()["items"]) >= 3
        other = httpx.get(
            f"{backend.base_url}/api/v2/projects",
            headers={"Authorization": "Bearer someone-else"},
            timeout=20,
        )
        assert other.status_code == 401
        # The key travels in the environment, not on the command line `ps` shows.
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists():
            assert backend.api_key.encode() not in cmdline.read_bytes()
    finally:
        backend.stop()
    assert gone(pid)


def test_the_child_ends_when_the_app_is_killed(tmp_path: Path) -> None:
    # An app process killed outright (no clean-up runs): its simulator must not linger.
    script = textwrap.dedent(
        """
        import json, sys, time
        from explorer.backend import start_backend
        from explorer.settings import Settings
        backend = start_backend(Settings(), separate_process=True)
        print(json.dumps({"pid": backend.sim._proc.pid}), flush=True)
        time.sleep(60)
        """
    )
    app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child_pid = json.loads(app.stdout.readline())["pid"]  # type: ignore[union-attr]
        assert not gone(child_pid, within=0.5)
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
    assert gone(child_pid)

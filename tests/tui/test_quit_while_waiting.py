"""Quitting while a slow server has not answered the first requests yet: the process ends at
once, not when the server answers (or the start-up prefetch gives up on it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from explorer.sim import SimConfig, SimServer
from tests.reliability.terminal import run_in_terminal
from tests.tui.test_stdin_tty import ALT_SCREEN_OFF, _env

#: Longer than the start-up prefetch waits (15 s) and than the test's own patience.
LATENCY_MS = 60_000


@pytest.mark.timeout(90)
def test_q_before_the_server_answers_exits_at_once(tmp_path: Path) -> None:
    with SimServer(SimConfig(seed=7, api_key="slow-key")) as server:
        server.state.config.faults.update(latency_ms=LATENCY_MS)
        env = _env(
            tmp_path,
            TERM="xterm-256color",
            LLAMA_CLOUD_API_KEY="slow-key",
            LLAMA_CLOUD_BASE_URL=server.url,
            XDG_CACHE_HOME=str(tmp_path / "cache"),
        )
        run = run_in_terminal(
            ["--no-animation"],
            env=env,
            ready=lambda text: "Quit" in text,  # the screen is up; no job is, nor can be
            keys=[0.5],
            timeout=40,
            program=[sys.executable, "-m", "explorer"],
            term=None,
        )
    assert run.ready, run.visible()[-2000:]
    assert not run.killed and run.returncode == 0, run.visible()[-2000:]
    # well before the prefetch's 15 s and the server's 60 s
    assert run.exit_seconds is not None and run.exit_seconds < 10, run.exit_seconds
    assert ALT_SCREEN_OFF in run.output[run.output.rfind(b"\x1b[?1049h") :]
    assert "Traceback" not in run.visible()

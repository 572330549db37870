"""Issue 11, round 2, in a real terminal: signals and crashes give the terminal back.

Each test runs ``extract-explorer`` on a pseudo-terminal (with no key, so the embedded simulator
serves it, or over files) and reads every byte it wrote: after SIGTERM or SIGHUP the last
modes set are the main screen, mouse reporting off and the cursor shown; after Ctrl+Z and
``fg`` the whole screen is drawn again; a crash exits non-zero with one line and no key.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from explorer.sim import SimConfig, SimServer
from tests.reliability.terminal import Run, Signal, WaitFor, run_in_terminal

#: (set, reset) pairs whose last occurrence must be the reset once the app has gone.
MODES = [
    (b"\x1b[?1049h", b"\x1b[?1049l"),  # alternate screen -> main screen
    (b"\x1b[?1000h", b"\x1b[?1000l"),  # mouse reporting off
    (b"\x1b[?1003h", b"\x1b[?1003l"),
    (b"\x1b[?25l", b"\x1b[?25h"),  # cursor shown
]


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No key (the embedded simulator), no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLAMA_", "EXTRACT_"))}
    env["EXTRACT_EXPLORER_CONFIG"] = str(tmp_path / "no-config.toml")
    return env


def assert_restored(output: bytes) -> None:
    for on, off in MODES:
        assert off in output, f"{off!r} never written"
        assert output.rfind(off) > output.rfind(on), f"{on!r} still in force at the end"


def process_state(run: Run) -> str:
    """The kernel's one-letter state of the app's process (T when stopped)."""
    try:
        return Path(f"/proc/{run.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


def demo_ready(text: str) -> bool:
    return "refreshed" in text and "COMPLETED" in text


@pytest.mark.timeout(90)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_terminating_signal_restores_the_terminal(tmp_path: Path, signum: int) -> None:
    run = run_in_terminal(
        ["--no-animation"],
        env=clean_env(tmp_path),
        ready=demo_ready,
        keys=[Signal(signum)],
        quit=None,
        timeout=60,
    )
    assert run.ready, "the app never showed its jobs"
    assert not run.killed, "the app did not exit on the signal"
    assert run.returncode == 128 + signum
    after = run.after()
    assert_restored(after)
    assert b"\x1b[?1049l" in after and b"\x1b[?1000l" in after and b"\x1b[?25h" in after
    assert "Traceback" not in run.text


@pytest.mark.timeout(90)
def test_ctrl_z_then_fg_draws_the_whole_screen_again(tmp_path: Path) -> None:
    run = run_in_terminal(
        ["--no-animation"],
        env=clean_env(tmp_path),
        ready=demo_ready,
        keys=[
            b"\x1a",  # Ctrl+Z: the app leaves the alternate screen and stops
            WaitFor(lambda since: b"\x1b[?1049l" in since.output and process_state(since) == "T"),
            Signal(signal.SIGCONT),  # what the shell's fg sends
            # A full repaint: the parts of the screen that never change come back too.
            WaitFor(lambda since: "group: status" in since.visible() and "DEMO" in since.visible()),
        ],
        timeout=60,
    )
    assert run.ready
    assert run.waits_met == [True, True], "suspended, or repainted after fg: one did not happen"
    assert b"\x1b[?1049h" in run.after(), "application mode was not entered again"
    assert not run.killed and run.returncode == 0  # and q still quits
    assert_restored(run.output)


CRASH = """
import sys
import explorer.core.present as present

def boom(*args, **kwargs):
    import os
    raise RuntimeError("boom " + os.environ.get("LLAMA_CLOUD_API_KEY", "no key"))

present.format_timestamp = boom  # the Overview pane calls it when it shows a job
from explorer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def crash_program(tmp_path: Path) -> list[str]:
    script = tmp_path / "crash.py"
    script.write_text(CRASH)
    return [sys.executable, str(script)]


@pytest.mark.timeout(90)
def test_a_crash_exits_non_zero_with_one_line_and_the_traceback_in_the_debug_log(
    tmp_path: Path,
) -> None:
    key = "llx-ROUND2-crash-canary-77"
    log = tmp_path / "debug.log"
    with SimServer(SimConfig(seed=7, big_rows=200, api_key=key)) as server:
        job_id = server.state.notable["invoice_cited"]
        env = {**clean_env(tmp_path), "LLAMA_CLOUD_BASE_URL": server.url}
        env["LLAMA_CLOUD_API_KEY"] = key
        run = run_in_terminal(
            [job_id, "--no-animation", "--debug-log", str(log)],
            env=env,
            ready=lambda text: "crashed" in text,
            keys=[],
            quit=None,
            timeout=60,
            program=crash_program(tmp_path),
        )
    assert not run.killed
    assert run.returncode == 1, "a crash must not exit 0"
    assert_restored(run.output)
    text = run.visible()
    lines = [line for line in text.splitlines() if "extract-explorer:" in line]
    assert len(lines) == 1, lines
    assert "crashed (RuntimeError: boom <redacted>)" in lines[0]
    assert "the traceback is in the debug log" in lines[0]
    assert "Traceback" not in run.text and key not in run.text
    logged = log.read_text()
    assert "Traceback (most recent call last)" in logged and "RuntimeError: boom" in logged
    assert key not in logged


@pytest.mark.timeout(90)
def test_a_crash_of_open_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    job = {"id": "ext-crash", "status": "COMPLETED", "created_at": "2026-01-01T00:00:00Z"}
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job))
    run = run_in_terminal(
        ["open", str(path), "--job", "ext-crash", "--no-animation"],
        env=clean_env(tmp_path),
        ready=lambda text: "crashed" in text,
        keys=[],
        quit=None,
        timeout=60,
        program=crash_program(tmp_path),
    )
    assert not run.killed and run.returncode == 1
    assert_restored(run.output)
    assert "extract-explorer: crashed (RuntimeError: boom no key)" in run.visible()
    assert "Traceback" not in run.text


STUCK = """
import sys, time
from explorer.tui.app import ExplorerApp

async def on_unmount(self):
    time.sleep(120)  # a shutdown that never finishes, holding the event loop

ExplorerApp.on_unmount = on_unmount
from explorer.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.timeout(90)
def test_an_exit_that_hangs_still_gives_the_terminal_back(tmp_path: Path) -> None:
    script = tmp_path / "stuck.py"
    script.write_text(STUCK)
    run = run_in_terminal(
        ["--no-animation"],
        env=clean_env(tmp_path),
        ready=demo_ready,
        keys=[Signal(signal.SIGTERM)],
        quit=None,
        timeout=60,
        program=[sys.executable, str(script)],
    )
    assert run.ready and not run.killed
    assert run.returncode == 128 + signal.SIGTERM  # ended by the guard's watchdog
    assert_restored(run.after())

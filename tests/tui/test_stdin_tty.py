"""The TUI in a real pseudo-terminal: keys after ``open - < job.json``, and the colours it sends.

``open -`` reads the jobs from stdin, a pipe: the keys must then come from the controlling
terminal, or ``q`` is never seen. A terminal that says ``TERM=dumb`` must not get 24-bit colour
(unless ``COLORTERM`` asks for it), and ``NO_COLOR`` must leave no hue on screen.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.reliability.terminal import Run, run_in_terminal

SEED_JOB = FIXTURES / "seed-example-job.json"
#: How the seed job's id shows in the tree (its short id).
SEED_SHORT_ID = "ext-aaaaaa"
ALT_SCREEN_OFF = b"\x1b[?1049l"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LLAMA_", "EXTRACT_", "TEXTUAL_"))
        and k not in ("NO_COLOR", "COLORTERM", "TERM")
    }
    env.update(EXTRACT_EXPLORER_CONFIG=str(tmp_path / "no-config.toml"))
    env.update(extra)
    return env


def run_on_pty(
    args: list[str],
    env: dict[str, str],
    *,
    stdin_data: bytes | None = None,
    controlling_terminal: bool = True,
    ready_text: str = SEED_SHORT_ID,
    timeout: float = 40.0,
) -> Run:
    """``python -m explorer ARGS`` on a pty (its controlling terminal unless told otherwise),
    stdin the pty or, given ``stdin_data``, a pipe holding it; ``q`` once ``ready_text`` is on
    screen (and the first frames have settled)."""
    return run_in_terminal(
        args,
        env=env,
        ready=lambda text: ready_text in text,
        keys=[0.5],
        timeout=timeout,
        program=[sys.executable, "-m", "explorer"],
        term=None,  # the test's own TERM, in env
        stdin_data=stdin_data,
        controlling_terminal=controlling_terminal,
    )


# -- keys after open - ----------------------------------------------------------------------


@pytest.mark.timeout(90)
def test_open_stdin_then_q_quits(tmp_path: Path) -> None:
    run = run_on_pty(
        ["open", "--no-animation", "-"],
        _env(tmp_path, TERM="xterm-256color"),
        stdin_data=SEED_JOB.read_bytes(),
    )
    assert run.ready, run.visible()[-2000:]
    assert run.returncode == 0, run.visible()[-2000:]
    assert run.exit_seconds is not None and run.exit_seconds < 10
    tail = run.output[run.output.rfind(b"\x1b[?1049h") :]
    assert ALT_SCREEN_OFF in tail  # the terminal got its screen back
    assert "Traceback" not in run.visible()


@pytest.mark.timeout(60)
def test_open_stdin_without_a_terminal_says_so(tmp_path: Path) -> None:
    run = run_on_pty(
        ["open", "-"],
        _env(tmp_path, TERM="xterm-256color"),
        stdin_data=SEED_JOB.read_bytes(),
        controlling_terminal=False,
        ready_text="never shown",
        timeout=30,
    )
    assert run.returncode == 2
    text = run.visible()
    assert "no terminal to read keys from" in text
    assert "Traceback" not in text
    assert b"\x1b[?1049h" not in run.output  # the app never started


# -- colours --------------------------------------------------------------------------------

_SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


def colors(output: bytes) -> list[tuple[str, tuple[int, ...]]]:
    """Every colour an SGR sequence sets: ("rgb", (r, g, b)), ("256", (n,)) or ("16", (code,))."""
    found: list[tuple[str, tuple[int, ...]]] = []
    for match in _SGR.finditer(output):
        params = [int(p) if p else 0 for p in match.group(1).replace(b":", b";").split(b";")]
        i = 0
        while i < len(params):
            p = params[i]
            if p in (38, 48) and i + 1 < len(params):
                if params[i + 1] == 2:
                    found.append(("rgb", tuple(params[i + 2 : i + 5])))
                    i += 5
                    continue
                if params[i + 1] == 5:
                    found.append(("256", tuple(params[i + 2 : i + 3])))
                    i += 3
                    continue
            if 30 <= p <= 37 or 40 <= p <= 47 or 90 <= p <= 97 or 100 <= p <= 107:
                found.append(("16", (p,)))
            i += 1
    return found


def _open_seed(tmp_path: Path, **env: str) -> Run:
    run = run_on_pty(["open", "--no-animation", str(SEED_JOB)], _env(tmp_path, **env))
    assert run.ready and run.returncode == 0, run.visible()[-2000:]
    return run


@pytest.mark.timeout(90)
def test_dumb_terminal_gets_no_24_bit_colour(tmp_path: Path) -> None:
    run = _open_seed(tmp_path, TERM="dumb")
    assert b"38;2;" not in run.output and b"48;2;" not in run.output
    kinds = {kind for kind, _ in colors(run.output)}
    assert kinds <= {"16"}  # at most the 16 standard colours


@pytest.mark.timeout(90)
def test_colorterm_truecolor_keeps_24_bit_colour_on_a_dumb_term(tmp_path: Path) -> None:
    run = _open_seed(tmp_path, TERM="dumb", COLORTERM="truecolor")
    assert b"38;2;" in run.output and b"48;2;" in run.output


@pytest.mark.timeout(90)
def test_no_color_sets_no_colour_at_all(tmp_path: Path) -> None:
    # Not Textual's grey shades either: a red FAILED turned dark grey on a dark background is
    # near-invisible. The terminal's own colours, with bold and reverse, stay readable.
    run = _open_seed(tmp_path, TERM="xterm-256color", COLORTERM="truecolor", NO_COLOR="1")
    assert colors(run.output) == []
    assert "COMPLETED" in run.visible()

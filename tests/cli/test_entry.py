"""The entry points: --help everywhere, --version, python -m explorer, the sim subcommand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from explorer import __version__
from explorer.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["sim", "--help"],
        ["open", "--help"],
        ["fields", "--help"],
        ["check", "--help"],
        ["diff", "--help"],
        ["export", "--help"],
        ["list", "--help"],
        ["get", "--help"],
        ["cancel", "--help"],
        ["delete", "--help"],
    ],
)
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage:" in out and "extract-explorer" in out


def test_version(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"extract-explorer {__version__}"


def test_python_dash_m_and_console_script() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "explorer", "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in out.stdout


def test_sim_runs_in_the_foreground_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "sim", "--port", "0", "--api-key", "k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = proc.stdout.readline()
        assert "LlamaCloud simulator on http://127.0.0.1:" in line
        url = line.split(" on ")[1].split()[0]
        response = httpx.get(f"{url}/api/v2/projects", headers={"Authorization": "Bearer k"})
        assert response.status_code == 200 and len(response.json()["items"]) >= 3
        assert httpx.get(f"{url}/api/v2/projects").status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    assert proc.returncode is not None
    assert "Traceback" not in proc.stderr.read()

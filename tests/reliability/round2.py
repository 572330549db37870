"""Helpers of the round-2 hostile-input tests: the CLI run in-process or in a bounded child
process, and job JSON written to files."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: A key that must never be printed.
KEY = "llx-ROUND2-secret-key-0f9e8d7c"
#: Address-space cap of a child process: a regression that reads a device forever fails with
#: MemoryError instead of taking the machine's memory (two suites share it).
CHILD_MEMORY = 3 << 30


@dataclass
class Result:
    """What one command run returned and wrote."""

    code: int
    out: str
    err: str


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key, no user config: file commands never open a connection."""
    for name in list(os.environ):
        if name.startswith(("LLAMA_", "EXTRACT_EXPLORER_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXTRACT_EXPLORER_CONFIG", str(tmp_path / "no-config.toml"))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """``extract-explorer ARGV`` in-process; checked for tracebacks and the key."""
    from explorer.cli import main

    code = main(list(argv))
    captured = capsys.readouterr()
    result = Result(code, captured.out, captured.err)
    assert "Traceback" not in result.err
    assert KEY not in result.out and KEY not in result.err
    return result


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def run_child(*argv: str, timeout: float = 30.0, env: dict[str, str] | None = None) -> Result:
    """``extract-explorer ARGV`` in a child process with a memory cap; fails the test (by
    ``subprocess.TimeoutExpired``) if it has not returned within ``timeout`` seconds."""
    proc = subprocess.run(
        [sys.executable, "-m", "explorer", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=_limit_memory,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in result.err, result.err
    return result


def child_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a child run: no key, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLAMA_", "EXTRACT_"))}
    env["EXTRACT_EXPLORER_CONFIG"] = str(tmp_path / "no-config.toml")
    return env


def job(job_id: str = "ext-round2", **extra: Any) -> dict[str, Any]:
    """A small finished job in the current shape."""
    return {
        "id": job_id,
        "created_at": "2026-05-01T10:00:00Z",
        "updated_at": "2026-05-01T10:00:30Z",
        "project_id": "prj-1",
        "status": "COMPLETED",
        "file_input": "dfl-1",
        "configuration": {"data_schema": {"type": "object"}, "extraction_target": "per_doc"},
        "extract_result": {"total": 1},
        **extra,
    }


def write(path: Path, value: Any) -> str:
    """Write ``value`` as JSON to ``path``; returns the path as a string."""
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def deep_json(depth: int, job_id: str = "ext-deep") -> str:
    """A job whose result nests ``depth`` arrays deep (no parser recursion to build it)."""
    text = json.dumps(job(job_id, extract_result=None))
    return text.replace('"extract_result": null', f'"extract_result": {"[" * depth}{"]" * depth}')

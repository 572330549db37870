"""Running one measurement in a fresh Python process, and the other end of that pipe.

A fresh process per run keeps runs independent (memory peaks, GC generations, warmed caches)
and keeps the simulator, which lives in the parent, off the measured process's GIL: a real
server is on another machine, not inside the explorer.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

#: The repository root: children run from it so ``python -m benchmarks.x`` resolves.
ROOT = Path(__file__).resolve().parent.parent

#: Generous: a slow CI machine must report slow numbers, not a harness crash.
DEFAULT_TIMEOUT = 600.0


class ChildError(RuntimeError):
    """A child process failed; carries the tail of its stderr."""


def child_env() -> dict[str, str]:
    """The environment a child runs in: a common modern terminal, demo mode, no devtools."""
    env = dict(os.environ)
    # Bytes written depend on the colour system: measure what most terminals get (truecolor).
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "PYTHONPATH": str(ROOT)})
    for name in ("NO_COLOR", "TEXTUAL", "TEXTUAL_COLOR_SYSTEM", "LLAMA_CLOUD_API_KEY"):
        env.pop(name, None)
    # Python caches compiled modules (__pycache__) after the first run, as on a user's machine;
    # an environment that forbids it would make every start compile the package again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("LLAMA_PARSE_API_KEY", None)
    return env


def run_child(
    module: str, args: Mapping[str, Any], timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """Run ``python -m benchmarks.<module> ARGS_JSON OUT_PATH`` and return what it wrote.

    The result travels through a file, not stdout: a Textual app that renders to a driver
    captures ``print`` while it runs.
    """
    # imported here: the start-up child imports this module and must stay light
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        args = {**args, "spawned_at": time.monotonic()}
        cmd = [sys.executable, "-m", f"benchmarks.{module}", json.dumps(args), str(out)]
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise ChildError(f"benchmarks.{module} timed out after {timeout:.0f} s") from exc
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-15:]
            raise ChildError(f"benchmarks.{module} exited {proc.returncode}: " + "\n".join(tail))
        return json.loads(out.read_text())


def child_main(measure: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """The entry point of a child: read the arguments, measure, write the result file."""
    args = json.loads(sys.argv[1])
    result = measure(args)
    Path(sys.argv[2]).write_text(json.dumps(result))

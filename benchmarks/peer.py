"""The peer figure: the big job's file opened in extract-explorer and in VisiData, side by side.

The simulator's big per_table_row job (the body the explorer receives, every expand) is saved
to a temporary file, then opened alternately, ``runs`` times each, with
``extract-explorer open FILE`` and ``vd FILE``, each in its own tmux session at 120x40 on a
private tmux server (its own socket, no config file, killed at the end). Both programs run from
this interpreter's scripts directory (no pyenv shim in front of either), with a temporary HOME
and XDG directories (no user config, no VisiData history) and no API key in their environment.

Per open:

- **time to data**: from launching the session to the first ``tmux capture-pane`` (polled every
  20 ms) with a line showing the first row's first two string values (their first 12
  characters: ``2025-12-03`` and ``AMAZON MKTPL`` for the simulator's job), i.e. that row in a
  table. Neither program shows a job's rows on opening its file, so once the job is listed (its
  id on screen) each is sent the keys of its shortest way to a table of the rows: the explorer
  ``3`` (the Results tab, whose tree shows ``row 0: {8 keys}`` lines, no values) and, once that
  tab's header shows, ``v`` (its table); VisiData ``c ^extract_result$ Enter`` then
  ``z Enter`` (to the column, its cell opened as a sheet of the rows);
- **peak RSS**: ``VmHWM`` of the program's process (the pane's process or, behind a shell, its
  first Python descendant), read once the screen has not changed for half a second, just before
  the session is killed.

``python -m benchmarks.peer [--rows N] [--runs K] [--timeout S] [--json]`` runs it alone; in
the harness it is the ``peer`` group, last (``--quick``: 2,000 rows; full: the 200,000-row,
~174 MB job).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.context import Context
    from benchmarks.report import Figure

#: The terminal size of every session (the snapshot size of the main views).
SIZE = (120, 40)
#: How often the screen is read while waiting.
POLL = 0.02
#: The screen unchanged this long counts as settled (then the peak RSS is read).
SETTLE_GAP = 0.5
#: The Results tab's header says this for a per_table_row job: ``v`` then shows the table.
TABLE_HINT = "v: tree / table"
#: Characters of a value the poll looks for: VisiData cuts a column's text at 18 or so.
MARK_CHARS = 12
#: Rows of the job in a ``--quick`` run (a full run uses the plan's big job, 200,000 rows).
QUICK_ROWS = 2_000
#: Rows of the untimed warm-up opens (bytecode caches written, both programs' files paged in).
WARM_ROWS = 50
#: The keys the explorer would use (with one, ``open`` still reads files only).
API_KEYS = ("LLAMA_CLOUD_API_KEY", "LLAMA_PARSE_API_KEY")
#: Environment variables the launched programs must not see.
SCRUBBED = (
    *API_KEYS,
    "LLAMA_CLOUD_BASE_URL",
    "LLAMA_CLOUD_PROJECT_ID",
    "LLAMA_CLOUD_ORGANIZATION_ID",
    "LLAMA_CLOUD_CUSTOM_HEADERS",
    "EXTRACT_EXPLORER_CONFIG",
    "EXTRACT_EXPLORER_PROFILE",
    "TMUX",
    "TMUX_PANE",
    "NO_COLOR",
    "TEXTUAL",
    "TEXTUAL_COLOR_SYSTEM",
    "PYTHONDONTWRITEBYTECODE",
)


@dataclass(frozen=True)
class Step:
    """Keys to send once a text is on screen."""

    #: What must be on screen first; None: the job listed (:attr:`Marks.job`).
    after: str | None
    #: ``tmux send-keys`` argument lists, sent in turn.
    keys: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Tool:
    """One program that opens the file, and the keys that bring the job's rows on screen."""

    name: str
    #: The command line, the file's path appended.
    argv: tuple[str, ...]
    #: In order, each once its text shows.
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Marks:
    """What the poll looks for: the job listed, and the first row's data shown."""

    #: The job id's first 10 characters: the explorer's tree and VisiData's row both show it.
    job: str
    #: The first row's first two string values, each cut to :data:`MARK_CHARS`: one screen line
    #: showing both is that row in a table (a field pane showing one value is not).
    row: tuple[str, ...]

    def shows_row(self, text: str) -> bool:
        """Whether a line of ``text`` shows the first row."""
        return any(all(value in line for value in self.row) for line in text.splitlines())

    @property
    def row_text(self) -> str:
        return " + ".join(repr(value) for value in self.row)


@dataclass(frozen=True)
class Opened:
    """One open of the file in one program."""

    #: Launch to the job listed (the keys were sent then).
    ready_s: float
    #: Launch to the first row's value on screen.
    data_s: float
    #: Launch to each step's keys sent (its text seen).
    steps_s: tuple[float, ...]
    #: VmHWM of the program's process, read after the screen settled.
    peak_kb: int
    #: Data on screen to settled.
    settle_s: float


def script(name: str) -> str | None:
    """An installed program: this interpreter's own, else the first on PATH."""
    here = Path(sysconfig.get_path("scripts")) / name
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which(name)


def explorer_tool() -> Tool:
    """``extract-explorer open FILE``, then ``3`` (the Results tab) and ``v`` (its table)."""
    found = script("extract-explorer")
    argv = (found, "open") if found else (sys.executable, "-m", "explorer", "open")
    # the Results tab's tree shows "row 0: {8 keys}" lines, no values; its table shows them
    return Tool("explorer", argv, (Step(None, (("3",),)), Step(TABLE_HINT, (("v",),))))


def visidata_tool() -> Tool | None:
    """``vd FILE``, then the extract_result column's cell opened as a sheet; None if absent."""
    found = script("vd")
    if found is None:
        return None
    keys = (("c",), ("-l", "^extract_result$"), ("Enter",), ("z", "Enter"))
    return Tool("VisiData", (found,), (Step(None, keys),))


def row_marker(row: dict[str, Any]) -> tuple[str, ...]:
    """The first two string values of 4 characters or more, cut to :data:`MARK_CHARS`."""
    values = [v.strip() for v in row.values() if isinstance(v, str) and len(v.strip()) >= 4]
    if not values:
        raise ValueError(f"no string value in the first row to look for: {row!r}"[:200])
    return tuple(value[:MARK_CHARS] for value in values[:2])


def marks_of(job: dict[str, Any]) -> Marks:
    """What the poll looks for in this job."""
    rows = job.get("extract_result")
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
        raise ValueError("the job has no rows (a per_table_row job's extract_result)")
    return Marks(str(job["id"])[:10], row_marker(rows[0]))


def launch_env(home: Path) -> dict[str, str]:
    """The programs' environment: no API key, no user config (HOME and XDG under ``home``)."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env["HOME"] = str(home)
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        path = home / name.removeprefix("XDG_").removesuffix("_HOME").lower()
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    return env


class Tmux:
    """A private tmux server (``-L`` socket of its own, no config file) for one run."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"bench-peer-{os.getpid()}-{time.monotonic_ns() % 1_000_000}"
        self.env = env

    def __call__(self, *args: str, check: bool = True) -> str:
        """``tmux -L SOCKET ARGS``; its stdout. A failure raises with tmux's stderr."""
        cmd = ["tmux", "-L", self.socket, "-f", "/dev/null", *args]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=30)
        if check and proc.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:2])}: {proc.stderr.strip()}")
        return proc.stdout

    def start(self) -> None:
        """Start the server: no status line (the pane is the whole 120x40), dead panes kept."""
        self("start-server", ";", "set", "-g", "exit-empty", "off")
        self("set", "-g", "status", "off", ";", "set", "-g", "remain-on-exit", "on")

    def kill(self) -> None:
        """Stop the server and remove its socket."""
        self("kill-server", check=False)
        base = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (base / self.socket).unlink(missing_ok=True)

    def screen(self, session: str) -> tuple[str, bool]:
        """The pane's text, and whether its program has exited (one tmux call)."""
        out = self(
            "capture-pane", "-p", "-t", session, ";", "display", "-p", "-t", session, "#{pane_dead}"
        )
        text, _, dead = out.rstrip("\n").rpartition("\n")
        return text, dead.strip() == "1"


@contextmanager
def tmux_server(env: dict[str, str]) -> Iterator[Tmux]:
    """A started private tmux server, killed at the end whatever happens."""
    tmux = Tmux(env)
    try:
        tmux.start()
        yield tmux
    finally:
        tmux.kill()


def children(pid: int) -> list[int]:
    """The pid's child processes (``/proc/PID/task/*/children``, else a scan of ``/proc``)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return [int(p) for task in tasks for p in (task / "children").read_text().split()]
    except OSError:
        pass
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def is_python(pid: int) -> bool:
    """Whether the process runs a Python interpreter (its executable is ``python*``)."""
    try:
        return Path(os.readlink(f"/proc/{pid}/exe")).name.startswith("python")
    except OSError:
        return False


def program_pid(pane_pid: int) -> int:
    """The program behind a pane: the pane's process, or its first Python descendant."""
    todo = [pane_pid]
    while todo:
        pid = todo.pop(0)
        if is_python(pid):
            return pid
        todo += children(pid)
    return pane_pid


def peak_kb(pid: int) -> int:
    """VmHWM (peak resident set) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def open_once(
    tmux: Tmux, session: str, tool: Tool, path: Path, marks: Marks, timeout: float
) -> Opened:
    """Open ``path`` with ``tool`` in a new session; time it, read its peak; kill the session."""
    width, height = SIZE
    unset = [arg for name in API_KEYS for arg in ("-u", name)]
    command = "exec " + shlex.join(["env", *unset, *tool.argv, str(path)])
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), command)
    try:
        ready: float | None = None
        steps = list(tool.steps)
        sent: list[float] = []
        while True:
            text, dead = tmux.screen(session)
            now = time.perf_counter() - start
            if marks.shows_row(text):
                break
            if dead:
                raise RuntimeError(f"{tool.name} exited before showing the rows:\n{text.strip()}")
            if ready is None and marks.job in text:
                ready = now
            if steps and (marks.job if steps[0].after is None else steps[0].after) in text:
                sent.append(now)
                for keys in steps.pop(0).keys:
                    tmux("send-keys", "-t", session, *keys)
            if now > timeout:
                raise TimeoutError(
                    f"{tool.name}: no {marks.row_text} on screen within {timeout:.0f} s; "
                    f"the screen:\n{text.rstrip()}"
                )
            time.sleep(POLL)
        data = now
        settle = _settle(tmux, session, text, timeout)
        pid = program_pid(int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip()))
        peak = peak_kb(pid)
    finally:
        tmux("kill-session", "-t", session, check=False)
    return Opened(data if ready is None else ready, data, tuple(sent), peak, settle)


def _settle(tmux: Tmux, session: str, text: str, timeout: float) -> float:
    """Wait until the screen has not changed for SETTLE_GAP s (at most ``timeout``); seconds."""
    start = time.perf_counter()
    changed = start
    while time.perf_counter() - changed < SETTLE_GAP and time.perf_counter() - start < timeout:
        time.sleep(POLL)
        now_text, dead = tmux.screen(session)
        if dead:
            raise RuntimeError(f"the program exited after showing the rows:\n{now_text.strip()}")
        if now_text != text:
            text, changed = now_text, time.perf_counter()
    return time.perf_counter() - start


def missing_prerequisite() -> str | None:
    """Why the peer figures cannot be measured here, or None."""
    if shutil.which("tmux") is None:
        return "tmux not found (apt-get install tmux)"
    if visidata_tool() is None:
        return "pip install visidata"
    return None


def job_body(rows: int) -> bytes:
    """The body of a simulator's big per_table_row job of ``rows`` rows (its own simulator)."""
    from benchmarks.simhost import fetch_job_bytes, serving, warm_big_job
    from explorer.sim import SimConfig

    with serving(SimConfig(big_rows=rows)) as server:
        big = warm_big_job(server)
        return fetch_job_bytes(big.url, big.job_id, big.project_id)


def measure(
    body: bytes,
    runs: int,
    *,
    timeout: float = 600.0,
    warm: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Save ``body`` to a file and open it ``runs`` times with each program, alternately.

    ``warm``: first open a small job once with each, untimed (bytecode caches written, the
    programs' files paged in), so the first timed run is not the odd one out.
    """
    import orjson

    job = orjson.loads(body)
    marks = marks_of(job)
    rows = len(job["extract_result"])
    del job
    explorer, visidata = explorer_tool(), visidata_tool()
    if visidata is None:
        raise RuntimeError("VisiData is not installed (pip install visidata)")
    warm_body = job_body(WARM_ROWS) if warm else b""
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        home = Path(tmp) / "home"
        path, warm_path = Path(tmp) / "job.json", Path(tmp) / "warm.json"
        path.write_bytes(body)
        warm_path.write_bytes(warm_body)
        results: dict[str, list[Opened]] = {explorer.name: [], visidata.name: []}
        with tmux_server(launch_env(home)) as tmux:
            if warm:
                warm_marks = marks_of(orjson.loads(warm_body))
                for tool in (visidata, explorer):
                    open_once(tmux, f"warm-{tool.name}", tool, warm_path, warm_marks, 60.0)
            for run in range(runs):
                for tool in (visidata, explorer):
                    opened = open_once(tmux, f"{tool.name}-{run}", tool, path, marks, timeout)
                    results[tool.name].append(opened)
                    if progress is not None:
                        progress(
                            f"  {tool.name}: data on screen {opened.data_s:.2f} s "
                            f"(listed {opened.ready_s:.2f} s), peak {opened.peak_kb / 1024:.0f} MB"
                        )
    return {
        "rows": rows,
        "bytes": len(body),
        "marks": marks,
        "explorer": results[explorer.name],
        "visidata": results[visidata.name],
    }


def figures(measured: dict[str, Any]) -> list[Figure]:
    """The six peer figures from :func:`measure`'s result."""
    from benchmarks.report import Figure
    from benchmarks.stats import median, min_ratio, minimum

    ours: list[Opened] = measured["explorer"]
    theirs: list[Opened] = measured["visidata"]
    marks: Marks = measured["marks"]
    size = f"{measured['bytes'] / 1e6:.1f} MB job file, {measured['rows']:,} rows"
    n = len(ours)
    t_ours, t_theirs = [o.data_s for o in ours], [o.data_s for o in theirs]
    m_ours = [o.peak_kb / 1024 for o in ours]
    m_theirs = [o.peak_kb / 1024 for o in theirs]
    t_ratios = [a / b for a, b in zip(t_ours, t_theirs, strict=True)]
    m_ratios = [a / b for a, b in zip(m_ours, m_theirs, strict=True)]

    def listed(opens: list[Opened]) -> str:
        steps = range(max(len(o.steps_s) for o in opens))
        sent = [median([o.steps_s[i] for o in opens if len(o.steps_s) > i]) for i in steps]
        keys = " and ".join(f"{t:.2f} s" for t in sent)
        ready = median([o.ready_s for o in opens])
        return f"medians: job listed at {ready:.2f} s, keys sent at {keys}"

    how = (
        f"tmux 120x40, launch to the first capture-pane with a line showing the first row's "
        f"{marks.row_text}, "
        f"polled every {POLL * 1000:.0f} ms"
    )
    return [
        Figure(
            "peer",
            f"peer, {size}: explorer, launch to the first row on screen",
            median(t_ours),
            "s",
            samples=t_ours,
            note=f"extract-explorer open FILE, then '3' (Results) once the job is listed and 'v' "
            f"(its table) once the tab shows; {how}; "
            f"{listed(ours)}; median of {n}",
        ),
        Figure(
            "peer",
            f"peer, {size}: VisiData, launch to the first row on screen",
            median(t_theirs),
            "s",
            samples=t_theirs,
            note=f"vd FILE, then 'c ^extract_result$ Enter z Enter' (the rows as a sheet) once "
            f"the job's row shows; {listed(theirs)}; median of {n}, each just before the "
            "explorer's",
        ),
        Figure(
            "peer",
            "peer: explorer / VisiData, time to the first row (ratio)",
            median(t_ratios),
            "x",
            target=0.25,
            samples=t_ratios,
            min_value=min_ratio(t_ours, t_theirs),
            note=f"median of {n} per-run ratios; min: the explorer's fastest over VisiData's "
            f"(the smallest per-run ratio {minimum(t_ratios):.2f}x)",
        ),
        Figure(
            "peer",
            f"peer, {size}: explorer peak RSS",
            median(m_ours),
            "MB",
            samples=m_ours,
            note="VmHWM of the program's process once the screen was still for "
            f"{SETTLE_GAP:g} s after the rows showed (median settle "
            f"{median([o.settle_s for o in ours]):.1f} s)",
        ),
        Figure(
            "peer",
            f"peer, {size}: VisiData peak RSS",
            median(m_theirs),
            "MB",
            samples=m_theirs,
            note=f"the same (median settle {median([o.settle_s for o in theirs]):.1f} s)",
        ),
        Figure(
            "peer",
            "peer: explorer / VisiData, peak RSS (ratio)",
            median(m_ratios),
            "x",
            target=0.5,
            samples=m_ratios,
            min_value=min_ratio(m_ours, m_theirs),
            note=f"median of {n} per-run ratios; min: the explorer's smallest over VisiData's",
        ),
    ]


#: The figures' titles when they cannot be measured (a prerequisite is missing).
SKIPPED = (
    ("peer: explorer, launch to the first row on screen", "s", None),
    ("peer: VisiData, launch to the first row on screen", "s", None),
    ("peer: explorer / VisiData, time to the first row (ratio)", "x", 0.25),
    ("peer: explorer peak RSS", "MB", None),
    ("peer: VisiData peak RSS", "MB", None),
    ("peer: explorer / VisiData, peak RSS (ratio)", "x", 0.5),
)


def skipped(reason: str) -> list[Figure]:
    """The six figures, skipped for ``reason``."""
    from benchmarks.report import Figure

    return [
        Figure("peer", title, None, unit, target=target, status="skipped", note=reason)
        for title, unit, target in SKIPPED
    ]


def run(ctx: Context) -> list[Figure]:
    """Harness side: ``--quick`` on a 2,000-row job of its own; full, the plan's big job."""
    reason = missing_prerequisite()
    if reason is not None:
        return skipped(reason)
    if ctx.plan.quick:
        body = job_body(QUICK_ROWS)
    else:
        from benchmarks.simhost import fetch_job_bytes

        big = ctx.big_job()
        body = fetch_job_bytes(big.url, big.job_id, big.project_id)
    runs = 2 if ctx.plan.quick else 3
    return figures(measure(body, runs, timeout=120.0 if ctx.plan.quick else 600.0))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.peer [--rows N] [--runs K] [--json]``."""
    import argparse
    import json

    from benchmarks.machine import hardware, hardware_line
    from benchmarks.report import render_table

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peer",
        description="The big per_table_row job's file opened in extract-explorer and in VisiData.",
    )
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the job (200000)")
    parser.add_argument("--runs", type=int, default=3, help="opens per program (3)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per open (600)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.runs < 1:
        parser.error("--rows and --runs must be at least 1")

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    reason = missing_prerequisite()
    start = time.perf_counter()
    if reason is not None:
        produced = skipped(reason)
    else:
        progress(f"building the {args.rows:,}-row job …")
        body = job_body(args.rows)
        progress(f"opening {len(body) / 1e6:.1f} MB, {args.runs} times with each program …")
        produced = figures(measure(body, args.runs, timeout=args.timeout, progress=progress))
    info = hardware()
    if args.json:
        out = {"hardware": info, "figures": [f.to_json() for f in produced]}
        print(json.dumps(out, indent=2))
    else:
        header = f"extract-explorer vs VisiData ({time.perf_counter() - start:.0f} s)"
        print(render_table(produced, hardware_line(info), header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

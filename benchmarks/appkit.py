"""Building the explorer against a simulator URL, and the measuring moves every figure shares."""

from __future__ import annotations

import asyncio
import gc
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from benchmarks.frames import FrameLog, counting_driver
from explorer.api.client import ExtractClient
from explorer.core.source import ApiJobSource
from explorer.settings import Settings
from explorer.tui.app import ExplorerApp

#: Pause after a press's first frame: Pilot.press already waits for the app to go idle, and this
#: keeps a late follow-up frame (~30 presses a second is real key repeat) out of the next window.
KEY_GAP = 0.03


def build_app(
    base_url: str,
    log: FrameLog | None = None,
    *,
    job_id: str | None = None,
    source: ApiJobSource | None = None,
    **settings: Any,
) -> ExplorerApp:
    """The app as ``run_app`` builds it in demo mode, its frames going to ``log`` if given."""
    client = source.client if source is not None else ExtractClient("bench-key", base_url)
    values: dict[str, Any] = {"animation": False, "base_url": base_url}
    values.update(settings)
    app = ExplorerApp(
        Settings(**values),
        source or ApiJobSource(client),
        job_id=job_id,
        demo_url=base_url,
        on_close=client.aclose,
    )
    if log is not None:
        app.driver_class = counting_driver(log)
    return app


async def drive(
    app: ExplorerApp,
    size: tuple[int, int],
    script: Callable[[Pilot[Any]], Awaitable[dict[str, Any]]],
    *,
    frames: bool = True,
) -> dict[str, Any]:
    """Run ``script`` against the app and return what it measured.

    An exception the app raises while shutting down, after ``script`` finished, does not throw
    the measurements away: it is returned as ``teardown_error`` for the report to show.
    """
    result: dict[str, Any] | None = None
    try:
        async with app.run_test(headless=not frames, size=size) as pilot:
            result = await script(pilot)
    except Exception as exc:
        if result is None:
            raise
        result["teardown_error"] = f"{type(exc).__name__}: {exc}"
    assert result is not None
    return result


async def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    """Let the app run until ``condition()`` holds; TimeoutError names what never happened."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not within {timeout:.0f} s: {what or condition}")
        await asyncio.sleep(0.01)


async def wait_started(app: ExplorerApp, timeout: float = 60.0) -> None:
    """Wait until the first project's jobs are in the tree and the first job is shown."""

    def ready() -> bool:
        job = app.main.panes.job_id
        return bool(app.main.tree._job_nodes) and job is not None and job in app.store.details

    await wait_for(ready, timeout, "first page loaded and first job shown")


@dataclass
class KeyTimes:
    """Per-press latency (press to the first frame written) and bytes written per press."""

    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)


async def time_keys(
    pilot: Pilot[Any],
    log: FrameLog,
    key: str,
    count: int,
    *,
    gap: float = KEY_GAP,
    settle: float | None = None,
    before: Callable[[], None] | None = None,
) -> KeyTimes:
    """Press ``key`` ``count`` times; time each to its first frame, count its bytes.

    With ``settle`` each press waits for the terminal to be quiet for that long, so the bytes
    include the follow-up frames (a pane updating after the cursor message) but the next press
    never overlaps.
    """
    times = KeyTimes()
    for _ in range(count):
        if before is not None:
            before()
        mark = log.mark()
        start = time.perf_counter()
        await pilot.press(key)
        frame = await log.next_frame(mark)
        times.latencies.append(frame.at - start)
        if settle is not None:
            await log.quiet(settle)
        else:
            await asyncio.sleep(gap)
        times.sizes.append(log.bytes_since(mark))
    return times


def memory_kb() -> dict[str, int]:
    """This process's resident memory now and its peak (kB), from /proc/self/status."""
    values: dict[str, int] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    if "VmHWM" not in values:
        values["VmHWM"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    values.setdefault("VmRSS", values["VmHWM"])
    return values


def reset_peak_memory() -> bool:
    """Restart the peak (VmHWM) from the current RSS, so a later peak is this step's alone."""
    gc.collect()
    try:
        # "5" resets the peak RSS (Linux >= 4.0); allowed on one's own process
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False

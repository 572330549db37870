"""What every figure shares: the result record, medians, timing, a simulator, the app."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured figure and its target."""

    name: str
    value: str
    target: str
    met: bool | None
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def hardware_line() -> str:
    """CPU model, cores, RAM, Python and Textual versions."""
    import os

    import textual

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram}, Python {platform.python_version()}, "
        f"Textual {textual.__version__}"
    )


def sim_app(sim, **kw: Any):
    """The explorer wired to a simulator through the real client (as the tests do)."""
    from explorer.api.client import ExtractClient
    from explorer.core.source import ApiJobSource
    from explorer.settings import Settings
    from explorer.tui.app import ExplorerApp

    client = ExtractClient("bench-key", sim.url)
    settings = Settings(animation=False, **kw.pop("settings", {}))
    return ExplorerApp(settings, ApiJobSource(client), on_close=client.aclose, **kw)


async def wait_until(pilot, condition: Callable[[], object], timeout: float = 60.0) -> float:
    """Poll the app until ``condition()``; returns the seconds it took."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if condition():
            return time.perf_counter() - start
        await pilot.pause(0.002)
    raise TimeoutError("condition not met")


async def key_latency(app, key: str, timeout: float = 5.0) -> float:
    """Seconds from a key press to the end of the screen update it causes.

    Pilot.press waits for the whole process to go idle, which measures the harness, not the
    app; here the clock stops when the compositor has painted the change.
    """
    import asyncio

    screen = app.screen
    done = asyncio.Event()
    original = screen._compositor_refresh

    def refreshed() -> None:
        original()
        done.set()

    screen._compositor_refresh = refreshed  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        app.simulate_key(key)
        await asyncio.wait_for(done.wait(), timeout)
        return time.perf_counter() - start
    finally:
        screen._compositor_refresh = original  # type: ignore[method-assign]

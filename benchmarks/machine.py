"""The hardware line printed above every table: numbers mean little without the machine."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except (OSError, ValueError, IndexError):
        pass
    return None


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return "not installed"


def hardware() -> dict[str, object]:
    """CPU model, cores, RAM, and the versions that decide the numbers."""
    ram = _ram_gib()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(ram, 1) if ram is not None else None,
        "python": platform.python_version(),
        "textual": _version("textual"),
        "httpx": _version("httpx"),
        "orjson": _version("orjson"),
        "llama-cloud": _version("llama-cloud"),
        "platform": platform.platform(terse=True),
    }


def hardware_line(info: dict[str, object]) -> str:
    """``AMD EPYC, 2 cores, 23.4 GiB RAM, Python 3.11.7, Textual 8.2.8`` and friends."""
    ram = f"{info['ram_gib']} GiB RAM" if info.get("ram_gib") is not None else "RAM unknown"
    return (
        f"{info['cpu']}, {info['cores']} cores, {ram}, Python {info['python']}, "
        f"Textual {info['textual']}, httpx {info['httpx']}, orjson {info['orjson']}, "
        f"llama-cloud {info['llama-cloud']} ({info['platform']})"
    )

"""Knobs of the simulator: the world it builds and the faults it injects."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

SHAPES = ("current", "seed")
# what an API key can see (explorer.sim.around explains each)
KEY_KINDS = ("user", "organization", "project")


@dataclass
class Faults:
    """Network and server trouble injected per request.

    Tests flip these from another thread while the server runs, so every write goes through a
    lock and the middleware reads a consistent `snapshot()` once per request.
    """

    latency_ms: int = 0
    error_rate: float = 0.0
    rate_limit: float = 0.0
    garble_rate: float = 0.0
    reset_rate: float = 0.0
    down: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lock", threading.Lock())

    def __setattr__(self, name: str, value: object) -> None:
        lock = self.__dict__.get("_lock")
        if lock is None:  # still inside __init__
            object.__setattr__(self, name, value)
            return
        with lock:
            object.__setattr__(self, name, value)

    def snapshot(self) -> Faults:
        """A consistent copy of the current settings."""
        with self.__dict__["_lock"]:
            return replace(self)

    def update(self, **changes: object) -> None:
        """Change several settings at once (atomically with respect to `snapshot`)."""
        names = {f.name for f in fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise TypeError(f"unknown fault settings: {sorted(unknown)}")
        with self.__dict__["_lock"]:
            for name, value in changes.items():
                object.__setattr__(self, name, value)

    def clear(self) -> None:
        """Back to a healthy server."""
        self.update(**{f.name: f.default for f in fields(self)})

    @property
    def active(self) -> bool:
        """Whether any fault is switched on."""
        s = self.snapshot()
        return bool(
            s.latency_ms or s.error_rate or s.rate_limit or s.garble_rate or s.reset_rate or s.down
        )


@dataclass
class SimConfig:
    """Everything that decides what the simulated LlamaCloud looks like and how it behaves."""

    seed: int = 7
    shape: str = "current"
    job_seconds: float = 5.0
    api_key: str | None = None
    now: datetime | None = None
    clock: Callable[[], float] = time.time
    big_rows: int = 50_000
    running_jobs: int = 0
    bulk_jobs: int = 0
    key_kind: str = "user"
    faults: Faults = field(default_factory=Faults)

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, not {self.shape!r}")
        if self.key_kind not in KEY_KINDS:
            raise ValueError(f"key_kind must be one of {KEY_KINDS}, not {self.key_kind!r}")
        if self.job_seconds <= 0:
            raise ValueError("job_seconds must be positive")

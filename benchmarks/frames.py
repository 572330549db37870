"""Seeing what reaches the terminal: a driver that renders like a real one and counts bytes.

Textual's headless driver skips turning frames into escape sequences (``App._display`` returns
early when ``is_headless``), so it can neither show when a frame was really written nor how big
it was. :func:`counting_driver` makes a driver that says it is not headless, so every frame is
encoded exactly as for a terminal, and hands each write to a :class:`FrameLog` instead of a tty.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from textual.drivers.headless_driver import HeadlessDriver


@dataclass(frozen=True)
class Frame:
    """One write to the terminal: when (``perf_counter``) and how many UTF-8 bytes."""

    at: float
    size: int


@dataclass
class _Watch:
    predicate: Callable[[], bool]
    future: asyncio.Future[float]


@dataclass
class FrameLog:
    """Every write the app made, plus waiters for "the next frame" and "the first frame where"."""

    frames: list[Frame] = field(default_factory=list)
    #: Called with each frame as it is written (e.g. to stop the app at the first useful one).
    on_frame: Callable[[Frame], None] | None = None
    _watches: list[_Watch] = field(default_factory=list)
    _waiters: list[tuple[int, asyncio.Future[Frame]]] = field(default_factory=list)

    def record(self, data: str) -> None:
        """Called by the driver for each write (on the app's event loop)."""
        frame = Frame(time.perf_counter(), len(data.encode("utf-8", "surrogateescape")))
        self.frames.append(frame)
        index = len(self.frames) - 1
        if self.on_frame is not None:
            self.on_frame(frame)
        for waiter in list(self._waiters):
            after, future = waiter
            if index >= after:
                self._waiters.remove(waiter)
                if not future.done():
                    future.set_result(frame)
        for watch in list(self._watches):
            # The predicate runs at write time: the frame being written is the one that shows it.
            if watch.predicate():
                self._watches.remove(watch)
                if not watch.future.done():
                    watch.future.set_result(frame.at)

    def mark(self) -> int:
        """A position in the log: frames from here on are "after" it."""
        return len(self.frames)

    def bytes_since(self, mark: int) -> int:
        """Bytes written since ``mark``."""
        return sum(frame.size for frame in self.frames[mark:])

    async def next_frame(self, mark: int, timeout: float = 10.0) -> Frame:
        """The first frame written at or after ``mark`` (waits for it)."""
        if len(self.frames) > mark:
            return self.frames[mark]
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._waiters.append((mark, future))
        return await asyncio.wait_for(future, timeout)

    def watch(self, predicate: Callable[[], bool]) -> asyncio.Future[float]:
        """A future for the time of the first frame written while ``predicate()`` holds."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._watches.append(_Watch(predicate, future))
        return future

    async def quiet(self, gap: float = 0.1, timeout: float = 10.0) -> None:
        """Wait until nothing has been written for ``gap`` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            last = self.frames[-1].at if self.frames else 0.0
            wait = last + gap - time.perf_counter()
            if wait <= 0:
                return
            await asyncio.sleep(wait)


def counting_driver(log: FrameLog) -> type[HeadlessDriver]:
    """A driver class that encodes frames like a terminal driver and logs them in ``log``."""

    class CountingDriver(HeadlessDriver):
        @property
        def is_headless(self) -> bool:
            # False makes App._display render escape sequences and call write().
            return False

        def write(self, data: str) -> None:
            log.record(data)

    return CountingDriver

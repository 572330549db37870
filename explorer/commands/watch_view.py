"""What ``watch`` shows: the watched jobs, and three ways to show them as they change.

- :class:`TerminalView` (stdout is a terminal): one line per job, redrawn in place (cursor up,
  clear line); the cursor is hidden while watching and shown again however the watch ends.
- :class:`LineView` (a pipe or a file): one line per change of a job's status, never the same
  line twice.
- :class:`JsonView` (``--json``): one JSON object per change (JSON Lines), then a summary.

Every string from the server passes through :func:`explorer.commands.output.cell`.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from explorer.api.models import ExtractJob
from explorer.commands import output
from explorer.core.present import elapsed_since, humanize_duration, short_id, status_style

__all__ = ["JsonView", "LineView", "TerminalView", "View", "Watched", "make_view"]

#: What a job that vanished mid-watch is called on screen.
GONE = "GONE"
_ERROR_WIDTH = 80
_CURSOR_UP = "\x1b[{n}A"
_CLEAR_LINE = "\r\x1b[2K"
_HIDE_CURSOR = "\x1b[?25l"
_SHOW_CURSOR = "\x1b[?25h"


@dataclass
class Watched:
    """One watched job: its id, its project, its latest copy, and the status it had before."""

    id: str
    project_id: str | None
    job: ExtractJob | None = None
    previous: str | None = None
    #: Asked for by id and not returned: deleted (or moved) while watched.
    gone: bool = False

    @property
    def status(self) -> str | None:
        """The job's status as last seen (None once it is gone)."""
        return None if self.gone or self.job is None else self.job.status

    @property
    def final(self) -> bool:
        """Whether there is nothing more to wait for: a terminal status, or gone."""
        return self.gone or (self.job is not None and self.job.is_terminal)

    def running_seconds(self, now: datetime | None = None) -> float | None:
        """Created to finished for a terminal job; created to now for one still going."""
        job = self.job
        if job is None:
            return None
        if job.is_terminal:
            return job.duration_seconds
        return elapsed_since(job.created_at, now or datetime.now(UTC))

    @property
    def pages(self) -> int | None:
        """Pages billed (or extracted), when the server says."""
        return (self.job.pages_billed or None) if self.job is not None else None

    def line(self, now: datetime | None = None) -> str:
        """The job as one terminal-safe line: short id, glyph and status, time, pages, error."""
        ident = output.cell(short_id(self.id), 20)
        if self.gone:
            return f"{ident}  ✘ {GONE}  not found any more (deleted?)"
        status = self.status or "?"
        glyph, _ = status_style(status)
        parts = [ident, f"{glyph} {output.cell(status, 24)}"]
        seconds = self.running_seconds(now)
        clock = humanize_duration(seconds)
        parts.append(clock if self.final else f"◷ {clock}")
        pages = self.pages
        if pages is not None:
            parts.append(f"{pages:,} page{'s' if pages != 1 else ''}")
        error = self.job.error_message if self.job is not None else None
        if error and self.final:
            parts.append(output.cell(error, _ERROR_WIDTH))
        return "  ".join(parts)

    def change(self) -> dict[str, Any]:
        """The job's latest change as data (one ``--json`` line)."""
        job = self.job
        seconds = self.running_seconds()
        return {
            "event": "change",
            "id": self.id,
            "status": self.status,
            "previous_status": self.previous,
            "gone": self.gone,
            "running_seconds": None if seconds is None else round(seconds, 3),
            "pages": self.pages,
            "error_message": job.error_message if job is not None and not self.gone else None,
        }


class View(Protocol):
    """How ``watch`` shows its jobs."""

    def show(self, watched: Sequence[Watched], changed: Sequence[Watched]) -> None:
        """After a check: every watched job, and those whose status changed in it."""
        ...

    def close(self, summary: dict[str, Any] | None) -> None:
        """The watch is over (``summary`` is None when it was interrupted)."""
        ...


class TerminalView:
    """Lines redrawn in place on a terminal."""

    def __init__(self) -> None:
        self._drawn = 0
        self._hidden = False

    def show(self, watched: Sequence[Watched], changed: Sequence[Watched]) -> None:
        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        now = datetime.now(UTC)
        # cut to the width: a wrapped line would throw the cursor-up count off
        lines = [output.fit(w.line(now), width) for w in watched]
        parts = []
        if not self._hidden:
            parts.append(_HIDE_CURSOR)
            self._hidden = True
        if self._drawn:
            parts.append(_CURSOR_UP.format(n=self._drawn))
        parts.extend(f"{_CLEAR_LINE}{line}\n" for line in lines)
        output.write_out("".join(parts), end="")
        self._drawn = len(lines)
        _flush()

    def close(self, summary: dict[str, Any] | None) -> None:
        if self._hidden:
            output.write_out(_SHOW_CURSOR, end="")
            self._hidden = False
            _flush()


class LineView:
    """A line per change, for pipes and files."""

    def __init__(self) -> None:
        self._printed: set[str] = set()

    def show(self, watched: Sequence[Watched], changed: Sequence[Watched]) -> None:
        for w in changed:
            line = w.line()
            if line not in self._printed:
                self._printed.add(line)
                output.write_out(line)
        _flush()

    def close(self, summary: dict[str, Any] | None) -> None:
        return None


class JsonView:
    """JSON Lines: an object per change, and a summary at the end."""

    def show(self, watched: Sequence[Watched], changed: Sequence[Watched]) -> None:
        for w in changed:
            output.write_out(output.json_text(w.change(), indent=None))
        _flush()

    def close(self, summary: dict[str, Any] | None) -> None:
        if summary is not None:
            output.write_out(output.json_text(summary, indent=None))
            _flush()


def make_view(json_lines: bool) -> View:
    """The view for ``--json``, a terminal, or anything else."""
    if json_lines:
        return JsonView()
    if output.stdout_is_terminal():
        return TerminalView()
    return LineView()


def _flush() -> None:
    # a closed stdout is nothing to flush; a closed pipe (BrokenPipeError) is the command's
    with contextlib.suppress(ValueError):
        sys.stdout.flush()

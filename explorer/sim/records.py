"""A job as the simulator stores it, and how its status moves with time.

A job keeps a timeline of `(relative time, status)` phases; its status at any moment is the last
phase that has begun. Nothing runs in the background: every read asks the clock.

Magic document ids (the substring anywhere in `file_input`) steer jobs created through the API:

- `fail`     -> ends FAILED with a realistic `error_message`
- `slow`     -> takes ten times `job_seconds`
- `throttle` -> sits in THROTTLED for `job_seconds` before it is queued
- `unknown`  -> ends in `NEEDS_REVIEW`, a status the API never documented
- `hold`     -> goes PENDING -> RUNNING as usual, then stays RUNNING until it is cancelled (its
  timeline ends `HOLD_SECONDS`, a day, later), so a test can count on a job that is still running

The words combine: `throttle-hold` is THROTTLED, then PENDING, then held RUNNING.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PENDING = "PENDING"
THROTTLED = "THROTTLED"
RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
CANCELLED = "CANCELLED"
NEEDS_REVIEW = "NEEDS_REVIEW"

LIST_STATUSES = (PENDING, THROTTLED, RUNNING, COMPLETED, FAILED, CANCELLED)
TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED, NEEDS_REVIEW})
# statuses whose job carries an extraction result
WITH_RESULT = frozenset({COMPLETED, NEEDS_REVIEW})

Phases = list[tuple[float, str]]

#: How long a `hold` job keeps RUNNING: far beyond any test or demo, but finite, so its
#: timeline (and the parse job derived from it, `explorer.sim.parse_jobs`) still has an end.
HOLD_SECONDS = 24 * 3600.0


@dataclass(slots=True, eq=False)
class JobRecord:
    """One extraction job. Times are seconds relative to the world's base time."""

    id: str
    project_id: str
    document: str
    created: float
    phases: Phases
    configuration: dict[str, Any]
    configuration_id: str | None
    file_name: str
    pages: int
    value_seed: str
    rows: int = 0
    kind: str | None = None
    variant: int = 0
    tweaks: tuple[str, ...] = ()
    error_message: str | None = None
    cacheable: bool = True
    #: What a job that stops early (FAILED, CANCELLED) has been billed when it stops: whether
    #: its parse was, and how many pages it extracted. None: such a job reports no usage (the
    #: hand-made world's); a job with a result always bills every page.
    billed: tuple[bool, int] | None = None
    outcome: Any = field(default=None, repr=False)

    def status_at(self, now: float) -> tuple[str, float]:
        """The status at relative time `now`, and when it began (the job's `updated_at`)."""
        phases = self.phases
        for i in range(len(phases) - 1, -1, -1):
            at, status = phases[i]
            if at <= now:
                return status, max(at, self.created)
        return phases[0][1], self.created

    def cancel(self, now: float) -> None:
        """Stop the timeline here: the job is CANCELLED from `now` on."""
        self.phases = [p for p in self.phases if p[0] <= now] + [(now, CANCELLED)]

    @property
    def final_status(self) -> str:
        """Where the timeline ends."""
        return self.phases[-1][1]


def magic_phases(document: str, start: float, job_seconds: float) -> tuple[Phases, bool]:
    """The timeline of a job on `document` started at `start`; also whether it will fail."""
    duration = job_seconds * (10 if "slow" in document else 1)
    phases: Phases = []
    t = start
    if "throttle" in document:
        phases.append((t, THROTTLED))
        t += duration
    phases.append((t, PENDING))
    running = round(t + 0.2 * duration, 3)
    phases.append((running, RUNNING))
    fails = "fail" in document
    final = FAILED if fails else NEEDS_REVIEW if "unknown" in document else COMPLETED
    end = running + HOLD_SECONDS if "hold" in document else t + duration
    phases.append((round(end, 3), final))
    return phases, fails


ERROR_MESSAGES = (
    "Parse job {pjb} failed: document appears to be image-only and OCR confidence was below "
    "threshold (0.21). Try parse_tier=agentic.",
    "Extraction timed out after 900 s on page 37 of 412. Consider setting target_pages or "
    "max_pages.",
    "Model output did not conform to data_schema after 3 attempts: 'line_items' expected array, "
    "got object.",
    "File {doc} could not be read: PDF is encrypted and no password was provided.",
    "Document has 148 pages, which exceeds max_pages (50).",
    "Upstream model provider returned 529 (overloaded) on all retries.",
    "data_schema field 'items[0].amount' uses unsupported keyword 'if'.",
)


def error_message_for(index: int, document: str, parse_job_id: str) -> str:
    """A real-looking failure reason."""
    template = ERROR_MESSAGES[index % len(ERROR_MESSAGES)]
    return template.format(pjb=parse_job_id, doc=document)

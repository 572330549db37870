"""Why a job stopped early, in words that recur, and what it had been billed by then.

A recurring reason is one sentence whose ids, numbers and file names change from job to job
while the rest stays, as a real service's do ("Extraction timed out after 900 s on page 37 of
412"): a fleet view that folds messages by their signature finds each as one group. The one-off
reasons happen once each and must stay apart.

Billing follows how far the job got (see `explorer.sim.parse_jobs` for its parse job's status,
which agrees): a document that could not be read or was refused bills nothing; a job that failed
or was cancelled after its parse bills the parse, and the pages it extracted before it stopped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .ids import uuid_like
from .parse_jobs import parse_seconds
from .records import PENDING, THROTTLED

#: Reasons that recur: each occurrence differs only in ids, numbers and file names.
RECURRING = ("ocr", "timeout", "encrypted", "overloaded", "rate_limit")
#: Reasons that happen once.
ONE_OFF = ("bad_output", "worker_lost")


@dataclass(frozen=True, slots=True)
class Stop:
    """How a job ended early."""

    #: The `error_message` of a FAILED job (None for a cancelled one).
    message: str | None
    #: Seconds after it began running; for one that never ran, after it was created.
    after: float
    #: Whether it reached RUNNING.
    ran: bool
    #: (parse billed, pages extracted and billed): `JobRecord.billed`.
    billed: tuple[bool, int]
    #: Where a job that never ran waited.
    waited_in: str = PENDING


def fits(reason: str, file_name: str, pages: int) -> bool:
    """Whether `reason` can befall this document: only a PDF is encrypted, and a time-out
    happens part-way through a long one."""
    if reason == "encrypted":
        return file_name.endswith(".pdf")
    if reason == "timeout":
        return pages >= 3
    return True


def failure(
    reason: str,
    rng: random.Random,
    *,
    parse_job: str,
    file_name: str,
    pages: int,
    project_id: str,
    run: float,
) -> Stop:
    """The failure `reason` of a job of `pages` pages that would have run `run` seconds."""
    parse = parse_seconds(pages)
    if reason == "ocr":
        return Stop(
            f"Parse job {parse_job} failed: document appears to be image-only and OCR confidence "
            f"was below threshold ({rng.uniform(0.05, 0.34):.2f}). Try parse_tier=agentic.",
            parse * rng.uniform(0.9, 1.6),
            True,
            (False, 0),
        )
    if reason == "timeout":
        limit = rng.choice((600, 900, 900, 1800))
        page = rng.randint(1, max(pages, 1))
        return Stop(
            f"Extraction timed out after {limit} s on page {page} of {pages}. Consider setting "
            "target_pages or max_pages.",
            limit + rng.uniform(0.2, 4.0),
            True,
            (True, page - 1),
        )
    if reason == "encrypted":
        return Stop(
            f"File {file_name} could not be read: PDF is encrypted and no password was provided.",
            rng.uniform(0.8, 3.5),
            True,
            (False, 0),
        )
    if reason == "overloaded":
        retries = rng.choice((3, 4, 5))
        request = uuid_like(rng).replace("-", "")[:24]
        return Stop(
            f"Upstream model provider returned 529 (overloaded) on all {retries} retries "
            f"(request req-{request}).",
            parse + retries * rng.uniform(15.0, 40.0),
            True,
            (True, 0),
        )
    if reason == "rate_limit":
        return Stop(
            f"Rate limit exceeded: {rng.randint(16, 48)} jobs/s for project {project_id} "
            f"(limit 15). Retry after {rng.choice((10, 30, 60))} s.",
            rng.uniform(20.0, 600.0),
            False,
            (False, 0),
            waited_in=THROTTLED,
        )
    if reason == "bad_output":
        return Stop(
            "Model output did not conform to data_schema after 3 attempts: 'line_items' "
            "expected array, got object.",
            run * 3,
            True,
            (True, pages),
        )
    if reason == "worker_lost":
        return Stop(
            "Worker lost while writing the results (exit code 137); the job was not retried.",
            run,
            True,
            (True, pages),
        )
    raise ValueError(f"no such failure reason: {reason!r}")


def cancellation(rng: random.Random, pages: int, run: float) -> Stop:
    """A job cancelled by its user: a quarter while queued, the rest part-way through."""
    if rng.random() < 0.25:
        return Stop(None, rng.uniform(2.0, 90.0), False, (False, 0))
    cut = run * rng.uniform(0.1, 0.95)
    parse = parse_seconds(pages)
    parsed = cut >= parse  # the parse finished before the cancel (as its parse job says)
    extracted = 0
    if parsed and run > parse:
        extracted = min(pages - 1, int(pages * (cut - parse) / (run - parse)))
    return Stop(None, cut, True, (parsed, max(extracted, 0)))

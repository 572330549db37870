"""Failures across the fleet: the same failure told apart from another, stuck jobs, and a
support bundle.

Users paste four job ids into an issue, all "An error occurred during extraction": what they
want to know is which failures are *the same* failure. :func:`normalise_error` reduces a
message to its signature (ids, numbers, quoted values, file names, URLs and times taken out),
:func:`failure_report` groups the FAILED jobs by signature and finds the jobs that have been
in progress far longer than their configuration usually takes, and :func:`support_bundle`
writes a group as Markdown and JSON for a support ticket.

Pure Python: no Textual, no HTTP. Error messages come from outside: every pattern here is
linear in its input and the input is cut to :data:`SIGNATURE_CHARS` first.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from explorer.api.models import TERMINAL_STATUSES
from explorer.core import secrets
from explorer.core.fleet import FleetJob

__all__ = [
    "NO_MESSAGE",
    "FailureGroup",
    "FailureReport",
    "StuckJob",
    "failure_report",
    "iso_utc",
    "normalise_error",
    "support_bundle",
]

#: The signature of a failure that said nothing.
NO_MESSAGE = "(no error message)"
#: Characters of a message read for its signature: past this, two messages are the same.
SIGNATURE_CHARS = 2_000
#: Characters of a group's example message kept (a 1 MB message is not an example).
EXAMPLE_CHARS = 4_000
#: Characters of one Markdown table cell in a bundle.
BUNDLE_CELL_CHARS = 1_000

# -- signatures -------------------------------------------------------------------------------

# Quoted values: the quote must not sit inside a word (``doesn't`` is not a quotation), and
# the class stops at the next quote, so a scan never goes past it (linear).
_QUOTED = re.compile(r"""(?<!\w)(?:'[^'\n]{0,300}'|"[^"\n]{0,300}"|`[^`\n]{0,300}`)(?!\w)""")
# A run of non-space characters: every token is classified once, in Python.
_TOKEN = re.compile(r"\S+")
# Punctuation around a token that belongs to the sentence, not to the value.
_EDGE = "()[]{}<>,;:!?.'\"`"
_URL = re.compile(r"[a-z][a-z0-9+.-]{0,15}://\S*|www\.\S+")
# A date, a time of day, or both (``2026-11-03T10:00:00Z``, ``2026-11-04 11:12:13``): read over
# the whole text, as a date and its time may be two words.
_TIME = re.compile(
    r"(?<![\w.:])(?:\d{4}-\d{2}-\d{2}(?:[t_ ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?"
    r"|\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)(?:z|\s?utc|\s?gmt|[+-]\d{2}:?\d{2})?(?!\w)"
)
_UUID = r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"
# The API's own ids (any tail: the simulator's magic ids are words), uuids, long hex.
_ID = re.compile(
    rf"(?:ext|pjb|dfl|prj|cfg|org|usr)-[a-z0-9][a-z0-9_-]*|{_UUID}|0x[0-9a-f]+|[0-9a-f]{{12,}}"
)
# The document kinds a file name ends with (a word with a dot in it is not always a file).
_FILE_EXT = (
    "pdf|docx?|xlsx?|xlsm|csv|tsv|txt|rtf|odt|ods|pptx?|png|jpe?g|gif|bmp|tiff?|webp|heic|"
    "json|jsonl|xml|html?|md|eml|msg|zip|gz|tar|epub"
)
_FILE = re.compile(rf"\S*\.(?:{_FILE_EXT})")
_PATH = re.compile(r"(?:~|\.{1,2})?/\S+|[a-z]:\\\S+")
# A number with its unit: 900 s, 12.5MB, 50 %, 1,024. Digits right after a letter stay (s3,
# utf8, gpt4o): they are part of a name. ``\d`` is Unicode: Arabic-Indic digits count too.
_NUMBER = re.compile(
    r"(?<![^\W\d_])[-+]?\d+(?:[.,]\d+)*"
    r"(?:\s?(?:%|[kmgtp]i?b\b|bytes?\b|b\b|ms\b|us\b|ns\b|secs?\b|seconds?\b|s\b|mins?\b|"
    r"minutes?\b|m\b|hrs?\b|hours?\b|h\b|days?\b|d\b))?"
)
_PLACEHOLDER_RUN = re.compile(r"<n>(?:[-./:x]<n>)+")
_SPACES = re.compile(r"\s+")
# Control, format (bidi, zero-width), surrogate and line-separator characters.
_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def _visible(text: str) -> str:
    """``text`` with every control or invisible character turned into a space."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(" " if unicodedata.category(ch) in _INVISIBLE else ch for ch in text)


def _looks_like_id(word: str) -> bool:
    """Eight characters or more of letters, digits, ``-`` and ``_``, at least four digits."""
    if len(word) < 8 or word.isdigit() or sum(ch.isdigit() for ch in word) < 4:
        return False
    return all(ch.isalnum() or ch in "-_" for ch in word)


def _token(match: re.Match[str]) -> str:
    token = match.group()
    core = token.strip(_EDGE)
    if not core:
        return token
    start = len(token) - len(token.lstrip(_EDGE))
    head, tail = token[:start], token[start + len(core) :]
    if _URL.match(core):
        return f"{head}<url>{tail}"
    if _ID.fullmatch(core):
        return f"{head}<id>{tail}"
    if _PATH.fullmatch(core) or _FILE.fullmatch(core):
        return f"{head}<file>{tail}"
    # claim-88123, a1b2c3d4e5: an identifier of some kind (a bare number is a number)
    if _looks_like_id(core):
        return f"{head}<id>{tail}"
    return token


def normalise_error(message: str | None) -> str:
    """The signature of an error message: what stays when the particulars are taken out.

    Ids (``ext-…``, ``pjb-…``, uuids, long hex), numbers with their units, quoted values,
    file names and paths, URLs and timestamps become ``<id>``, ``<n>``, ``<str>``, ``<file>``,
    ``<url>``, ``<time>``; case, width and whitespace are normalised. An empty message (or
    None) is :data:`NO_MESSAGE`. Reads at most :data:`SIGNATURE_CHARS` characters, in time
    linear in those.
    """
    if not message or not isinstance(message, str):
        return NO_MESSAGE
    text = message[:SIGNATURE_CHARS]
    # NFKC folds fullwidth digits and letters; it can lengthen text, so cut again after it
    text = unicodedata.normalize("NFKC", _visible(text))[:SIGNATURE_CHARS].casefold()
    text = _QUOTED.sub("<str>", text)
    text = _TIME.sub("<time>", text)
    text = _TOKEN.sub(_token, text)
    text = _NUMBER.sub("<n>", text)
    text = _PLACEHOLDER_RUN.sub("<n>", text)  # 3/4, 1.2.3, 1920x1080: one number
    # placeholders can be longer than what they stand for: cut to the bound again
    text = _SPACES.sub(" ", text).strip()[:SIGNATURE_CHARS]
    return text or NO_MESSAGE


# -- the report -------------------------------------------------------------------------------


@dataclass
class FailureGroup:
    """FAILED jobs whose messages share a signature."""

    signature: str
    #: One real message of the group (the newest job's), cut to :data:`EXAMPLE_CHARS`.
    example: str
    #: Newest first.
    jobs: list[FleetJob]
    #: Creation time of the group's oldest and newest job (seconds since the epoch).
    first_seen: float
    last_seen: float
    #: (configuration label, jobs), most first.
    configurations: list[tuple[str, int]] = field(default_factory=list)
    #: (tier, jobs), most first.
    tiers: list[tuple[str, int]] = field(default_factory=list)
    #: (project id, jobs), most first.
    projects: list[tuple[str, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many jobs failed this way."""
        return len(self.jobs)


@dataclass
class StuckJob:
    """A job still in progress far longer than its configuration usually takes."""

    job: FleetJob
    #: Seconds since it was created.
    age: float
    #: Median duration of COMPLETED jobs of its configuration (else of the fleet); None when
    #: nothing completed.
    typical: float | None
    #: ``age / typical``.
    factor: float | None


@dataclass
class FailureReport:
    """What failed, grouped by signature, and what is stuck."""

    #: Most jobs first, then the most recently seen.
    groups: list[FailureGroup]
    #: Oldest first.
    stuck: list[StuckJob]
    failed: int
    total: int
    since: float | None
    now: float


#: What the tier counts call a job with no tier.
NO_TIER = "(no tier)"


def _ranked(values: Iterable[str]) -> list[tuple[str, int]]:
    # most first; ties by name, so the order does not depend on the order of the jobs
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))


def _group(signature: str, jobs: list[FleetJob]) -> FailureGroup:
    jobs.sort(key=lambda j: j.created, reverse=True)
    newest = jobs[0]
    example = (newest.error_message or NO_MESSAGE)[:EXAMPLE_CHARS]
    return FailureGroup(
        signature=signature,
        example=example,
        jobs=jobs,
        first_seen=jobs[-1].created,
        last_seen=newest.created,
        configurations=_ranked(j.configuration for j in jobs),
        tiers=_ranked(j.tier or NO_TIER for j in jobs),
        projects=_ranked(j.project_id for j in jobs),
    )


def _config_key(job: FleetJob) -> str:
    return job.configuration_id or job.configuration


def _typical_durations(jobs: Sequence[FleetJob]) -> tuple[dict[str, float], float | None]:
    """Median duration of COMPLETED jobs per configuration, and over the whole fleet."""
    per: dict[str, list[float]] = {}
    every: list[float] = []
    for job in jobs:
        if job.status != "COMPLETED":
            continue
        duration = job.duration
        if duration is None or not math.isfinite(duration):
            continue
        per.setdefault(_config_key(job), []).append(duration)
        every.append(duration)
    medians = {key: statistics.median(values) for key, values in per.items()}
    return medians, (statistics.median(every) if every else None)


def failure_report(
    jobs: Sequence[FleetJob],
    *,
    now: float,
    since: float | None = None,
    stuck_factor: float = 5.0,
    min_stuck_seconds: float = 900.0,
) -> FailureReport:
    """The FAILED jobs grouped by :func:`normalise_error`, and the stuck jobs.

    A job that has not finished (PENDING, THROTTLED, RUNNING, or a status this explorer does
    not know) is stuck when its age exceeds both ``min_stuck_seconds`` and ``stuck_factor``
    times its configuration's typical duration (:class:`StuckJob`).
    """
    by_signature: dict[str, list[FleetJob]] = {}
    signatures: dict[str | None, str] = {}  # the same message comes back many times
    failed = 0
    for job in jobs:
        if job.status == "FAILED":
            failed += 1
            message = job.error_message
            signature = signatures.get(message)
            if signature is None:
                signature = signatures[message] = normalise_error(message)
            by_signature.setdefault(signature, []).append(job)
    groups = [_group(sig, members) for sig, members in by_signature.items()]
    groups.sort(key=lambda g: (-g.count, -g.last_seen, g.signature))

    medians, fleet_median = _typical_durations(jobs)
    stuck: list[StuckJob] = []
    for job in jobs:
        if job.status in TERMINAL_STATUSES or not job.created:
            continue  # finished, or no creation time to count from
        age = max(0.0, now - job.created)
        typical = medians.get(_config_key(job), fleet_median)
        threshold = min_stuck_seconds
        if typical is not None:
            threshold = max(threshold, stuck_factor * typical)
        if age > threshold:
            factor = age / typical if typical else None
            stuck.append(StuckJob(job, age, typical, factor))
    stuck.sort(key=lambda s: (-s.age, s.job.id))
    return FailureReport(groups, stuck, failed, len(jobs), since, now)


# -- support bundle ---------------------------------------------------------------------------


def _markdown_cell(value: Any, limit: int = BUNDLE_CELL_CHARS) -> str:
    """Text for a Markdown table cell: one line, inert, ``|`` and ``\\`` escaped."""
    text = "" if value is None else str(value)
    cut = len(text) > limit
    text = secrets.redact(text[: limit + secrets.longest()])[:limit]
    text = _SPACES.sub(" ", _visible(text)).strip()
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    # HTML in a ticket renders: keep tags as text
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return text + "…" if cut else text or "-"


def iso_utc(seconds: float | None) -> str | None:
    """A time (seconds since the epoch) as ISO 8601 in UTC, ``2026-11-03T14:22:05Z``; None
    for none (or 0, a job that carried no time)."""
    if not seconds:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def _bundle_job(job: FleetJob, project_names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": job.id,
        "project_id": job.project_id,
        "project": project_names.get(job.project_id),
        "status": job.status,
        "created_at": iso_utc(job.created),
        "updated_at": iso_utc(job.updated),
        "configuration_id": job.configuration_id,
        "configuration": job.configuration,
        "tier": job.tier,
        "parse_tier": job.parse_tier,
        "document": job.document,
        "file_name": job.file_name,
        "error_message": job.error_message,
        "credits": job.credits,
        "pages": job.pages,
    }


def _with_id(name: str | None, ident: str | None) -> str:
    if name and ident and name != ident:
        return f"{name} ({ident})"
    return name or ident or "-"


def support_bundle(
    jobs: Sequence[FleetJob],
    *,
    title: str,
    project_names: Mapping[str, str] | None = None,
    error: str | None = None,
    now: float,
) -> tuple[str, dict[str, Any]]:
    """A set of jobs for a support ticket: (Markdown, the same as a JSON-able dict).

    The Markdown has a heading, the error (when given) and a table of the jobs: id, project,
    status, created, updated (for a finished job: when it finished), configuration and its
    id, tier, file name and id, error. Every cell is one inert line with ``|`` escaped. Only
    what a job carries is written (a :class:`FleetJob` holds no key); registered secrets are
    redacted all the same.
    """
    names = project_names or {}
    rows = [_bundle_job(job, names) for job in jobs]
    data: dict[str, Any] = {
        "title": title,
        "generated_at": iso_utc(now),
        "error": error,
        "count": len(rows),
        "jobs": rows,
    }
    lines = [f"# {_markdown_cell(title, 300)}", ""]
    lines.append(f"{len(rows)} job{'s' if len(rows) != 1 else ''}, listed {iso_utc(now) or '-'}.")
    if error:
        lines += ["", f"Error: {_markdown_cell(error)}"]
    lines += [
        "",
        "| job id | project | status | created (UTC) | finished / updated (UTC) "
        "| configuration | tier | file | error |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            row["id"],
            _with_id(row["project"], row["project_id"]),
            row["status"],
            row["created_at"],
            row["updated_at"],
            _with_id(row["configuration"], row["configuration_id"]),
            row["tier"],
            _with_id(row["file_name"], row["document"]),
            row["error_message"],
        ]
        lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n", data

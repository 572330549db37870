"""How jobs are named on screen: status glyphs and words, short ids, ages, durations.

Plain strings (colour names included) so the TUI and the CLI say things the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from explorer.api.models import ExtractJob

#: status -> (glyph, colour). Glyph + word, never colour alone (monochrome terminals).
STATUS_STYLES: dict[str, tuple[str, str]] = {
    "RUNNING": ("◐", "yellow"),
    "PENDING": ("○", "cyan"),
    "THROTTLED": ("◔", "magenta"),
    "COMPLETED": ("✔", "green"),
    "FAILED": ("✘", "red"),
    "CANCELLED": ("⊘", "bright_black"),
}
UNKNOWN_STATUS_STYLE = ("?", "magenta")
#: Active statuses first: they are what a user is waiting on.
STATUS_ORDER = ("RUNNING", "PENDING", "THROTTLED", "FAILED", "COMPLETED", "CANCELLED")


def status_style(status: str) -> tuple[str, str]:
    """(glyph, colour) of a status; unknown statuses get a question mark, never an error."""
    return STATUS_STYLES.get(status, UNKNOWN_STATUS_STYLE)


def status_rank(status: str) -> int:
    """Sort key of a status group: known ones in STATUS_ORDER, unknown ones after RUNNING."""
    try:
        index = STATUS_ORDER.index(status)
    except ValueError:
        return 3
    return index if index < 3 else index + 1


def short_id(job_id: str, length: int = 6) -> str:
    """``ext-1a2b3c`` from ``ext-1a2b3c4d-....``: enough to tell jobs apart on screen."""
    from explorer.core.sanitize import safe_text

    prefix, sep, rest = job_id.partition("-")
    if not sep or len(prefix) > 5:
        return safe_text(job_id[: length + 4])
    # Ids come from the API too: never let one carry a control sequence to the terminal.
    return safe_text(f"{prefix}-{rest.replace('-', '')[:length]}")


#: A whole job id: a prefix and a UUID (``ext-5073e610-65f6-46d4-b0df-e86a3ec62d2c``).
_FULL_ID = re.compile(
    r"[a-z][a-z0-9]{0,15}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    re.IGNORECASE,
)


def looks_like_full_id(ref: str) -> bool:
    """Whether ``ref`` is a whole job id (asked for directly, no listing needed)."""
    return _FULL_ID.fullmatch(ref) is not None


def _compact(text: str) -> str:
    """``ext-5073e610-65f6...`` -> ``ext-5073e61065f6...``: the dashes after the prefix gone."""
    prefix, sep, rest = text.lower().partition("-")
    return f"{prefix}{sep}{rest.replace('-', '')}" if sep else prefix


def id_matches(job_id: str, ref: str) -> bool:
    """Whether ``ref`` is a prefix of ``job_id``: as typed, or ignoring the dashes after the
    ``ext-`` prefix (so the short ids on screen, ``ext-5073e6``, match), in any case; a ref
    without a dash may also leave out the prefix (``5073e6``)."""
    job, given = job_id.lower(), ref.lower()
    if job.startswith(given) or _compact(job).startswith(_compact(given)):
        return True
    if "-" not in given:
        _, sep, rest = job.partition("-")
        return bool(sep) and rest.replace("-", "").startswith(given)
    return False


def humanize_seconds(seconds: float) -> str:
    """Compact age: 42s, 5m, 3h, 4d, 6w."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    if seconds < 86400 * 14:
        return f"{seconds // 86400}d"
    return f"{seconds // (86400 * 7)}w"


#: A start up to this far in the future is the two clocks disagreeing (shown as just started);
#: further ahead it is not a time anyone can count from.
CLOCK_SKEW_SECONDS = 120.0
#: Past this a duration is said in days, past a year in years ("over 2 years"): a running job
#: created in year 1 must not say "17758828 h".
_DAY = 86400.0
_YEAR = 365.25 * _DAY


def humanize_duration(seconds: float | None) -> str:
    """Readable duration: 850 ms, 42 s, 3 min 05 s, 2 h 10 min, 3 d 04 h, over 2 years.

    Never negative or absurd: a small negative (clock skew) is 0 ms, a larger one, a NaN or an
    infinity is a dash.
    """
    if seconds is None or seconds != seconds or seconds in (float("inf"), float("-inf")):
        return "—"
    if seconds < 0:
        if seconds < -CLOCK_SKEW_SECONDS:
            return "—"
        seconds = 0.0
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    if seconds < 2 * _DAY:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds < _YEAR:
        return f"{int(seconds // _DAY)} d {int(seconds % _DAY // 3600):02d} h"
    years = int(seconds // _YEAR)
    return "over a year" if years == 1 else f"over {years:,} years"


def created_stamp(job: ExtractJob | None) -> float:
    """A sort key, newest last: the job's creation as a timestamp (a time without a zone is
    taken as UTC), minus infinity for none."""
    stamp = job.created_at if job is not None else None
    if stamp is None:
        return float("-inf")
    return (stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)).timestamp()


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """``3h ago`` (``never`` for no time; a time ahead of the clock is ``0s ago``)."""
    if when is None:
        return "never"
    now = now or datetime.now(UTC)
    return f"{humanize_seconds(max(0.0, (now - when).total_seconds()))} ago"


def elapsed_since(start: datetime | None, now: datetime) -> float | None:
    """Seconds from ``start`` to ``now``; None when unknown or in the future beyond clock skew
    (a job "created" next year has not been running for a negative time)."""
    if start is None:
        return None
    seconds = (now - start).total_seconds()
    if seconds < -CLOCK_SKEW_SECONDS:
        return None
    return max(0.0, seconds)


def job_age(job: ExtractJob, now: datetime | None = None) -> str:
    """Age of a finished job, or the running time of one still going (prefixed ``◷``);
    ``future`` for a creation time ahead of the clock, ``?`` for none."""
    now = now or datetime.now(UTC)
    if job.created_at is None:
        return "?"
    seconds = elapsed_since(job.created_at, now)
    if seconds is None:
        return "future"
    if not job.is_terminal:
        return "◷" + humanize_seconds(seconds)
    return humanize_seconds(seconds)


def format_timestamp(value: datetime | None) -> str:
    """UTC timestamp to the second, or a dash.

    A time that has no UTC form (``0001-01-01T00:00:00+01:00`` is in year 0 in UTC) is shown
    as written, with its offset, instead of raising ``OverflowError``.
    """
    if value is None:
        return "—"
    try:
        return _ymd_hms(value.astimezone(UTC)) + " UTC"
    except (OverflowError, ValueError, OSError):
        offset = value.strftime("%z") if value.tzinfo is not None else ""
        shown = f"{offset[:3]}:{offset[3:5]}" if len(offset) >= 5 else "UTC"
        return f"{_ymd_hms(value)} {shown}"


def _ymd_hms(value: datetime) -> str:
    # strftime("%Y") does not pad years under 1000 on every platform: format by hand.
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )


def clip(value: object, width: int) -> str:
    """Untrusted text made inert and cut to ``width`` characters with a plain ``…``."""
    from explorer.core.sanitize import safe_text

    text = safe_text(value if isinstance(value, str) else str(value), max(width * 4, 64))
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"

"""How jobs are named on screen: status glyphs and words, short ids, ages, durations.

Plain strings (colour names included) so the TUI and the CLI say things the same way.
"""

from __future__ import annotations

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


def humanize_duration(seconds: float | None) -> str:
    """Readable duration: 850 ms, 42 s, 3 min 05 s, 2 h 10 min."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def job_age(job: ExtractJob, now: datetime | None = None) -> str:
    """Age of a finished job, or the running time of one still going (prefixed ``⏱``)."""
    now = now or datetime.now(UTC)
    if job.created_at is None:
        return "?"
    if not job.is_terminal:
        return "⏱" + humanize_seconds((now - job.created_at).total_seconds())
    return humanize_seconds((now - job.created_at).total_seconds())


def format_timestamp(value: datetime | None) -> str:
    """UTC timestamp to the second, or a dash."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def clip(value: object, width: int) -> str:
    """Untrusted text made inert and cut to ``width`` characters with a plain ``…``."""
    from explorer.core.sanitize import safe_text

    text = safe_text(value if isinstance(value, str) else str(value), max(width * 4, 64))
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"

"""How long jobs take, by tier and pages with the spread a real queue shows, and their timelines.

The times of the generated history and of the bulk jobs (the hand-made world's jobs have their
own). Tiers are the current API's names: a seed-shape world keeps the current world's times.
"""

from __future__ import annotations

import random

from .reasons import Stop
from .records import PENDING, RUNNING, THROTTLED, Phases

# seconds: (fixed cost, per page) of an extraction, by tier
_PACE = {
    "turbo": (2.0, 0.9),
    "cost_effective": (4.0, 2.5),
    "agentic": (9.0, 7.0),
    "agentic_plus": (16.0, 13.0),
}


# how far one run's time strays from the pace (sigma of a log-normal)
_SPREAD = 0.3


def pace_seconds(tier: str, pages: int) -> float:
    """How long a job of `tier` takes on `pages` pages, typically."""
    fixed, per_page = _PACE.get(tier, _PACE["cost_effective"])
    return fixed + per_page * max(pages, 1)


def run_seconds(tier: str, pages: int, rng: random.Random) -> float:
    """How long one job of `tier` runs on `pages` pages (a log-normal spread around the pace)."""
    return pace_seconds(tier, pages) * rng.lognormvariate(0.0, _SPREAD)


def queue_seconds(rng: random.Random, busy: float = 1.0) -> float:
    """How long a job waits PENDING before it runs (`busy` stretches the queue)."""
    return 0.5 + rng.expovariate(0.25) * busy


def spreads(rng: random.Random, n: int = 1024) -> list[float]:
    """`n` factors of `run_seconds`'s spread, to draw from by index where jobs are many."""
    return [rng.lognormvariate(0.0, _SPREAD) for _ in range(n)]


def queue_waits(rng: random.Random, n: int = 1024) -> list[float]:
    """`n` waits of `queue_seconds`, to draw from by index where jobs are many."""
    return [queue_seconds(rng) for _ in range(n)]


def timeline(
    created: float,
    wait: float,
    end: Stop | float,
    final: str,
    throttled: float = 0.0,
) -> Phases:
    """THROTTLED for `throttled` seconds (if any), PENDING for `wait`, RUNNING, then `final`:
    `end` seconds later, or when the Stop says (one that never ran ends where it waited)."""
    phases: Phases = []
    t = created
    if throttled > 0:
        phases.append((round(t, 3), THROTTLED))
        t += throttled
    if isinstance(end, Stop) and not end.ran:
        if not phases:
            phases.append((round(t, 3), end.waited_in))
        phases.append((round(t + end.after, 3), final))
        return phases
    phases.append((round(t, 3), PENDING))
    start = t + wait
    phases.append((round(start, 3), RUNNING))
    seconds = end.after if isinstance(end, Stop) else end
    phases.append((round(start + seconds, 3), final))
    return phases

"""Deterministic identifiers and random streams.

Every random choice in the world comes from a `random.Random` seeded with a string built from the
world seed and a purpose, so the same seed always gives the same ids and values, and one part of
the world can change without reshuffling the rest.
"""

from __future__ import annotations

import random


def rng_for(*parts: object) -> random.Random:
    """A random stream named by `parts` (string seeding is stable across processes)."""
    return random.Random(":".join(str(p) for p in parts))


def uuid_like(rng: random.Random) -> str:
    """A version-4 shaped UUID drawn from `rng`."""
    n = rng.getrandbits(128)
    # set the version (4) and variant (10xx) bits so the id looks like a real uuid4
    n = (n & ~(0xF << 76)) | (0x4 << 76)
    n = (n & ~(0x3 << 62)) | (0x2 << 62)
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def prefixed(prefix: str, rng: random.Random) -> str:
    """An API id such as `ext-…`, `prj-…`, `dfl-…`."""
    return f"{prefix}-{uuid_like(rng)}"

"""How the job cache stores a job: compact JSON (secrets redacted), zlib-compressed."""

from __future__ import annotations

import zlib
from typing import Any

from explorer.api.jsonparse import parse_json_bytes
from explorer.api.lazy import loads_job_if_big
from explorer.api.models import ExtractJob

__all__ = ["pack_json", "unpack_job"]

#: Text compressed at a time when a big job is packed piece by piece.
_PACK_CHUNK = 1 << 20


def pack_json(value: Any, limit: int) -> bytes | None:
    """``value`` as compact JSON (secrets redacted), compressed; None past ``limit`` bytes.

    A job read lazily (a big one) is streamed through its rows into the compressor, so its
    text is never held whole, and given up on as soon as it is too big to keep."""
    from explorer.core.export import holds_lazy, iter_to_json, to_json

    if not holds_lazy(value):
        blob = zlib.compress(to_json(value, indent=None).encode("utf-8"), 6)
        return blob if len(blob) <= limit else None
    packer = zlib.compressobj(6)
    parts: list[bytes] = []
    packed = 0
    pending: list[str] = []
    held = 0
    for piece in iter_to_json(value, indent=None):
        pending.append(piece)
        held += len(piece)
        if held >= _PACK_CHUNK:
            part = packer.compress("".join(pending).encode("utf-8"))
            pending, held = [], 0
            parts.append(part)
            packed += len(part)
            if packed > limit:
                return None
    parts.append(packer.compress("".join(pending).encode("utf-8")))
    parts.append(packer.flush())
    blob = b"".join(parts)
    return blob if len(blob) <= limit else None


def unpack_job(blob: bytes, lazy: bool = False) -> ExtractJob | None:
    """A job packed by :func:`pack_json` (``lazy``: big results parsed on access); None for
    anything that is not one."""
    try:
        raw = zlib.decompress(blob)
        data = loads_job_if_big(raw) if lazy else parse_json_bytes(raw)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return None
        return ExtractJob.from_json(data)
    except (zlib.error, ValueError, TypeError, RecursionError):
        return None

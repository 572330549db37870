"""Looking at and removing the cache databases on disk, for ``extract-explorer cache info|clear``.

Read only (``describe_caches`` opens each database with ``mode=ro``); nothing here opens a cache
for use.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from explorer.core.job_cache import _SET_ASIDE, _SUFFIX, _stats


def describe_caches(directory: Path) -> list[dict[str, Any]]:
    """Every cache database in ``directory`` (read only), and the files set aside."""
    out: list[dict[str, Any]] = []
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return out
    for path in entries:
        name = path.name
        if name.endswith(_SUFFIX):
            entry: dict[str, Any] = {"path": str(path), "file_bytes": _size_on_disk(path)}
            try:
                db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1)
                try:
                    entry.update(_stats(db))
                finally:
                    db.close()
            except sqlite3.Error as exc:
                entry["problem"] = str(exc)
            out.append(entry)
        elif _SET_ASIDE in name:
            out.append({"path": str(path), "file_bytes": _size_on_disk(path), "set_aside": True})
    return out


def _size_on_disk(path: Path) -> int:
    total = 0
    for extra in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            total += os.stat(f"{path}{extra}").st_size
    return total


def clear_caches(directory: Path) -> int:
    """Remove every cache database (and set-aside file) in ``directory``; how many went."""
    gone = 0
    try:
        entries = list(directory.iterdir())
    except OSError:
        return 0
    for path in entries:
        name = path.name
        if name.endswith((_SUFFIX, f"{_SUFFIX}-wal", f"{_SUFFIX}-shm")) or _SET_ASIDE in name:
            with contextlib.suppress(OSError):
                path.unlink()
                gone += name.endswith(_SUFFIX) or _SET_ASIDE in name
    return gone

"""Documents downloaded for citations, kept on disk per file id (size-capped, least recent out).

Under ``$XDG_CACHE_HOME/extract-explorer/documents`` (``~/.cache/...``), one file per key: a
file's PDF (``dfl-….pdf``), a parse job's pages (``pjb-….parse.json``), a page screenshot
(``pjb-…-page-3.png``). Only what the object store or the API returned is stored: never a key,
a header or a URL (presigned URLs are credentials). Files are written whole (temp file then
rename), mode 0600 in a 0700 directory; the oldest-used go once the cap is passed.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["DEFAULT_CAP_MB", "DocumentCache", "default_cache_dir", "private_cache_dir"]

#: The cache's size cap when none is configured.
DEFAULT_CAP_MB = 200
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def default_cache_dir(base_url: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/extract-explorer/documents/<host>`` (else ``~/.cache/...``).

    Ids are unique per service, not across services: each API host has its own directory.
    """
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    host = urlsplit(base_url).netloc if base_url else ""
    return Path(base) / "extract-explorer" / "documents" / (_SAFE.sub("_", host) or "default")


def private_cache_dir() -> Path:
    """A cache of this process alone (the embedded simulator's documents are not the world's:
    another run may serve other content under the same ids). Removed at exit."""
    import atexit
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="extract-explorer-docs-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


class DocumentCache:
    """Bytes by key on disk; every method is safe from threads and never raises on I/O."""

    def __init__(self, directory: Path | None = None, cap_bytes: int | None = None) -> None:
        self.directory = directory or default_cache_dir()
        self.cap_bytes = DEFAULT_CAP_MB * 1024 * 1024 if cap_bytes is None else cap_bytes
        self._lock = threading.Lock()
        #: Why the cache could not be used, once it failed (then it is skipped).
        self.problem: str | None = None

    def _path(self, key: str) -> Path:
        name = _SAFE.sub("_", key)[:200] or "_"
        return self.directory / name

    def get(self, key: str) -> bytes | None:
        """The bytes stored under ``key``, or None."""
        if self.problem is not None:
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (skipped when bigger than the whole cap)."""
        if self.problem is not None or len(data) > self.cap_bytes:
            return
        with self._lock:
            try:
                self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                path = self._path(key)
                tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                try:
                    os.write(fd, data)
                finally:
                    os.close(fd)
                os.replace(tmp, path)
                self._evict()
            except OSError as exc:
                self.problem = f"the document cache {self.directory} is not writable ({exc})"

    def _evict(self) -> None:
        entries = []
        total = 0
        for entry in os.scandir(self.directory):
            if entry.is_file() and not entry.name.startswith("."):
                st = entry.stat()
                entries.append((st.st_mtime, st.st_size, entry.path))
                total += st.st_size
        entries.sort()
        for _, size, path in entries:
            if total <= self.cap_bytes:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= size

    def size(self) -> int:
        """Bytes stored."""
        try:
            return sum(e.stat().st_size for e in os.scandir(self.directory) if e.is_file())
        except OSError:
            return 0

    def clear(self) -> int:
        """Remove every cached document; return how many files went."""
        gone = 0
        with self._lock:
            try:
                for entry in os.scandir(self.directory):
                    if entry.is_file():
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
                            gone += 1
            except OSError:
                pass
        return gone

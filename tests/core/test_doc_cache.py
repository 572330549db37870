"""The document cache: per id on disk, private files, a size cap with the least recent out."""

from __future__ import annotations

import os
import stat

from explorer.core.doc_cache import DocumentCache, default_cache_dir


def test_documents_come_back_and_are_private(tmp_path) -> None:
    cache = DocumentCache(tmp_path / "docs")
    cache.put("dfl-1.pdf", b"%PDF-1.7 one")
    assert cache.get("dfl-1.pdf") == b"%PDF-1.7 one"
    assert cache.get("dfl-2.pdf") is None
    path = tmp_path / "docs" / "dfl-1.pdf"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "docs").stat().st_mode) == 0o700


def test_the_least_recently_used_go_past_the_cap(tmp_path) -> None:
    cache = DocumentCache(tmp_path, cap_bytes=350)
    for n, age in ((1, 300), (2, 200), (3, 100)):
        cache.put(f"dfl-{n}.pdf", b"x" * 100)
        os.utime(tmp_path / f"dfl-{n}.pdf", (1e9 - age, 1e9 - age))
    cache.get("dfl-1.pdf")  # read: recently used again
    cache.put("dfl-4.pdf", b"y" * 100)
    assert cache.get("dfl-4.pdf") is not None and cache.get("dfl-1.pdf") is not None
    assert cache.get("dfl-2.pdf") is None
    assert cache.size() == 300
    assert cache.clear() == 3 and cache.size() == 0


def test_keys_cannot_leave_the_directory_and_a_bad_directory_is_not_fatal(tmp_path) -> None:
    cache = DocumentCache(tmp_path / "docs")
    cache.put("../../etc/passwd", b"nope")
    assert not (tmp_path / "etc").exists()
    assert cache.get("../../etc/passwd") == b"nope"  # stored under a safe name inside
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    broken = DocumentCache(blocked / "docs")
    broken.put("dfl-1.pdf", b"x")
    assert broken.get("dfl-1.pdf") is None and broken.problem


def test_each_api_host_has_its_own_directory() -> None:
    env = {"XDG_CACHE_HOME": "/c"}
    eu = default_cache_dir("https://api.cloud.eu.llamaindex.ai", env)
    us = default_cache_dir("https://api.cloud.llamaindex.ai", env)
    assert eu != us and str(eu).startswith("/c/extract-explorer/documents/")

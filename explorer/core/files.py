"""Read job JSON files for offline browsing (``extract-explorer open PATH...``).

Accepted forms: a file holding one job, a list page ``{"items": [...]}``, a JSON array of jobs,
JSON Lines (one job per line), a directory of such files, or ``-`` for stdin. Every file that
cannot be read becomes a :class:`FileProblem` with a plain reason, never an exception: one bad
file (too big, not a regular file, nested too deeply, not JSON) never fails the others.

Limits: a file (or stdin) is read up to :data:`MAX_FILE_BYTES`; only regular files are opened
(``/dev/zero`` or a FIFO would be read forever: pipe such a stream to ``-``); a directory loads
its first :data:`MAX_FILES` job files, and says so in :attr:`LoadedFiles.notes` when it holds
more.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from explorer.api.jsonparse import parse_json_bytes
from explorer.api.lazy import loads_job_if_big
from explorer.api.models import ExtractJob

#: Job files loaded from one directory; the rest are counted (up to MAX_COUNTED) and a note
#: says how many were left out.
MAX_FILES = 5000
#: Directory scans stop counting here so `open /` cannot walk the whole disk.
MAX_COUNTED = 100_000
#: Bytes read from one file or stdin (a job of 174 MB exists; 1 GB of JSON is not a job).
MAX_FILE_BYTES = 1 << 30
#: What a parse failure from nesting says: orjson stops at 1,024 levels, the stdlib's fallback
#: at Python's recursion limit (about 1,000).
TOO_DEEP = "the job JSON is nested too deeply (over 1,000 levels)"
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
_CHUNK = 1 << 20


@dataclass
class FileProblem:
    """A file (or an entry in one) that could not be read as a job, and why."""

    path: str
    reason: str


@dataclass
class LoadedFiles:
    """Jobs read from files, in the order found, plus the problems met on the way."""

    jobs: list[ExtractJob] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    #: job id -> the file it came from
    origins: dict[str, str] = field(default_factory=dict)
    #: What the user should know that is not a broken file (a directory cut at MAX_FILES).
    notes: list[str] = field(default_factory=list)


class FileTooBig(Exception):
    """A file or stream holds more than :data:`MAX_FILE_BYTES`."""


def _jobs_in(data: Any, where: str, loaded: LoadedFiles) -> int:
    """Add the jobs found in one parsed JSON value; returns how many."""
    if isinstance(data, dict) and isinstance(data.get("items"), list) and "id" not in data:
        items: list[Any] = data["items"]
    elif isinstance(data, list):
        items = data
    else:
        items = [data]
    count = 0
    for index, item in enumerate(items):
        label = where if len(items) == 1 and not isinstance(data, list) else f"{where}[{index}]"
        if not isinstance(item, dict):
            loaded.problems.append(
                FileProblem(label, f"not a job: expected an object, found {_kind(item)}")
            )
            continue
        if not isinstance(item.get("id"), str) or not item["id"]:
            loaded.problems.append(
                FileProblem(label, 'not a job: it has no "id" string (is this a job JSON?)')
            )
            continue
        try:
            job = ExtractJob.from_json(item)
        except RecursionError:
            loaded.problems.append(FileProblem(label, TOO_DEEP))
            continue
        except ValueError as exc:
            loaded.problems.append(FileProblem(label, f"not a readable job: {_json_reason(exc)}"))
            continue
        if job.id in loaded.origins:
            loaded.problems.append(
                FileProblem(
                    label,
                    f"duplicate job {job.id} (already read from "
                    f"{loaded.origins[job.id]}); kept the first",
                )
            )
            continue
        loaded.origins[job.id] = where
        loaded.jobs.append(job)
        count += 1
    return count


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


def load_bytes(content: bytes, where: str, loaded: LoadedFiles) -> None:
    """Parse one file's bytes (JSON, or JSON Lines) into ``loaded``."""
    if not content.strip():
        loaded.problems.append(FileProblem(where, "empty file"))
        return
    try:
        # a big file holding one job keeps its rows as bytes until they are looked at
        data = loads_job_if_big(content)
    except RecursionError:
        loaded.problems.append(FileProblem(where, TOO_DEEP))
        return
    except ValueError as exc:
        if _is_depth_error(exc):
            loaded.problems.append(FileProblem(where, TOO_DEEP))
            return
        lines = content.splitlines()
        if len(lines) > 1 and all(line.strip().startswith(b"{") for line in lines if line.strip()):
            _load_json_lines(lines, where, loaded)
            return
        loaded.problems.append(FileProblem(where, f"not valid JSON: {_json_reason(exc)}"))
        return
    except UnicodeDecodeError:
        loaded.problems.append(FileProblem(where, "not valid JSON: the file is not UTF-8 text"))
        return
    if _jobs_in(data, where, loaded) == 0 and isinstance(data, list) and not data:
        loaded.problems.append(FileProblem(where, "an empty array: no jobs in it"))


def _load_json_lines(lines: list[bytes], where: str, loaded: LoadedFiles) -> None:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = parse_json_bytes(line)
        except RecursionError:
            loaded.problems.append(FileProblem(f"{where}:{number}", TOO_DEEP))
            continue
        except ValueError as exc:
            reason = TOO_DEEP if _is_depth_error(exc) else f"not valid JSON: {_json_reason(exc)}"
            loaded.problems.append(FileProblem(f"{where}:{number}", reason))
            continue
        _jobs_in(data, f"{where}:{number}", loaded)


def _json_reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _is_depth_error(exc: Exception) -> bool:
    """orjson's (or a parser's) refusal of deep nesting, as opposed to broken JSON."""
    text = str(exc).lower()
    return "deep" in text or "depth" in text or "recursion" in text


def _size_text(size: int) -> str:
    return f"{size / (1 << 30):.1f} GB" if size >= 1 << 30 else f"{size / (1 << 20):.0f} MB"


def _too_big_reason() -> str:
    return f"larger than the {_size_text(MAX_FILE_BYTES)} limit of a job file: not read"


def read_capped(stream: BinaryIO, limit: int | None = None, size_hint: int = 0) -> bytes:
    """Everything ``stream`` holds, or :class:`FileTooBig` past ``limit`` (default
    :data:`MAX_FILE_BYTES`) bytes; never more than ``limit + 1`` bytes are read. A regular
    file's size as ``size_hint`` reads it in one piece (no copy to join chunks)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    chunks: list[bytes] = []
    total = 0
    want = min(size_hint, limit) + 1 if size_hint > 0 else _CHUNK
    while True:
        chunk = stream.read(min(want, limit + 1 - total))
        if not chunk:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise FileTooBig(_too_big_reason())
        want = _CHUNK


def _walk_json_files(directory: Path) -> Iterator[Path]:
    """Job files under ``directory`` in sorted order, depth first, symlinked directories not
    followed (no loops), unreadable subdirectories skipped."""
    for root, dirs, files in os.walk(directory, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() in JSON_SUFFIXES:
                path = Path(root, name)
                if path.is_file():
                    yield path


def _files_under(directory: Path, loaded: LoadedFiles) -> list[Path]:
    """The first MAX_FILES job files of a directory; a note in ``loaded`` when there are more."""
    found: list[Path] = []
    total = 0
    for path in _walk_json_files(directory):
        total += 1
        if len(found) < MAX_FILES:
            found.append(path)
        elif total >= MAX_COUNTED:
            break
    if total > len(found):
        counted = f"more than {total:,}" if total >= MAX_COUNTED else f"{total:,}"
        loaded.notes.append(
            f"{directory}: loaded {len(found):,} of {counted} job files "
            f"(the limit is {MAX_FILES:,}); open a smaller directory to see the rest"
        )
    return found


def load_paths(paths: Iterable[str], stdin: BinaryIO | None = None) -> LoadedFiles:
    """Read every path (files, directories, ``-``) into jobs and problems."""
    loaded = LoadedFiles()
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            _load_stream(stream, "<stdin>", loaded)
            continue
        path = Path(raw)
        if path.is_dir():
            files = _files_under(path, loaded)
            if not files:
                loaded.problems.append(FileProblem(raw, "a directory with no .json files"))
            for file in files:
                _load_file(file, loaded)
        else:
            _load_file(path, loaded)
    return loaded


def _load_stream(stream: BinaryIO, where: str, loaded: LoadedFiles) -> None:
    try:
        content = read_capped(stream)
    except FileTooBig as exc:
        loaded.problems.append(FileProblem(where, str(exc)))
    except OSError as exc:
        loaded.problems.append(FileProblem(where, f"cannot read: {exc.strerror or exc}"))
    else:
        _load_content(content, where, loaded)


def _load_content(content: bytes, where: str, loaded: LoadedFiles) -> None:
    """``load_bytes``, with anything unforeseen kept to this one file."""
    try:
        load_bytes(content, where, loaded)
    except RecursionError:
        loaded.problems.append(FileProblem(where, TOO_DEEP))
    except Exception as exc:  # one strange file must not sink the directory
        loaded.problems.append(FileProblem(where, f"cannot read: {_json_reason(exc)}"))


def _kind_of_file(mode: int) -> str | None:
    """Why a file that is not a regular file is refused, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory"
    kind = "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) else None
    kind = kind or ("a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"{kind}, not a regular file: not read (to read a stream, pipe it to -)"


def _load_file(path: Path, loaded: LoadedFiles) -> None:
    where = str(path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not wait; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        loaded.problems.append(FileProblem(where, "no such file"))
        return
    except IsADirectoryError:
        loaded.problems.append(FileProblem(where, "is a directory"))
        return
    except PermissionError:
        loaded.problems.append(FileProblem(where, "permission denied"))
        return
    except OSError as exc:
        loaded.problems.append(FileProblem(where, f"cannot read: {exc.strerror or exc}"))
        return
    with os.fdopen(fd, "rb") as stream:
        try:
            info = os.fstat(fd)
            refused = _kind_of_file(info.st_mode)
            if refused is None and info.st_size > MAX_FILE_BYTES:
                refused = _too_big_reason()
            if refused is not None:
                loaded.problems.append(FileProblem(where, refused))
                return
            os.set_blocking(fd, True)
            content = read_capped(stream, size_hint=info.st_size)  # it may have grown
        except FileTooBig as exc:
            loaded.problems.append(FileProblem(where, str(exc)))
            return
        except OSError as exc:
            loaded.problems.append(FileProblem(where, f"cannot read: {exc.strerror or exc}"))
            return
    _load_content(content, where, loaded)

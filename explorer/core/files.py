"""Read job JSON files for offline browsing (``extract-explorer open PATH...``).

Accepted forms: a file holding one job, a list page ``{"items": [...]}``, a JSON array of jobs,
JSON Lines (one job per line), a directory of such files, or ``-`` for stdin. Every file that
cannot be read becomes a :class:`FileProblem` with a plain reason, never an exception.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from explorer.api.client import parse_json_bytes
from explorer.api.models import ExtractJob

#: Directory scans stop here so `open /` cannot walk the whole disk.
MAX_FILES = 5000
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}


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
        except ValueError as exc:
            loaded.problems.append(FileProblem(label, f"not a readable job: {exc}"))
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
        data = parse_json_bytes(content)
    except ValueError as exc:
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
        except ValueError as exc:
            loaded.problems.append(
                FileProblem(f"{where}:{number}", f"not valid JSON: {_json_reason(exc)}")
            )
            continue
        _jobs_in(data, f"{where}:{number}", loaded)


def _json_reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _files_under(directory: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.suffix.lower() in JSON_SUFFIXES:
            found.append(path)
            if len(found) >= MAX_FILES:
                break
    return found


def load_paths(paths: Iterable[str], stdin: BinaryIO | None = None) -> LoadedFiles:
    """Read every path (files, directories, ``-``) into jobs and problems."""
    loaded = LoadedFiles()
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            load_bytes(stream.read(), "<stdin>", loaded)
            continue
        path = Path(raw)
        if path.is_dir():
            files = _files_under(path)
            if not files:
                loaded.problems.append(FileProblem(raw, "a directory with no .json files"))
            for file in files:
                _load_file(file, loaded)
        else:
            _load_file(path, loaded)
    return loaded


def _load_file(path: Path, loaded: LoadedFiles) -> None:
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        loaded.problems.append(FileProblem(str(path), "no such file"))
    except IsADirectoryError:
        loaded.problems.append(FileProblem(str(path), "is a directory"))
    except PermissionError:
        loaded.problems.append(FileProblem(str(path), "permission denied"))
    except OSError as exc:
        loaded.problems.append(FileProblem(str(path), f"cannot read: {exc.strerror or exc}"))
    else:
        load_bytes(content, str(path), loaded)

"""The files and parse jobs behind the extraction jobs (the API around the job).

A job names its document by `file_input`: a file id (`dfl-…`) or a parse job id (`pjb-…`). Each
file has a name, a type and the job whose result its pages print (`source`: the first job run
on it, read without re-run drift), so every citation of every job on it points at real text.
Every extraction has a parse job (`extract_metadata.parse_job_id`); a `pjb-` input names the
parse job of an earlier run.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ids import prefixed, rng_for
from .records import JobRecord

# file types the documents come as, by extension; everything else is served as a PDF
IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


@dataclass(slots=True, eq=False)
class FileRecord:
    """One uploaded file. Times are seconds relative to the world's base time."""

    id: str
    name: str
    project_id: str
    created: float
    source: JobRecord

    @property
    def file_type(self) -> str:
        """The extension, lower case (`pdf`, `jpg`, ...), as the files API reports it."""
        _, dot, ext = self.name.rpartition(".")
        return ext.lower() if dot and ext else "pdf"

    @property
    def content_type(self) -> str:
        """The MIME type the file's bytes are served with."""
        return IMAGE_TYPES.get(self.file_type, "application/pdf")


@dataclass(slots=True, eq=False)
class ParseRecord:
    """One parse job: the parsed pages of a file."""

    id: str
    file_id: str
    project_id: str
    created: float
    tier: str


def parse_job_id(rec: JobRecord) -> str:
    """The parse job behind an extraction (the input itself when it was a parse job id)."""
    if rec.document.startswith("pjb-"):
        return rec.document
    return prefixed("pjb", rng_for("parse", rec.id))


class FileIndex:
    """Every file and parse job the jobs refer to, kept as jobs are added.

    Not locked: `SimState` calls it under its own lock.
    """

    def __init__(self) -> None:
        self.files: dict[str, FileRecord] = {}
        self.parse_jobs: dict[str, ParseRecord] = {}

    def add_job(self, rec: JobRecord) -> None:
        """Note the file and the parse job of `rec` (the first job on a file becomes its source)."""
        pjb = parse_job_id(rec)
        if rec.document.startswith("pjb-"):
            parse = self.parse_jobs.get(pjb)
            file_id = parse.file_id if parse else prefixed("dfl", rng_for("file-of", pjb))
        else:
            file_id = rec.document
        if file_id not in self.files:
            self.files[file_id] = FileRecord(
                file_id, rec.file_name, rec.project_id, round(rec.created - 60.0, 3), rec
            )
        if pjb not in self.parse_jobs:
            tier = str(rec.configuration.get("parse_tier") or "fast")
            # a parse job given as input ran before the extraction; otherwise it is its first step
            started = rec.created - 600.0 if pjb == rec.document else rec.created + 0.5
            self.parse_jobs[pjb] = ParseRecord(
                pjb, file_id, rec.project_id, round(started, 3), tier
            )

    def remove_job(self, rec: JobRecord) -> None:
        """Forget the parse job a deleted extraction ran (its file stays, as uploads do)."""
        pjb = parse_job_id(rec)
        if pjb != rec.document:
            self.parse_jobs.pop(pjb, None)

    def file_of(self, rec: JobRecord) -> FileRecord | None:
        """The file a job ran on."""
        return self.file_for(rec.document)

    def file_for(self, document: str) -> FileRecord | None:
        """The file a `file_input` names (through its parse job for a `pjb-` input)."""
        if document.startswith("pjb-"):
            parse = self.parse_jobs.get(document)
            return self.files.get(parse.file_id) if parse else None
        return self.files.get(document)

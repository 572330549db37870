"""Get the document a job's citations point into: from the API (parse job + file), or a path.

Online, two sources are joined: the parse job (``extract_metadata.parse_job_id``, or the job's
``pjb-`` input) gives each page's parsed text and items, what the model read; the file (the job's
``dfl-`` input, fetched through a presigned URL) gives the PDF itself, for its text layer and for
drawing pages. Either may fail (deleted file, expired parse job, not a PDF): what was got is kept
and the failure said in one line. Everything fetched goes through :class:`DocumentCache`.

Offline, ``--document PATH`` names a local PDF, or a saved parse job response (JSON).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer.core.doc_cache import DocumentCache
from explorer.core.document import (
    Document,
    DocumentError,
    document_from_parse,
    document_from_pdf,
    merge_documents,
)
from explorer.core.errors import describe_error

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient

__all__ = ["FetchedDocument", "fetch_document", "load_document_path", "page_picture_bytes"]

#: What the parse job is asked for (its markdown and metadata are not needed here).
_EXPANDS = ("text", "items", "images_content_metadata")
#: A local document bigger than this is refused.
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


@dataclass
class FetchedDocument:
    """A document (maybe None) and what went wrong getting it."""

    document: Document | None
    notes: list[str] = field(default_factory=list)

    @property
    def unavailable(self) -> str | None:
        """Why there is no document, for the Source view; None when there is one."""
        if self.document is not None:
            return None
        return "; ".join(self.notes) or "the document is not available"


def _job_ids(job: dict[str, Any]) -> tuple[str | None, str | None]:
    """The job's (file id, parse job id)."""
    source = job.get("file_input")
    if not isinstance(source, str):
        source = job.get("document_input_value")
    file_id = source if isinstance(source, str) and source.startswith("dfl-") else None
    meta = job.get("extract_metadata")
    parse_id = meta.get("parse_job_id") if isinstance(meta, dict) else None
    if not isinstance(parse_id, str) or not parse_id:
        parse_id = source if isinstance(source, str) and source.startswith("pjb-") else None
    return file_id, parse_id


def _parse_pages(data: dict[str, Any]) -> list[Any]:
    from explorer.api.around_models import ParseResult

    return ParseResult.model_validate(data).pages()


async def _parse_document(
    client: ExtractClient, parse_id: str, project_id: str | None, cache: DocumentCache
) -> Document:
    key = f"{parse_id}.parse.json"
    raw = await asyncio.to_thread(cache.get, key)
    pages: list[Any] | None = None
    if raw is not None:
        try:
            pages = await asyncio.to_thread(_parse_pages, json.loads(raw))
        except ValueError:  # a damaged cache file: fetched again
            pages = None
    if pages is None:
        result = await client.get_parse_job(parse_id, expand=_EXPANDS, project_id=project_id)
        pages = result.pages()
        if (result.job.status or "").upper() == "COMPLETED":  # a finished parse never changes
            blob = json.dumps(result.model_dump(mode="json", exclude_none=True)).encode()
            await asyncio.to_thread(cache.put, key, blob)
    return document_from_parse(pages, f"parse job {parse_id}")


async def _pdf_document(
    client: ExtractClient, file_id: str, project_id: str | None, cache: DocumentCache
) -> Document:
    key = f"{file_id}.pdf"
    data = await asyncio.to_thread(cache.get, key)
    fresh = data is None
    if data is None:
        url = await client.file_content_url(file_id, project_id=project_id)
        data = await client.download(url.url)
    if not data.startswith(b"%PDF"):
        raise DocumentError(f"file {file_id} is not a PDF: its pages can't be drawn")
    doc = await asyncio.to_thread(document_from_pdf, data, f"file {file_id}")
    doc.file_id = file_id
    if fresh:
        await asyncio.to_thread(cache.put, key, data)
    return doc


async def fetch_document(
    client: ExtractClient, job: dict[str, Any], cache: DocumentCache
) -> FetchedDocument:
    """The job's document from the API: its parse job and its file, whatever of it can be had."""
    file_id, parse_id = _job_ids(job)
    project_id = job.get("project_id") if isinstance(job.get("project_id"), str) else None
    notes: list[str] = []
    if file_id is None and parse_id is None:
        return FetchedDocument(None, ["the job names no file and no parse job"])

    async def parsed() -> Document | None:
        if parse_id is None:
            return None
        try:
            return await _parse_document(client, parse_id, project_id, cache)
        except Exception as exc:
            notes.append(f"parse job {parse_id}: {_why(exc)}")
            return None

    async def pdf() -> Document | None:
        if file_id is None:
            return None
        try:
            return await _pdf_document(client, file_id, project_id, cache)
        except Exception as exc:
            notes.append(
                _why(exc) if isinstance(exc, DocumentError) else f"file {file_id}: {_why(exc)}"
            )
            return None

    got = await asyncio.gather(parsed(), pdf())
    document = merge_documents(*got)
    if document is not None and document.file_id is None:
        document.file_id = file_id
    return FetchedDocument(document, notes)


def _why(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, DocumentError) else describe_error(exc)


def load_document_path(path: str | Path) -> Document:
    """A local document: a PDF, or a parse job response saved as JSON (``DocumentError``)."""
    p = Path(path).expanduser()
    try:
        size = p.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"{p}: {size:,} bytes is more than a document may be here")
        data = p.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{p}: {exc.strerror or exc}") from None
    if data.lstrip()[:1] in (b"{", b"["):
        try:
            parsed = json.loads(data)
        except ValueError as exc:
            raise DocumentError(f"{p}: not a PDF, nor parse job JSON ({exc})") from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("job"), dict):
            raise DocumentError(f"{p}: JSON, but not a parse job response ({{job, text, items}})")
        try:
            pages = _parse_pages(parsed)
        except Exception as exc:
            raise DocumentError(f"{p}: an unreadable parse job ({type(exc).__name__})") from None
        return document_from_parse(pages, f"parse job file {p.name}")
    if not data.startswith(b"%PDF"):
        raise DocumentError(f"{p}: not a PDF (it does not start with %PDF)")
    return document_from_pdf(data, f"local file {p.name}")


async def page_picture_bytes(
    client: ExtractClient | None, document: Document, page: int, cache: DocumentCache
) -> bytes | None:
    """A parse job's screenshot of a page (cached), when the document has no PDF to draw."""
    info = document.page(page)
    if info is None or not info.screenshot_url or client is None:
        return None
    key = f"{document.origin.replace(' ', '_')}-page-{page}.png"
    data = await asyncio.to_thread(cache.get, key)
    if data is None:
        data = await client.download(info.screenshot_url, max_bytes=40 * 1024 * 1024)
        await asyncio.to_thread(cache.put, key, data)
    return data

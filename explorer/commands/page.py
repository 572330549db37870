"""``page``: the page a field cites, with its citation boxes drawn, as a PNG.

Also the document plumbing ``check --grounding`` shares (:func:`open_document`): a job fetched
by id gets its document through the API (the parse job and the file, cached on disk); a job file
has none unless ``--document PATH`` names a local PDF or a saved parse job; ``--document``
overrides the fetch for a job id too.

Heavy modules (Pillow, pypdfium2, the grounding checks) are imported inside the functions, so
the command starts as fast as the others.
"""

from __future__ import annotations

import argparse
import difflib
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer.commands import output
from explorer.commands.base import (
    CommandError,
    add_job_ref,
    command,
    new_parser,
    settings_for,
)
from explorer.commands.jobref import Connection, LoadedJob, load_job, run_with_connection

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient
    from explorer.core.doc_cache import DocumentCache
    from explorer.core.document import Document
    from explorer.core.field_row import Citation, FieldRow
    from explorer.core.page_image import Box

__all__ = ["JobDocument", "build_page_parser", "cmd_page", "open_document"]

#: Pixels per PDF point of a rendered page (a US-letter page is 1224 x 1584 px).
RENDER_SCALE = 2.0
#: Similar paths an unknown --field lists at most.
_MAX_SUGGESTED = 5
NO_DOCUMENT_HINT = "give --document PATH"


# -- the document of a job --------------------------------------------------------------------


@dataclass
class JobDocument:
    """The document a job's citations point into (maybe None), and how it was got."""

    document: Document | None
    #: One line each: what could not be fetched, or why there is no document.
    notes: list[str] = field(default_factory=list)
    #: For a parse job's page screenshots (None offline: a job file).
    client: ExtractClient | None = None
    cache: DocumentCache | None = None
    #: A name for people: the local file's name, else where the document came from.
    name: str | None = None

    def close(self) -> None:
        """Let go of the open PDF, if any."""
        if self.document is not None:
            self.document.close()


def _cache(conn: Connection) -> DocumentCache:
    """The document cache: private to this process with the embedded simulator (its ids are not
    the world's), else per API host under ``$XDG_CACHE_HOME``."""
    from explorer.core.doc_cache import DocumentCache, default_cache_dir, private_cache_dir

    if conn.demo:
        return DocumentCache(private_cache_dir())
    return DocumentCache(default_cache_dir(conn.settings.base_url))


async def open_document(conn: Connection, job: LoadedJob, path: str | None) -> JobDocument:
    """The job's document: ``path`` when given (a local PDF or parse job JSON), else fetched
    through the API for a job loaded by id; a job file without ``path`` has none (a note says).

    An unreadable ``path`` is a :class:`CommandError`; a fetch that fails is a note.
    """
    from explorer.core.doc_fetch import fetch_document, load_document_path
    from explorer.core.document import DocumentError

    online = job.origin == "api"
    client = await conn.client() if online else None
    cache = _cache(conn) if online else None
    if path is not None:
        try:
            document = load_document_path(path)
        except DocumentError as exc:
            raise CommandError(f"cannot use --document: {exc}") from None
        return JobDocument(document, [], client, cache, Path(path).name)
    if client is None or cache is None:
        return JobDocument(None, [f"{job.id} is read from a file and no document was given"])
    fetched = await fetch_document(client, job.data, cache)
    notes = list(fetched.notes)
    if fetched.document is None and not notes:
        notes.append("the document is not available")
    name = job.file_name or (fetched.document.origin if fetched.document else None)
    return JobDocument(fetched.document, notes, client, cache, name)


# -- page -------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("citations are numbered from 1")
    return n


def build_page_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer page``."""
    parser = new_parser(
        "page",
        "Draw the page a field cites as a PNG: every box of the field on that page outlined, "
        "the chosen citation's thicker and in blue (the others red). With --crop, only the "
        "region around the chosen citation, zoomed.",
        epilog="The page comes from the document's PDF, else the parse job's page screenshot.\n"
        "A job read from a file has no document unless --document names one.\n\n"
        "exit status: 0 written, 2 could not (unknown field, no such citation, cited page not\n"
        "in the document, no picture of the page, unreadable document, -o not writable)",
    )
    add_job_ref(parser)
    parser.add_argument(
        "--field",
        required=True,
        metavar="PATH",
        help="the field, as a jq path: .total, total, .line_items[2].amount, .[0].name",
    )
    parser.add_argument(
        "--citation",
        type=_positive,
        default=1,
        metavar="N",
        help="which of the field's citations (1-based, default 1): its page is drawn",
    )
    parser.add_argument(
        "--crop", action="store_true", help="only the chosen citation's region, zoomed"
    )
    parser.add_argument(
        "--document",
        metavar="PATH",
        help="the document the job ran on: a PDF, or the parse job's JSON (instead of fetching "
        "it; needed for a job file)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.png",
        help="where to write the PNG; - for stdout (not a terminal)",
    )
    return parser


def _check_output(out: str) -> None:
    """Fail early (before any download) when ``out`` can't be written."""
    if out == "-":
        if output.stdout_is_terminal():
            raise CommandError("will not write a PNG to a terminal: give -o FILE, or pipe it")
        return
    path = Path(out).expanduser()
    if path.is_dir():
        raise CommandError(f"cannot write {out}: it is a directory")
    parent = path.parent
    if not parent.is_dir():
        raise CommandError(f"cannot write {out}: there is no directory {parent}")


def _find_row(job: LoadedJob, spec: str) -> FieldRow:
    """The field row ``spec`` names; unknown ones list similar paths that have citations."""
    from explorer.core.fields import field_rows
    from explorer.core.jsonpath import format_path, parse_path

    try:
        path = parse_path(spec)
    except ValueError as exc:
        raise CommandError(f"--field: {exc}") from None
    rows = field_rows(job.data)
    for row in rows:
        if row.path == path:
            return row
    shown = format_path(path)
    cited = [r.path_str for r in rows if r.has_citation]
    under = [p for p in cited if p.startswith(shown) and p[len(shown) : len(shown) + 1] in ".["]
    close = difflib.get_close_matches(shown, cited, n=_MAX_SUGGESTED, cutoff=0.6)
    similar = list(dict.fromkeys([*under, *close]))[:_MAX_SUGGESTED]
    message = f"no field {shown} in {job.id}"
    if similar:
        message += f"; fields with citations like it: {', '.join(similar)}"
    elif not cited:
        message += " (it has no field with citations)"
    raise CommandError(message)


def _valid_size(dims: Any) -> tuple[float, float] | None:
    if not isinstance(dims, dict):
        return None
    w, h = dims.get("width"), dims.get("height")
    for v in (w, h):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            return None
    return float(w), float(h)  # type: ignore[arg-type]


def _rescale(box: Box, src: tuple[float, float] | None, dst: tuple[float, float]) -> Box:
    """``box`` given in the units of a page of size ``src``, in those of ``dst``."""
    from explorer.core.page_image import Box

    if src is None or src == dst:
        return box
    fx, fy = dst[0] / src[0], dst[1] / src[1]
    return Box(box.x * fx, box.y * fy, box.w * fx, box.h * fy)


def _boxes(cit: Citation) -> list[Box]:
    from explorer.core.page_image import clean_box

    return [b for b in (clean_box(raw) for raw in cit.bounding_boxes) if b is not None]


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


async def _picture(doc: JobDocument, page: int) -> Any:
    """The page as an RGB image: rendered from the PDF, else the parse job's screenshot."""
    from explorer.core.doc_fetch import page_picture_bytes
    from explorer.core.errors import describe_error
    from explorer.core.page_image import PageImageError, page_from_png, render_pdf_page

    document = doc.document
    if document is None:
        why = "; ".join(doc.notes) or "there is no document"
        raise CommandError(f"no picture of page {page}: {why} ({NO_DOCUMENT_HINT})")
    try:
        if document.pdf is not None:
            return render_pdf_page(document.pdf, page, scale=RENDER_SCALE)
        data = None
        if doc.cache is not None:
            try:
                data = await page_picture_bytes(doc.client, document, page, doc.cache)
            except Exception as exc:
                raise CommandError(
                    f"no picture of page {page}: its screenshot could not be fetched "
                    f"({describe_error(exc)}) ({NO_DOCUMENT_HINT})"
                ) from None
        if data is None:
            info = document.page(page)
            if doc.client is None and info is not None and info.screenshot_url:
                why = "screenshots are not fetched for a job read from a file"
            else:
                why = "no screenshot of the page"
            raise CommandError(
                f"no picture of page {page}: {document.origin} has no PDF, and {why} "
                f"({NO_DOCUMENT_HINT})"
            )
        return page_from_png(data)
    except PageImageError as exc:
        raise CommandError(f"cannot draw page {page}: {exc}") from None


@dataclass
class _Drawn:
    image: Any
    page: int
    boxes: int


async def _draw(row: FieldRow, n: int, doc: JobDocument, crop: bool) -> _Drawn:
    """The picture of the page citation ``n`` (1-based) of ``row`` is on, boxes drawn."""
    from explorer.core.page_image import PageImageError, crop_region, draw_boxes

    citations = row.citations
    cit = citations[n - 1]
    page = cit.page
    if page is None:
        raise CommandError(f"citation {n} of {row.path_str} names no page")
    document = doc.document
    if document is not None and document.has_page(page) is False:
        raise CommandError(
            f"{row.path_str} cites page {page}, which is not in the document "
            f"({_plural(document.last_page, 'page')})"
        )
    mine = _boxes(cit)
    if crop and not mine:
        raise CommandError(f"citation {n} of {row.path_str} has no boxes: nothing to crop to")
    image = await _picture(doc, page)
    page_info = document.page(page) if document is not None else None
    size = (
        _valid_size(cit.page_dimensions)
        or (page_info.size if page_info is not None else None)
        or (float(image.width) / RENDER_SCALE, float(image.height) / RENDER_SCALE)
    )
    others: list[Box] = []
    for i, other in enumerate(citations):
        if i != n - 1 and other.page == page:
            src = _valid_size(other.page_dimensions)
            others.extend(_rescale(b, src, size) for b in _boxes(other))
    try:
        drawn = draw_boxes(image, others, size) if others else image
        for box in mine:  # each of the chosen citation's boxes as the current one
            drawn = draw_boxes(drawn, [box], size, current=0)
        if crop:
            drawn = crop_region(drawn, mine, size)
    except PageImageError as exc:
        raise CommandError(f"cannot draw page {page}: {exc}") from None
    if not mine:
        output.warn(f"citation {n} of {row.path_str} has no boxes: the page is drawn without")
    return _Drawn(drawn, page, len(mine) + len(others))


def _write_png(out: str, data: bytes) -> None:
    if out == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(out).expanduser().write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None


@command
def cmd_page(argv: Sequence[str]) -> int:
    """``extract-explorer page JOB|FILE --field PATH -o OUT.png``: a cited page as a PNG."""
    args = build_page_parser().parse_args(argv)
    _check_output(args.output)
    settings = settings_for(args)

    async def work(conn: Connection) -> tuple[_Drawn, FieldRow, str]:
        job = await load_job(conn, args.ref, args.pick, names=True)
        row = _find_row(job, args.field)
        count = len(row.citations)
        if count == 0:
            raise CommandError(f"{row.path_str} has no citations in {job.id}")
        if args.citation > count:
            raise CommandError(
                f"no citation {args.citation} of {row.path_str}: the field has "
                f"{_plural(count, 'citation')}"
            )
        doc = await open_document(conn, job, args.document)
        try:
            drawn = await _draw(row, args.citation, doc, args.crop)
        finally:
            doc.close()
        return drawn, row, doc.name or "the document"

    drawn, row, name = run_with_connection(settings, work)
    from explorer.core.page_image import png_bytes

    _write_png(args.output, png_bytes(drawn.image))
    where = "stdout" if args.output == "-" else args.output
    what = f"around citation {args.citation} of" if args.crop else "with the boxes of"
    output.note(
        f"wrote {where}: page {drawn.page} of {name} {what} {row.path_str}, "
        f"{_plural(drawn.boxes, 'box', 'boxes')} ({drawn.image.width}×{drawn.image.height} px)"
    )
    return 0

"""`GET /api/v2/parse/{job_id}`: a parse job's status and, per `expand`, its parsed pages.

Exactly the SDK's `ParsingGetResponse`: `job` always; `text`, `markdown`, `items`, `metadata`,
`forms`, `job_metadata`, `text_full`, `markdown_full`, `images_content_metadata` (one PNG
screenshot per page) and `result_content_metadata` (the `*_content_metadata` expands) only when
asked for and only once the job is COMPLETED.

A parse job is the first step of the extraction that created it: PENDING while that one waits,
RUNNING once it runs, COMPLETED a third of the way through it. If the extraction failed because
the document couldn't be read (the "Parse job ... failed" and "could not be read" errors), the
parse job FAILED with that reason; an extraction cancelled before its parse finished cancels it
too. Any other failure of the extraction came after the parse, which COMPLETED. A parse job
given as an extraction's input ran on its own, before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from .documents import PARSE_RATES
from .files import FileRecord, ParseRecord, parse_job_id
from .ids import rng_for
from .records import CANCELLED, FAILED, PENDING, RUNNING, TERMINAL, JobRecord

if TYPE_CHECKING:
    from .state import SimState

COMPLETED = "COMPLETED"
# what `expand` may ask for: the SDK's list, and the two whole-document strings it declares
EXPANDABLE = (
    "text",
    "markdown",
    "items",
    "metadata",
    "forms",
    "job_metadata",
    "usage",
    "text_full",
    "markdown_full",
    "text_content_metadata",
    "markdown_content_metadata",
    "items_content_metadata",
    "metadata_content_metadata",
    "forms_content_metadata",
    "raw_words_content_metadata",
    "xlsx_content_metadata",
    "output_pdf_content_metadata",
    "images_content_metadata",
)
# `*_content_metadata` expand -> key in `result_content_metadata` (outputPDF as documented)
_CONTENT_KEYS = {
    "text_content_metadata": "text",
    "markdown_content_metadata": "markdown",
    "items_content_metadata": "items",
    "metadata_content_metadata": "metadata",
    "forms_content_metadata": "forms",
    "raw_words_content_metadata": "rawWords",
    "xlsx_content_metadata": "xlsx",
    "output_pdf_content_metadata": "outputPDF",
}
# parts that can be downloaded from the object store as JSON
RESULT_PARTS = ("text", "markdown", "items", "metadata", "forms")
SCREENSHOT_TTL = 3600.0


def parse_status(state: SimState, parse: ParseRecord, now: float) -> tuple[str, float, str | None]:
    """(status, since when, error message) of a parse job at world time `now`."""
    runner = _runner(state, parse)
    if runner is None:
        done = parse.created + 20.0
        if now < parse.created + 1.0:
            return PENDING, parse.created, None
        return (RUNNING, parse.created + 1.0, None) if now < done else (COMPLETED, done, None)
    phases = runner.phases
    end_at, final = phases[-1]
    ran = next((at for at, st in phases if st == RUNNING), None)
    planned = parse_seconds(runner.pages)
    if final not in TERMINAL:  # a job that never finishes (explorer.sim.history)
        if ran is None or now < ran:
            return PENDING, parse.created, None
        done = round(ran + planned, 3)
        return (RUNNING, ran, None) if now < done else (COMPLETED, done, None)
    if ran is None and final == FAILED:  # refused before it ran (rate limited): never parsed
        return (PENDING, parse.created, None) if now < end_at else (CANCELLED, end_at, None)
    start = end_at if ran is None else ran  # cancelled while queued
    failure = _parse_failure(runner, parse) if final == FAILED else None
    if final == CANCELLED:
        finish = start + planned
    elif failure:
        finish = end_at  # the extraction failed when its parse did
    else:
        finish = start + min(planned, (end_at - start) / 3)
    finish = round(finish, 3)
    if now < start:
        return PENDING, parse.created, None
    if final == CANCELLED and end_at < finish:
        return (RUNNING, start, None) if now < end_at else (CANCELLED, end_at, None)
    if now < finish:
        return RUNNING, start, None
    if failure:
        return FAILED, finish, failure
    return COMPLETED, finish, None


def parse_seconds(pages: int) -> float:
    """How long the parse of a `pages`-page document takes, as the first step of a job."""
    return 1.0 + 0.8 * max(pages, 1)


def _runner(state: SimState, parse: ParseRecord) -> JobRecord | None:
    # the extraction whose first step this parse job was (none for one given as an input)
    for rec in state.jobs_on_document(parse.file_id):
        if parse_job_id(rec) == parse.id:
            return rec
    return None


def _parse_failure(rec: JobRecord, parse: ParseRecord) -> str | None:
    message = rec.error_message or ""
    prefix = f"Parse job {parse.id} failed: "
    if message.startswith(prefix):
        return message[len(prefix) :]
    if "could not be read" in message:
        return message.partition(": ")[2] or message
    return None


def parse_job_json(
    state: SimState,
    parse: ParseRecord,
    expand: frozenset[str],
    blob_url: Callable[[str], str],
    image_filenames: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The parse job as `GET /api/v2/parse/{id}` returns it (now)."""
    from .parse_pages import page_markdown, page_text

    status, since, error = parse_status(state, parse, state.now())
    file = state.file(parse.file_id)
    job: dict[str, Any] = {
        "id": parse.id,
        "project_id": parse.project_id,
        "status": status,
        "created_at": state.clock.iso(parse.created),
        "updated_at": state.clock.iso(since),
        "error_message": error,
        "name": file.name if file else None,
        "tier": parse.tier,
    }
    out: dict[str, Any] = {"job": job}
    if status != COMPLETED or file is None:
        if "usage" in expand:
            job["usage"] = {"credits": None}  # not billed (yet)
        return out
    paper = state.documents.paper(file)
    pages = paper.pages
    if "usage" in expand:
        job["usage"] = {"credits": float(paper.page_count * PARSE_RATES.get(parse.tier, 1))}
    parts = _parts(state, parse, file, expand | _wanted_parts(expand))
    out.update({k: v for k, v in parts.items() if k in expand})
    if "text_full" in expand:
        out["text_full"] = "\n\n".join(page_text(p)["text"] for p in pages)
    if "markdown_full" in expand:
        out["markdown_full"] = "\n\n".join(
            m["markdown"] for m in map(page_markdown, pages) if m["success"]
        )
    if "job_metadata" in expand:
        out["job_metadata"] = {
            "file_id": file.id,
            "file_name": file.name,
            "tier": parse.tier,
            "num_pages": paper.page_count,
            "duration_seconds": round(since - parse.created, 3),
        }
    if "images_content_metadata" in expand:
        out["images_content_metadata"] = _screenshots(paper, file, blob_url, image_filenames)
    content = [e for e in _CONTENT_KEYS if e in expand]
    if content:
        out["result_content_metadata"] = {
            _CONTENT_KEYS[e]: _content_entry(state, parse, file, e, parts, blob_url)
            for e in content
        }
    return out


def _wanted_parts(expand: frozenset[str]) -> frozenset[str]:
    return frozenset(
        _CONTENT_KEYS[e] for e in expand if e in _CONTENT_KEYS and _CONTENT_KEYS[e] in RESULT_PARTS
    )


def _parts(
    state: SimState, parse: ParseRecord, file: FileRecord, wanted: frozenset[str]
) -> dict[str, Any]:
    from .parse_pages import page_items, page_markdown, page_text

    paper = state.documents.paper(file)
    pages = paper.pages
    parts: dict[str, Any] = {}
    if "text" in wanted:
        parts["text"] = {"pages": [page_text(p) for p in pages]}
    if "markdown" in wanted:
        parts["markdown"] = {"pages": [page_markdown(p) for p in pages]}
    if "items" in wanted:
        parts["items"] = {"pages": [page_items(p) for p in pages]}
    if "metadata" in wanted:
        parts["metadata"] = _metadata(parse, pages)
    if "forms" in wanted:
        form = file.source.kind == "onboarding"
        parts["forms"] = {
            "pages": [
                {
                    "page_number": p.number,
                    "success": True,
                    "forms": [],
                    "detected_form_types": ["other"] if form else None,
                    "page_width": float(p.width),
                    "page_height": float(p.height),
                }
                for p in pages
            ]
        }
    return parts


def result_part(state: SimState, parse: ParseRecord, part: str) -> bytes:
    """One part of a parse result as the JSON file its presigned URL downloads."""
    file = state.file(parse.file_id)
    if file is None or part not in RESULT_PARTS:
        raise KeyError(part)
    return orjson.dumps(_parts(state, parse, file, frozenset({part}))[part])


def _metadata(parse: ParseRecord, pages: list[Any]) -> dict[str, Any]:
    rng = rng_for("parse-metadata", parse.id)
    entries = []
    for p in pages:
        score = 0.12 if p.scanned else round(rng.uniform(0.86, 0.995), 3)
        entries.append(
            {
                "page_number": p.number,
                "confidence": score,
                "cost_optimized": parse.tier == "fast",
                "original_orientation_angle": 90 if p.scanned else 0,
                "printed_page_number": str(p.number),
                "triggered_auto_mode": False,
            }
        )
    scores = [e["confidence"] for e in entries]
    document = {
        "confidence": round(sum(scores) / len(scores), 3) if scores else None,
        "confidence_breakdown": {
            "min_page_score": min(scores, default=0.0),
            "scored_pages": len(scores),
            "total_pages": len(pages),
        },
    }
    return {"pages": entries, "document": document}


def _screenshots(
    paper: Any, file: FileRecord, blob_url: Callable[[str], str], names: frozenset[str] | None
) -> dict[str, Any]:
    images = []
    for page in paper.pages:
        filename = f"page_{page.number}.png"
        if names is not None and filename not in names:
            continue
        images.append(
            {
                "filename": filename,
                "index": page.number - 1,
                "bbox": {"x": 0, "y": 0, "w": round(page.width), "h": round(page.height)},
                "category": "screenshot",
                "content_type": "image/png",
                "presigned_url": blob_url(f"page:{file.id}:{page.number}"),
                "size_bytes": None,  # the SDK: deprecated, always None
            }
        )
    return {"images": images, "total_count": len(images)}


def _content_entry(
    state: SimState,
    parse: ParseRecord,
    file: FileRecord,
    expand: str,
    parts: dict[str, Any],
    blob_url: Callable[[str], str],
) -> dict[str, Any]:
    key = _CONTENT_KEYS[expand]
    if key in parts:
        size = len(orjson.dumps(parts[key]))
        return {
            "size_bytes": size,
            "exists": True,
            "presigned_url": blob_url(f"result:{parse.id}:{key}"),
        }
    if key == "outputPDF":
        size = len(state.documents.pdf(file))
        return {"size_bytes": size, "exists": True, "presigned_url": blob_url(f"pdf:{file.id}")}
    return {"size_bytes": 0, "exists": False, "presigned_url": None}  # no such output here

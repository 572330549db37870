"""Citations that are wrong on purpose, so a grounding check has something to find.

Every other job of the world cites where its values are printed (`explorer.sim.paper`). The
jobs carrying one of these tweaks (`JobRecord.tweaks`, see `catalog.GROUNDING`) break a few
chosen fields' metadata in one way each, after the metadata is built from the document: a
citation moved to another page, a box over the whole page, a page the document doesn't have, a
box hanging off the page, a value that disagrees with the text it cites, or confidence or
citations left out altogether. Everything else of those jobs is as correct as any job's, and
their documents are printed clean (no worn-scan misprints, `Walker.misprints`), so the planted
faults are the only ones there are.

`GROUND_TRUTH` is what each tweak breaks, for tests and demos to read: `(result path, kind)`
pairs; the path `()` stands for every field of the job (`planted` spells those out).
Deterministic: the same job gets the same damage.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import vocab
from .ids import rng_for
from .tweaks import leaf_items

if TYPE_CHECKING:
    from .paper import Paper, Path

# the kinds of broken grounding
WRONG_PAGE = "wrong_page"  # the text and boxes are on another page than the one cited
BIG_BOX = "big_box"  # a box covering most of the page
VALUE_MISMATCH = "value_mismatch"  # the value isn't what the cited text says
CONFIDENCE_MISSING = "confidence_missing"  # confidence asked for, none given
CITATIONS_MISSING = "citations_missing"  # citations asked for, none given (key absent)
PAGE_MISSING = "page_missing"  # a page number the document doesn't have
BOX_OFF_PAGE = "box_off_page"  # a box partly outside the page

KINDS = (
    WRONG_PAGE,
    BIG_BOX,
    VALUE_MISMATCH,
    CONFIDENCE_MISSING,
    CITATIONS_MISSING,
    PAGE_MISSING,
    BOX_OFF_PAGE,
)

#: the kinds whose citation points somewhere its text is not (a page, a box); in the others
#: the citation itself is right, or absent
MISPLACED = frozenset({WRONG_PAGE, BIG_BOX, PAGE_MISSING, BOX_OFF_PAGE})

EVERY_FIELD: Path = ()
BAD_PAGE = 7  # cited by `grounding_bad_page`, whose document has two pages

#: tweak name -> the (result path, kind) pairs it breaks; `()` is every field of the job
GROUND_TRUTH: dict[str, tuple[tuple[Path, str], ...]] = {
    "grounding_wrong_page": ((("invoice_number",), WRONG_PAGE), (("total",), WRONG_PAGE)),
    "grounding_big_box": ((("total",), BIG_BOX),),
    "grounding_value_mismatch": (
        (("total",), VALUE_MISMATCH),
        (("vendor", "name"), VALUE_MISMATCH),
    ),
    "grounding_no_confidence": ((EVERY_FIELD, CONFIDENCE_MISSING),),
    "grounding_no_citations": ((EVERY_FIELD, CITATIONS_MISSING),),
    "grounding_bad_page": ((("invoice_date",), PAGE_MISSING),),
    "grounding_off_page": ((("vendor", "name"), BOX_OFF_PAGE),),
}

_CONFIDENCE_KEYS = ("confidence", "extraction_confidence", "parsing_confidence")


def is_grounding_fault(tweaks: tuple[str, ...]) -> bool:
    """Whether a job with these tweaks has planted grounding faults."""
    return any(name in GROUND_TRUTH for name in tweaks)


def planted(tweaks: tuple[str, ...], result: Any) -> list[tuple[Path, str]]:
    """The (result path, kind) pairs a job with `tweaks` and `result` has broken, with `()`
    spelled out as the path of every leaf of the result."""
    out: list[tuple[Path, str]] = []
    for name in tweaks:
        for path, kind in GROUND_TRUTH.get(name, ()):
            if path == EVERY_FIELD:
                out += [(p, kind) for p, _ in leaf_items(result)]
            else:
                out.append((path, kind))
    return out


def apply_faults(
    tweaks: tuple[str, ...],
    job_id: str,
    result: Any,
    metadata: dict[str, Any],
    paper: Paper | None,
) -> Any:
    """Break the metadata (in place) and the result as the job's grounding tweaks say; returns
    the result (the same object, edited). Call it once the metadata is built."""
    for name in tweaks:
        if name in GROUND_TRUTH:
            fault = _FAULTS[name]
            result = fault(_Job(job_id, result, metadata, paper, rng_for("grounding", job_id)))
    return result


class _Job:
    """What a fault works on: the job's result, its metadata mapping and its document."""

    def __init__(
        self,
        job_id: str,
        result: Any,
        metadata: dict[str, Any],
        paper: Paper | None,
        rng: random.Random,
    ) -> None:
        self.id = job_id
        self.result = result
        self.metadata = metadata
        self.paper = paper
        self.rng = rng

    def entry(self, path: Path) -> dict[str, Any] | None:
        """The metadata entry of the leaf at `path` (None if there is none)."""
        node: Any
        if "document_metadata" in self.metadata:
            node = self.metadata["document_metadata"]
        else:
            node = self.metadata.get("page_metadata", self.metadata.get("row_metadata"))
        for key in path:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                return None
        return node if isinstance(node, dict) and "reasoning" in node else None

    def entries(self) -> list[dict[str, Any]]:
        """The metadata entry of every leaf of the result."""
        found = (self.entry(path) for path, _ in leaf_items(self.result))
        return [e for e in found if e is not None]

    def citations(self, path: Path) -> list[dict[str, Any]]:
        """The citation entries of the field at `path`."""
        entry = self.entry(path)
        cites = entry.get("citation") if entry else None
        return cites if isinstance(cites, list) else []

    def targets(self, name: str) -> list[Path]:
        """The fields tweak `name` breaks."""
        return [path for path, _ in GROUND_TRUTH[name] if path != EVERY_FIELD]


def _wrong_page(job: _Job) -> Any:
    # the page number moves; the text and boxes stay those of the page really printing them
    for path in job.targets("grounding_wrong_page"):
        for cite in job.citations(path):
            cite["page"] = _other_page(job.paper, cite["page"], cite["matching_text"])
    return job.result


def _other_page(paper: Paper | None, page: int, text: str) -> int:
    """Another page of the document, one that doesn't print `text` if there is one."""
    count = paper.page_count if paper is not None else max(page, 1) + 1
    others = [p for p in range(1, count + 1) if p != page] or [page + 1]
    if paper is not None:
        wanted = _norm(text)
        clean = [p for p in others if wanted not in _norm(_page_text(paper, p))]
        others = clean or others
    return others[0]


def _page_text(paper: Paper, number: int) -> str:
    # as the parse job reads it: a scanned page has no text
    page = paper.pages[number - 1]
    return "" if page.scanned else page.text()


def _big_box(job: _Job) -> Any:
    for path in job.targets("grounding_big_box"):
        for cite in job.citations(path):
            dims = cite["page_dimensions"]
            w, h = dims["width"], dims["height"]
            cite["bounding_boxes"] = [{"x": 10.0, "y": 10.0, "w": w - 20.0, "h": h - 20.0}]
    return job.result


def _value_mismatch(job: _Job) -> Any:
    # the result reads otherwise than the (correct) citation: digits swapped, another name
    result = job.result
    if isinstance(result, dict):
        if _is_number(result.get("total")):
            result["total"] = _transposed(result["total"])
        vendor = result.get("vendor")
        if isinstance(vendor, dict) and isinstance(vendor.get("name"), str):
            quoted = " ".join(c["matching_text"] for c in job.citations(("vendor", "name")))
            vendor["name"] = _another_company(vendor["name"], quoted, job.rng)
    return result


def _transposed(value: float) -> float:
    """`value` with two neighbouring digits of its whole part swapped (1243.5 -> 1234.5), or
    nine more when it has no two different neighbours."""
    whole, cents = f"{value:.2f}".split(".")
    for i in range(len(whole) - 2, -1, -1):
        a, b = whole[i], whole[i + 1]
        if a != b and not (i == 0 and b == "0"):
            swapped = whole[:i] + b + a + whole[i + 2 :]
            return round(float(f"{swapped}.{cents}"), 2)
    return round(value + 9.0, 2)


def _another_company(name: str, quoted: str, rng: random.Random) -> str:
    choices = [c for c in vocab.COMPANIES if c != name and c not in quoted and name not in c]
    return rng.choice(choices) if choices else f"{name} Holdings (not {name})"


def _no_confidence(job: _Job) -> Any:
    for entry in job.entries():
        for key in _CONFIDENCE_KEYS:
            entry.pop(key, None)
    return job.result


def _no_citations(job: _Job) -> Any:
    for entry in job.entries():
        entry.pop("citation", None)
    return job.result


def _bad_page(job: _Job) -> Any:
    for path in job.targets("grounding_bad_page"):
        for cite in job.citations(path):
            cite["page"] = BAD_PAGE
    return job.result


def _off_page(job: _Job) -> Any:
    # the first box starts 20 points before the right edge and runs 100 points past it
    for path in job.targets("grounding_off_page"):
        for cite in job.citations(path):
            boxes = cite["bounding_boxes"]
            if boxes:
                width = cite["page_dimensions"]["width"]
                boxes[0] = {**boxes[0], "x": round(width - 20.0, 2), "w": 120.0}
    return job.result


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _norm(text: str) -> str:
    return " ".join(text.split())


_FAULTS: dict[str, Callable[[_Job], Any]] = {
    "grounding_wrong_page": _wrong_page,
    "grounding_big_box": _big_box,
    "grounding_value_mismatch": _value_mismatch,
    "grounding_no_confidence": _no_confidence,
    "grounding_no_citations": _no_citations,
    "grounding_bad_page": _bad_page,
    "grounding_off_page": _off_page,
}

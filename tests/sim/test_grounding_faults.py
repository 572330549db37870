"""The jobs whose citations are wrong on purpose (explorer.sim.grounding_faults).

Each is checked against the document it ran on as the parse job reads it (`page_text`, what
`GET /parse/{id}?expand=text` serves) and the laid-out paper (where each value really is): broken
exactly as `GROUND_TRUTH` says, and in nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from explorer.sim import SimConfig, SimServer, SimState
from explorer.sim.catalog import GROUNDING, GROUNDING_FAULTS
from explorer.sim.grounding_faults import (
    BAD_PAGE,
    GROUND_TRUTH,
    KINDS,
    MISPLACED,
    planted,
)
from explorer.sim.paper import Paper
from explorer.sim.parse_pages import page_text
from explorer.sim.printed import shown
from explorer.sim.printer import text_in_boxes
from explorer.sim.tweaks import leaf_items

from .conftest import ManualClock

Path = tuple[Any, ...]
SEEDS = (7, 11, 2024)  # 7 is the demo's and the tests' world
CONFIDENCE = ("confidence", "extraction_confidence", "parsing_confidence")


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def state(request: pytest.FixtureRequest) -> SimState:
    return SimState(SimConfig(seed=request.param, big_rows=500, clock=ManualClock()))


class Faulty:
    """One grounding job as a client sees it, and the truth of its document."""

    def __init__(self, state: SimState, role: str) -> None:
        self.state = state
        self.role = role
        self.rec = state.record(state.notable[role])
        assert self.rec is not None
        job = state.get_job(self.rec.id)
        assert job is not None
        self.job = job
        self.result = job["extract_result"]
        self.meta = job["extract_metadata"]["field_metadata"]["document_metadata"]
        paper = state.documents.paper_for_job(self.rec)
        assert paper is not None
        self.paper: Paper = paper
        # the parse job's text of each page
        self.pages = {p.number: norm(page_text(p)["text"]) for p in paper.pages}

    def entry(self, path: Path) -> dict[str, Any]:
        node: Any = self.meta
        for key in path:
            node = node[key]
        assert isinstance(node, dict) and "reasoning" in node, path
        return node

    def value(self, path: Path) -> Any:
        node: Any = self.result
        for key in path:
            node = node[key]
        return node

    def leaves(self) -> list[Path]:
        return [path for path, _ in leaf_items(self.result)]

    def truth(self, path: Path) -> list[dict[str, Any]]:
        """The citations the field would have if nothing were wrong with them."""
        return self.paper.citations(path)

    def broken(self) -> dict[Path, str]:
        return dict(planted(self.rec.tweaks, self.result))

    def printed(self, path: Path) -> str | None:
        """How the document prints the value the job extracted at `path`."""
        name = next((k for k in reversed(path) if isinstance(k, str)), "value")
        raw = shown(self.value(path), name, self.result.get("currency"))
        return None if raw is None else self.state.documents.typeface.printable(raw)


def faulty(state: SimState, fault: str) -> Faulty:
    return Faulty(state, f"grounding_{fault}")


def test_the_table_names_every_grounding_job_and_only_the_agreed_kinds() -> None:
    assert set(GROUND_TRUTH) == {f"grounding_{f}" for f in GROUNDING_FAULTS}
    assert {s.role for s in GROUNDING} == set(GROUND_TRUTH)
    assert {s.tweaks for s in GROUNDING} == {(name,) for name in GROUND_TRUTH}
    assert set(KINDS) == {
        "wrong_page",
        "big_box",
        "value_mismatch",
        "confidence_missing",
        "citations_missing",
        "page_missing",
        "box_off_page",
    }
    assert {kind for pairs in GROUND_TRUTH.values() for _, kind in pairs} == set(KINDS)
    assert set(KINDS) >= MISPLACED


@pytest.mark.parametrize("role", sorted(GROUND_TRUTH))
def test_each_is_a_completed_cited_invoice_on_its_own_document(state: SimState, role: str) -> None:
    f = Faulty(state, role)
    job, cfg = f.job, f.job["configuration"]
    assert job["status"] == "COMPLETED" and f.rec.kind == "invoice"
    assert cfg["data_schema"]["title"] == "Invoice" and cfg["extraction_target"] == "per_doc"
    assert cfg["cite_sources"] is True and cfg["confidence_scores"] is True
    assert state.projects[job["project_id"]].name == "HR intake"
    assert f.rec.file_name == f"invoice-grounding-{role.removeprefix('grounding_')}.pdf".replace(
        "_", "-"
    )
    assert [r.id for r in state.jobs_on_document(f.rec.document)] == [f.rec.id]
    assert f.paper.page_count == f.rec.pages == 2
    assert all(f.pages.values())  # two pages of text, none of them a scan
    # old: far down the newest-first lists
    assert job["created_at"] < state.get_job(state.notable["invoice_cited"])["created_at"]


def test_the_wrong_page_cites_a_page_that_does_not_print_the_text(state: SimState) -> None:
    f = faulty(state, "wrong_page")
    assert set(f.broken()) == {("invoice_number",), ("total",)}
    for path in f.broken():
        (cite,) = f.entry(path)["citation"]
        (true,) = f.truth(path)
        wanted = norm(cite["matching_text"])
        assert cite["matching_text"] == true["matching_text"]  # the real printed text
        assert cite["bounding_boxes"] == true["bounding_boxes"]  # ... and where it really is
        assert cite["page"] != true["page"] and 1 <= cite["page"] <= f.paper.page_count
        assert wanted in f.pages[true["page"]]
        assert wanted not in f.pages[cite["page"]], (path, cite["page"])


def test_the_big_box_covers_most_of_the_page(state: SimState) -> None:
    f = faulty(state, "big_box")
    ((path, kind),) = f.broken().items()
    assert (path, kind) == (("total",), "big_box")
    (cite,) = f.entry(path)["citation"]
    (true,) = f.truth(path)
    assert (cite["page"], cite["matching_text"]) == (true["page"], true["matching_text"])
    dims = cite["page_dimensions"]
    (box,) = cite["bounding_boxes"]
    assert box["w"] * box["h"] > 0.5 * dims["width"] * dims["height"]
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["w"] <= dims["width"] and box["y"] + box["h"] <= dims["height"]


def _amount(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


def test_the_values_disagree_with_their_correct_citations(state: SimState) -> None:
    f = faulty(state, "value_mismatch")
    assert f.broken() == {("total",): "value_mismatch", ("vendor", "name"): "value_mismatch"}
    for path in f.broken():
        assert f.entry(path)["citation"] == f.truth(path)  # the citation is right
    (total,) = f.entry(("total",))["citation"]
    assert f.value(("total",)) != _amount(total["matching_text"])
    assert sorted(f"{f.value(('total',)):.2f}") == sorted(f"{_amount(total['matching_text']):.2f}")
    (name,) = f.entry(("vendor", "name"))["citation"]
    value = f.value(("vendor", "name"))
    assert isinstance(value, str) and value
    assert norm(value) not in norm(name["matching_text"])
    assert norm(name["matching_text"]) not in norm(value)
    assert norm(name["matching_text"]) in f.pages[name["page"]]
    # the value is nowhere on the document: a reading of something else
    assert all(norm(value) not in text for text in f.pages.values())


def test_no_confidence_although_it_was_asked_for(state: SimState) -> None:
    f = faulty(state, "no_confidence")
    assert set(f.broken()) == set(f.leaves()) and set(f.broken().values()) == {"confidence_missing"}
    for path in f.leaves():
        entry = f.entry(path)
        assert not set(CONFIDENCE) & set(entry), path
        assert entry["citation"] == f.truth(path)  # citations present and right
    assert any(f.entry(path)["citation"] for path in f.leaves())


def test_no_citations_although_they_were_asked_for(state: SimState) -> None:
    f = faulty(state, "no_citations")
    assert set(f.broken()) == set(f.leaves()) and set(f.broken().values()) == {"citations_missing"}
    for path in f.leaves():
        entry = f.entry(path)
        assert "citation" not in entry, path
        assert set(CONFIDENCE) <= set(entry)
    assert "citation" not in str(f.meta)


def test_a_page_the_document_does_not_have(state: SimState) -> None:
    f = faulty(state, "bad_page")
    assert f.broken() == {("invoice_date",): "page_missing"}
    (cite,) = f.entry(("invoice_date",))["citation"]
    (true,) = f.truth(("invoice_date",))
    assert cite["page"] == BAD_PAGE > f.paper.page_count == 2
    assert {k: v for k, v in cite.items() if k != "page"} == {
        k: v for k, v in true.items() if k != "page"
    }


def test_a_box_partly_off_the_page(state: SimState) -> None:
    f = faulty(state, "off_page")
    assert f.broken() == {("vendor", "name"): "box_off_page"}
    (cite,) = f.entry(("vendor", "name"))["citation"]
    (true,) = f.truth(("vendor", "name"))
    assert (cite["page"], cite["matching_text"]) == (true["page"], true["matching_text"])
    width = cite["page_dimensions"]["width"]
    box = cite["bounding_boxes"][0]
    assert box["x"] < width < box["x"] + box["w"]  # starts on the page, ends off it
    assert cite["bounding_boxes"][1:] == true["bounding_boxes"][1:]


@pytest.mark.parametrize("role", sorted(GROUND_TRUTH))
def test_everything_else_is_grounded(state: SimState, role: str) -> None:
    """Each field not in the table: its citation is the document's, its value is what the
    cited text says (the documents of these jobs have no worn-scan misprints)."""
    f = Faulty(state, role)
    broken = f.broken()
    checked = 0
    for path in f.leaves():
        kind = broken.get(path)
        if kind not in (None, "confidence_missing", "citations_missing"):
            continue  # this field's citation or value is the planted fault
        entry = f.entry(path)
        # a job missing confidence (or citations) everywhere: the rest of each entry still holds
        if kind != "confidence_missing":
            assert set(CONFIDENCE) <= set(entry), path
        if kind == "citations_missing":
            assert "citation" not in entry
            checked += 1
            continue
        assert entry["citation"] == f.truth(path), path
        printed = f.printed(path)
        if printed is None:  # nothing printed (null): nothing cited
            assert entry["citation"] == [], path
            continue
        cites = entry["citation"]
        assert cites, path
        assert norm(" ".join(c["matching_text"] for c in cites)) == norm(printed), path
        for cite in cites:
            assert norm(cite["matching_text"]) in f.pages[cite["page"]], path
            for b in cite["bounding_boxes"]:
                assert b["x"] >= 0 and b["x"] + b["w"] <= f.paper.width, path
                assert b["y"] >= 0 and b["y"] + b["h"] <= f.paper.height, path
        checked += 1
    assert checked >= 10


def test_the_damage_is_the_same_every_time() -> None:
    a, b = (SimState(SimConfig(seed=7, big_rows=500, clock=ManualClock())) for _ in range(2))
    for role in GROUND_TRUTH:
        ja, jb = a.get_job(a.notable[role]), b.get_job(b.notable[role])
        assert ja is not None and jb is not None
        assert ja["extract_result"] == jb["extract_result"]
        assert ja["extract_metadata"] == jb["extract_metadata"]


# --- through HTTP, as a client reads them --------------------------------------------------

KEY = {"Authorization": "Bearer grounding"}


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=7, big_rows=500, api_key="grounding")) as s:
        yield s


def test_served_as_planted_and_checked_against_the_pdf(server: SimServer) -> None:
    """The wrong page's text is in the PDF on the page it really is, inside the cited boxes;
    the page cited has other text there."""
    state = server.state
    with httpx.Client(base_url=server.url, headers=KEY, timeout=60) as api:
        for role in GROUND_TRUTH:
            rec = state.record(state.notable[role])
            assert rec is not None
            params = {"expand": "extract_metadata", "project_id": rec.project_id}
            job = api.get(f"/api/v2/extract/{rec.id}", params=params).json()
            assert job["extract_metadata"] == state.get_job(rec.id)["extract_metadata"]
            if role != "grounding_wrong_page":
                continue
            pjb = job["extract_metadata"]["parse_job_id"]
            parse = api.get(
                f"/api/v2/parse/{pjb}", params={"expand": "text", "project_id": rec.project_id}
            ).json()
            texts = {p["page_number"]: norm(p["text"]) for p in parse["text"]["pages"]}
            file = state.file_of(rec)
            assert file is not None
            pdf = state.documents.pdf(file)
            paper = state.documents.paper(file)
            meta = job["extract_metadata"]["field_metadata"]["document_metadata"]
            for path in (("invoice_number",), ("total",)):
                (cite,) = meta[path[0]]["citation"]
                (true,) = paper.citations(path)
                wanted = norm(cite["matching_text"])
                assert wanted not in texts[cite["page"]] and wanted in texts[true["page"]]
                boxes = cite["bounding_boxes"]
                assert wanted in norm(text_in_boxes(pdf, true["page"], boxes))
                assert wanted not in norm(text_in_boxes(pdf, cite["page"], boxes))

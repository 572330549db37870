"""The grounding checks: each kind of problem, and the near-misses that must pass."""

from __future__ import annotations

from typing import Any

import pytest

from explorer.core.analysis import analyze, health_line, reground
from explorer.core.document import DocPage, Document, TextRun
from explorer.core.field_row import FieldRow
from explorer.core.grounding import check_grounding, normalise, value_in_text
from explorer.core.page_image import Box

LETTER = {"width": 612, "height": 792}
CFG = {"cite_sources": True, "confidence_scores": True}


def cite(page: int, text: str, box: dict[str, float] | None = None) -> dict[str, Any]:
    return {
        "page": page,
        "matching_text": text,
        "bounding_boxes": [box or {"x": 72, "y": 100, "w": 120, "h": 12}],
        "page_dimensions": dict(LETTER),
    }


def row(value: Any, *citations: dict[str, Any], path: tuple = ("total",), **meta: Any) -> FieldRow:
    entry = {"confidence": 0.9, "citation": list(citations), **meta}
    return FieldRow(path, value, entry)


def doc(*texts: str, runs: dict[int, list[TextRun]] | None = None) -> Document:
    d = Document(origin="test", page_count=len(texts))
    for i, text in enumerate(texts, 1):
        d.pages[i] = DocPage(i, 612, 792, text, (runs or {}).get(i))
    return d


def kinds(rows: list[FieldRow], document: Document | None = None, cfg: Any = CFG) -> list[str]:
    return [p.kind for p in check_grounding(rows, cfg, document).problems]


# -- values against their matching text -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234, "Total due: $1,234.00"),
        (1234.0, "1,234.00"),
        (1234, "CHF 1 234"),
        (1234, "CHF 1'234.–"),
        (1234.5, "Summe 1.234,50 €"),
        (1234, "1\u202f234 €"),
        (0.125, "VAT 12.5 %"),
        ("2024-03-15", "Invoice date: 15/03/2024"),
        ("2024-03-15", "March 15, 2024"),
        ("2024-03-15", "15 Mar 2024"),
        ("2024-03-15", "2024-03-15"),
        ("ACME Corporation", "Vendor:  acme\n corporation"),
        ("INV-2041", "Invoice number INV-2O41"),  # a worn scan's O for 0
        ("10.50", "$10.50"),
        ("In\u200bvoice", "invoice"),
    ],
)
def test_values_written_differently_still_match(value: Any, text: str) -> None:
    assert value_in_text(value, text) is True


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234.5, "Total due: $1,243.50"),
        (1234, "12,340"),
        ("2024-03-15", "Invoice date: 16/03/2024"),
        ("Northwind Traders", "Contoso Ltd"),
        ("INV-2041", "INV-2014"),
    ],
)
def test_values_not_in_their_text_are_caught(value: Any, text: str) -> None:
    assert value_in_text(value, text) is False


def test_booleans_and_nulls_are_not_judged() -> None:
    assert value_in_text(True, "Yes") is None
    assert value_in_text(None, "anything") is None


def test_normalise_drops_case_space_separators_and_currency() -> None:
    assert normalise("Total  DUE:\n$1,234.00") == normalise("total due: 1234.00")
    assert normalise("CHF 1 234") == "1234"


def test_value_mismatch_needs_no_document() -> None:
    got = check_grounding([row(1234.5, cite(1, "$1,243.50"))], CFG)
    assert [p.kind for p in got.problems] == ["value_mismatch"]
    assert "1243" not in got.problems[0].message or "$1,243.50" in got.problems[0].message
    assert got.problems[0].path_str == ".total"


def test_value_across_two_citations_is_found_in_both_together() -> None:
    r = row("1 Main Street Springfield", cite(1, "1 Main Street"), cite(2, "Springfield"))
    assert kinds([r]) == []


# -- boxes ------------------------------------------------------------------------------------


def test_box_over_most_of_the_page() -> None:
    big = {"x": 10, "y": 10, "w": 592, "h": 772}
    problems = check_grounding([row(5, cite(1, "5", big))], CFG).problems
    assert [p.kind for p in problems] == ["big_box"]
    assert "94%" in problems[0].message


def test_box_at_the_page_edge_passes_and_off_the_page_does_not() -> None:
    edge = {"x": 0, "y": 0, "w": 100, "h": 12}
    corner = {"x": 512, "y": 780, "w": 100, "h": 12}
    assert kinds([row(5, cite(1, "5", edge)), row(5, cite(1, "5", corner))]) == []
    off = {"x": 592, "y": 100, "w": 120, "h": 12}
    assert kinds([row(5, cite(1, "5", off))]) == ["box_off_page"]


def test_malformed_boxes_are_skipped_not_fatal() -> None:
    r = FieldRow(
        ("total",),
        5,
        {
            "confidence": 0.9,
            "citation": [
                {
                    "page": 1,
                    "matching_text": "5",
                    "bounding_boxes": [{"x": "a"}, None, {"x": float("nan"), "y": 1, "w": 1}],
                    "page_dimensions": {"width": 0, "height": "x"},
                }
            ],
        },
    )
    assert kinds([r]) == []


# -- against the document ---------------------------------------------------------------------


def test_matching_text_on_another_page_names_it() -> None:
    d = doc("Cover letter", "Total due: $1,234.00")
    problems = check_grounding([row(1234, cite(1, "Total due: $1,234.00"))], CFG, d).problems
    assert [p.kind for p in problems] == ["wrong_page"]
    assert "on page 2, not on the cited page 1" in problems[0].message


def test_matching_text_nowhere_in_the_document() -> None:
    d = doc("Cover letter", "Nothing here")
    assert kinds([row(1234, cite(1, "Total due: $1,234.00"))], d) == ["text_not_found"]


def test_matching_text_found_despite_spacing_case_and_line_breaks() -> None:
    d = doc("TOTAL   due:\n$1,234.00\nthanks")
    assert kinds([row(1234, cite(1, "Total due: $1,234.00"))], d) == []


def test_cited_page_missing() -> None:
    problems = check_grounding([row(5, cite(7, "5"))], CFG, doc("5", "6")).problems
    assert [p.kind for p in problems] == ["page_missing"]
    assert "page 7" in problems[0].message and "2 pages" in problems[0].message


def test_text_inside_the_box_must_hold_the_matching_text() -> None:
    runs = {
        1: [
            TextRun("Total due: $1,234.00", Box(72, 100, 120, 12)),
            TextRun("Thank you", Box(72, 300, 80, 12)),
        ]
    }
    d = doc("Total due: $1,234.00\nThank you", runs=runs)
    good = cite(1, "Total due: $1,234.00", {"x": 70, "y": 99, "w": 125, "h": 14})
    wrong = cite(1, "Total due: $1,234.00", {"x": 70, "y": 299, "w": 90, "h": 14})
    assert kinds([row(1234, good)], d) == []
    problems = check_grounding([row(1234, wrong)], CFG, d).problems
    assert [p.kind for p in problems] == ["box_text"]
    assert '"Thank you"' in problems[0].message


def test_a_scanned_page_is_not_held_against_the_field() -> None:
    d = doc("")
    d.pages[1].error = "No text layer"
    report = check_grounding([row(1234, cite(1, "Total due: $1,234.00"))], CFG, d)
    assert report.problems == []
    assert report.notes and "page 1" in report.notes[0]


# -- what was asked for -----------------------------------------------------------------------


def test_confidence_asked_for_but_missing() -> None:
    r = FieldRow(("total",), 5, {"citation": [cite(1, "5")]})
    assert kinds([r]) == ["confidence_missing"]
    assert kinds([r], cfg={"confidence_scores": False}) == []


def test_citations_asked_for_but_missing() -> None:
    r = FieldRow(("total",), 5, {"confidence": 0.9})
    assert kinds([r]) == ["citations_missing"]
    # an empty list is the service saying "cited nothing", not dropping citations
    assert kinds([FieldRow(("total",), 5, {"confidence": 0.9, "citation": []})]) == []
    # nothing is asked of a value that is not there
    assert kinds([FieldRow(("total",), None, {"confidence": 0.9})]) == []


# -- in the analysis --------------------------------------------------------------------------


def _job() -> dict[str, Any]:
    return {
        "id": "ext-1",
        "status": "COMPLETED",
        "configuration": {**CFG, "data_schema": {"type": "object"}},
        "extract_result": {"total": 1234, "vendor": "ACME"},
        "extract_metadata": {
            "field_metadata": {
                "document_metadata": {
                    "total": {"confidence": 0.9, "citation": [cite(1, "Total: $1,234.00")]},
                    "vendor": {"confidence": 0.95, "citation": [cite(1, "ACME")]},
                }
            }
        },
    }


def test_analysis_joins_grounding_problems_to_rows_flags_and_health() -> None:
    analysis = analyze(_job())
    assert analysis.grounding_count == 0
    assert "not checked against a document" in health_line(analysis)
    reground(analysis, doc("Cover", "Total: $1,234.00 ACME"))
    assert analysis.grounding_count == 2
    total = next(r for r in analysis.rows if r.path == ("total",))
    assert any("not on the cited page 1" in m for m in total.problems)
    assert ("total",) in analysis.flagged
    assert "2 ungrounded" in health_line(analysis)
    # checked again against the right document: the problems go, nothing is left behind
    reground(analysis, doc("Total: $1,234.00 ACME"))
    assert analysis.grounding_count == 0 and total.problems == []
    assert ("total",) not in analysis.flagged
    assert "grounded in the document" in health_line(analysis)

"""Comparing two jobs field by field."""

from __future__ import annotations

import json
import math

import pytest

from explorer.core.diff import change_to_json, diff_jobs, diff_summary
from tests.core import entry, invoice_job, statement_job


def kinds(changes):
    return [(c.path_str, c.kind) for c in changes]


def two_tiers():
    a = invoice_job()
    b = invoice_job()
    rb = b["extract_result"]
    rb["total"] = 1243.0  # changed
    del rb["tags"]  # removed (both elements)
    rb["vendor"]["vat_id"] = "DE123"  # added, between vendor fields and the rest
    b["extract_metadata"]["field_metadata"]["document_metadata"]["total"]["confidence"] = 0.6
    b["extract_metadata"]["field_metadata"]["document_metadata"]["invoice_number"] = entry(0.7)
    return a, b


def test_changed_added_removed() -> None:
    a, b = two_tiers()
    changes = diff_jobs(a, b)
    assert kinds(changes) == [
        (".vendor.vat_id", "added"),
        (".total", "changed"),
        (".tags[0]", "removed"),
        (".tags[1]", "removed"),
    ]
    total = changes[1]
    assert (total.old, total.new) == (1234.0, 1243.0)
    assert (total.old_confidence, total.new_confidence) == (0.9, 0.6)
    assert total.confidence_delta == pytest.approx(-0.3)
    added = changes[0]
    assert added.old is None and added.new == "DE123" and added.old_type is None
    assert added.new_type == "string" and added.confidence_delta is None


def test_include_same_keeps_order_and_confidence_moves() -> None:
    a, b = two_tiers()
    changes = diff_jobs(a, b, include_same=True)
    paths = [c.path_str for c in changes]
    assert paths[:4] == [".vendor.name", ".vendor.address", ".vendor.vat_id", ".invoice_number"]
    inv = changes[3]
    assert inv.kind == "same" and inv.confidence_delta == pytest.approx(0.7 - 0.99)
    s = diff_summary(changes)
    assert (s.changed, s.added, s.removed, s.same) == (1, 1, 2, 8)


def test_json_equality_rules() -> None:
    def job(v):
        return {"extract_result": {"v": v}}

    assert diff_jobs(job(1), job(1.0)) == []
    assert kinds(diff_jobs(job(1), job(True))) == [(".v", "changed")]
    assert kinds(diff_jobs(job(0), job(None))) == [(".v", "changed")]
    assert diff_jobs(job(math.nan), job(math.nan)) == []
    assert kinds(diff_jobs(job("1"), job(1))) == [(".v", "changed")]
    assert kinds(diff_jobs(job([]), job({}))) == [(".v", "changed")]


def test_list_results_compare_by_row_index() -> None:
    a = statement_job(3)
    b = statement_job(2)
    b["extract_result"][1]["amount"] = 99
    assert kinds(diff_jobs(a, b)) == [
        (".[1].amount", "changed"),
        (".[2].date", "removed"),
        (".[2].description", "removed"),
        (".[2].amount", "removed"),
    ]


def test_metadata_only_rows_are_not_values() -> None:
    a = invoice_job()
    a["extract_metadata"]["field_metadata"]["document_metadata"]["ghost"] = entry(0.1)
    assert diff_jobs(a, invoice_job()) == []


def test_odd_jobs_and_summary_json() -> None:
    assert diff_jobs(None, "x") == []
    changes = diff_jobs({"extract_result": None}, invoice_job())
    assert {c.kind for c in changes} == {"added"}
    s = diff_summary(changes)
    assert s.added == 11 and s.mean_confidence_delta is None
    d = change_to_json(changes[0])
    assert d == {
        "path": ".vendor.name",
        "kind": "added",
        "old": None,
        "new": "ACME GmbH",
        "old_type": None,
        "new_type": "string",
        "old_confidence": None,
        "new_confidence": 0.93,
        "confidence_delta": None,
    }
    json.dumps(d)

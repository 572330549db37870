"""Flattening results into field rows and matching them with field metadata."""

from __future__ import annotations

import json
import math

import pytest

from explorer.core.fields import (
    PROBLEM_NOT_IN_RESULT,
    PROBLEM_UNREADABLE,
    extraction_target,
    field_rows,
    fields_on_page,
    item_count,
    iter_field_rows,
    job_health,
    metadata_errors,
    metadata_for,
    row_to_json,
)
from explorer.core.jsonpath import format_path, get_at, parse_path
from tests.core import (
    FIXTURES,
    SHARED_SEED,
    entry,
    invoice_job,
    report_job,
    seed_example_job,
    statement_job,
)


def by_path(rows):
    return {r.path_str: r for r in rows}


def test_per_doc_rows_in_document_order_with_types() -> None:
    rows = field_rows(invoice_job())
    assert [r.path_str for r in rows] == [
        ".vendor.name",
        ".vendor.address",
        ".invoice_number",
        ".total",
        ".currency",
        ".line_items[0].description",
        ".line_items[0].amount",
        ".line_items[1].description",
        ".line_items[1].amount",
        ".tags[0]",
        ".tags[1]",
    ]
    r = by_path(rows)
    assert r[".vendor.address"].type == "null"
    assert r[".total"].type == "number"
    assert r[".invoice_number"].type == "string"
    assert all(x.item_index is None and x.in_result for x in rows)
    assert r[".line_items[1].amount"].path == ("line_items", 1, "amount")


def test_leaf_entry_confidences_citations_reasoning() -> None:
    total = by_path(field_rows(invoice_job()))[".total"]
    assert (total.confidence, total.extraction_confidence, total.parsing_confidence) == (
        0.9,
        0.95,
        0.98,
    )
    assert total.reasoning == "VERBATIM EXTRACTION"
    [c] = total.citations
    assert c.page == 2
    assert c.matching_text == "Total due: $1,234.00"
    assert c.bounding_boxes == [{"x": 72.0, "y": 540.5, "w": 180.2, "h": 14.0}]
    assert c.page_dimensions == {"width": 612, "height": 792}
    assert total.raw is total.meta
    assert total.problems == []


def test_reasoning_beside_subfields_is_inherited_unless_the_entry_has_its_own() -> None:
    r = by_path(field_rows(invoice_job()))
    assert r[".vendor.name"].reasoning == "vendor block, top left"
    assert r[".vendor.address"].reasoning == "no address printed"
    # "reasoning" beside sub-fields is not a field of its own
    assert ".vendor.reasoning" not in r


def test_field_without_metadata_still_gets_a_row() -> None:
    cur = by_path(field_rows(invoice_job()))[".currency"]
    assert cur.value == "EUR"
    assert cur.meta is None and cur.raw is None
    assert cur.confidence is None and cur.citations == [] and cur.reasoning is None


def test_nested_arrays_of_objects_match_per_element() -> None:
    r = by_path(field_rows(invoice_job()))
    assert r[".line_items[0].amount"].confidence == 0.85
    assert r[".line_items[1].description"].citations[0].page == 2
    assert r[".line_items[1].description"].citations[0].matching_text == "Gadget"


def test_single_entry_for_an_array_of_scalars_applies_to_each_element() -> None:
    r = by_path(field_rows(invoice_job()))
    for p in (".tags[0]", ".tags[1]"):
        assert r[p].confidence == 0.5
        assert r[p].reasoning == "inferred from stamps"
        assert r[p].inherited
    assert metadata_for(invoice_job(), ("tags", 1)) == {
        "confidence": 0.5,
        "reasoning": "inferred from stamps",
    }


def test_array_of_scalars_with_per_element_entries() -> None:
    job = {
        "extract_result": {"codes": ["a", "b", "c"]},
        "extract_metadata": {
            "field_metadata": {"document_metadata": {"codes": [entry(0.1), entry(0.2)]}}
        },
    }
    r = by_path(field_rows(job))
    assert [r[f".codes[{i}]"].confidence for i in range(3)] == [0.1, 0.2, None]


def test_metadata_for_absent_paths_becomes_flagged_rows_after_their_siblings() -> None:
    job = invoice_job()
    dm = job["extract_metadata"]["field_metadata"]["document_metadata"]
    dm["due_date"] = entry(0.4, 3, "Due 2025-02-01")
    dm["line_items"].append({"amount": entry(0.3)})
    dm["vendor"]["vat_id"] = entry(0.6)
    rows = field_rows(job)
    paths = [r.path_str for r in rows]
    ghost = by_path(rows)[".due_date"]
    assert not ghost.in_result
    assert ghost.value is None and ghost.type == "missing"
    assert ghost.problems == [PROBLEM_NOT_IN_RESULT]
    assert ghost.confidence == 0.4 and ghost.citations[0].page == 3
    assert paths.index(".vendor.vat_id") == paths.index(".vendor.address") + 1
    assert paths.index(".line_items[2].amount") == paths.index(".line_items[1].amount") + 1
    assert paths[-1] == ".due_date"
    # absent rows do not count as fields, but their problems do
    health = job_health(rows)
    assert health.fields == 11
    assert health.problem_count == 3


def test_metadata_that_cannot_be_interpreted_is_kept_raw_and_flagged() -> None:
    job = {
        "extract_result": {"a": "x", "b": {"c": 1}, "d": None},
        "extract_metadata": {
            "field_metadata": {"document_metadata": {"a": "high", "b": 42, "d": {"e": entry(0.5)}}}
        },
    }
    r = by_path(field_rows(job))
    assert r[".a"].raw == "high" and r[".a"].problems == [PROBLEM_UNREADABLE]
    assert r[".b.c"].raw == 42 and r[".b.c"].problems == [PROBLEM_UNREADABLE]
    # a null object whose metadata describes sub-fields: the sub-field shows up as absent
    assert r[".d"].value is None and r[".d"].raw == {"e": entry(0.5)}
    assert r[".d.e"].problems == [PROBLEM_NOT_IN_RESULT]


def test_error_keys_are_surfaced_not_fields() -> None:
    job = invoice_job()
    dm = job["extract_metadata"]["field_metadata"]["document_metadata"]
    dm["error"] = "partial extraction"
    dm["vendor"]["error"] = {"code": 3}
    dm["total"]["error"] = "low quality scan"
    rows = field_rows(job)
    assert ".error" not in by_path(rows)
    assert by_path(rows)[".total"].problems == ["metadata error: low quality scan"]
    errs = dict(metadata_errors(job))
    assert errs[()] == "partial extraction"
    assert errs[("vendor",)] == '{"code": 3}'
    assert errs[("total",)] == "low quality scan"


def test_a_result_field_called_error_keeps_its_metadata() -> None:
    job = {
        "extract_result": {"error": "E42"},
        "extract_metadata": {"field_metadata": {"document_metadata": {"error": entry(0.7)}}},
    }
    [row] = field_rows(job)
    assert row.path_str == ".error" and row.confidence == 0.7
    assert metadata_errors(job) == []


def test_per_page_rows_start_with_the_page_index() -> None:
    rows = field_rows(report_job())
    assert [r.path_str for r in rows] == [
        ".[0].title",
        ".[0].figures",
        ".[1].title",
        ".[1].figures",
    ]
    assert [r.item_index for r in rows] == [0, 0, 1, 1]
    assert by_path(rows)[".[1].figures"].confidence == 0.4
    assert extraction_target(report_job()) == "per_page"


def test_per_table_row_and_extra_metadata_rows() -> None:
    job = statement_job(3)
    job["extract_metadata"]["field_metadata"]["row_metadata"].append({"amount": entry(0.1)})
    rows = field_rows(job)
    assert rows[0].path_str == ".[0].date"
    assert by_path(rows)[".[2].amount"].confidence == pytest.approx(0.78)
    last = rows[-1]
    assert last.path_str == ".[3].amount"
    assert last.item_index == 3 and not last.in_result
    assert item_count(job) == 3


def test_iterator_window_flattens_only_the_items_asked_for() -> None:
    job = statement_job(100)
    rows = list(iter_field_rows(job, start=40, stop=42))
    assert [r.path_str for r in rows] == [
        ".[40].date",
        ".[40].description",
        ".[40].amount",
        ".[41].date",
        ".[41].description",
        ".[41].amount",
    ]


def test_extraction_target_inference() -> None:
    def job(result, **fm):
        return {"extract_result": result, "extract_metadata": {"field_metadata": fm}}

    assert extraction_target(job({"a": 1})) == "per_doc"
    assert extraction_target(job([{"a": 1}], row_metadata=[{}])) == "per_table_row"
    assert extraction_target(job([{"a": 1}], page_metadata=[{}])) == "per_page"
    assert extraction_target(job([{"a": 1}])) == "per_table_row"
    assert extraction_target(job(None, page_metadata=[{}])) == "per_page"
    assert extraction_target({"configuration": {"extraction_target": "future_mode"}}) == (
        "future_mode"
    )
    assert extraction_target("not a job") == "per_doc"


def test_list_result_picks_the_metadata_list_of_its_target() -> None:
    job = report_job()
    fm = job["extract_metadata"]["field_metadata"]
    fm["row_metadata"] = [{"title": entry(0.01)}]
    assert field_rows(job)[0].confidence == 0.9  # per_page reads page_metadata
    del job["configuration"]
    fm["row_metadata"] = []
    assert field_rows(job)[0].confidence == 0.9  # an empty list is skipped for a full one


def test_metadata_for_paths() -> None:
    job = invoice_job()
    assert metadata_for(job, ("total",))["parsing_confidence"] == 0.98
    assert metadata_for(job, ("currency",)) is None
    assert metadata_for(job, ("vendor",)) is None  # a mapping, not an entry
    assert metadata_for(job, ("line_items", 1, "amount"))["confidence"] == 0.6
    assert metadata_for(job, ("nope", 3)) is None
    assert metadata_for(statement_job(), (1, "description"))["confidence"] == 0.9
    assert metadata_for(statement_job(), ("description",)) is None
    assert metadata_for(None, ()) is None


def test_odd_shapes_do_not_raise() -> None:
    odd_results = [
        "just text",
        42,
        [],
        {},
        [1, "two", None, [3]],
        {"a": [], "b": {}},
        {"a": [[1, 2], [3]]},
    ]
    odd_meta = [None, "x", 1, [], {}, [None, "y"], {"document_metadata": [1, 2]}]
    for result in odd_results:
        for meta in odd_meta:
            job = {"extract_result": result, "extract_metadata": {"field_metadata": meta}}
            rows = field_rows(job, check_schema=True)
            for r in rows:
                json.dumps(row_to_json(r))
    assert field_rows({"extract_result": "text"})[0].path_str == "."
    assert [r.path_str for r in field_rows({"extract_result": [1, [2]]})] == [".[0]", ".[1][0]"]
    empty = by_path(field_rows({"extract_result": {"a": [], "b": {}}}))
    assert (empty[".a"].type, empty[".b"].type) == ("array", "object")
    assert field_rows({"status": "RUNNING", "extract_result": None}) == []
    assert field_rows("garbage") == [] and metadata_errors(17) == []


def test_hostile_numbers_in_metadata() -> None:
    job = {
        "extract_result": {"a": 1, "b": 2, "c": 3, "d": 4},
        "extract_metadata": {
            "field_metadata": {
                "document_metadata": {
                    "a": {"confidence": math.nan},
                    "b": {"confidence": 10**400},
                    "c": {"confidence": True, "citation": [{"page": "3"}, "junk", {"page": 2.0}]},
                    "d": {"confidence": "0.9", "citation": {"page": math.inf}},
                }
            }
        },
    }
    r = by_path(field_rows(job))
    assert [r[p].confidence for p in (".a", ".b", ".c", ".d")] == [None, None, None, None]
    assert [c.page for c in r[".c"].citations] == [3, 2]
    assert [c.page for c in r[".d"].citations] == [None]


def test_deep_nesting_is_walked_without_recursion() -> None:
    value: dict = {}
    cur = value
    for _ in range(5000):
        cur["k"] = {}
        cur = cur["k"]
    cur["k"] = "bottom"
    meta: dict = {}
    cur = meta
    for _ in range(5000):
        cur["k"] = {}
        cur = cur["k"]
    cur["k"] = entry(0.5)
    [row] = field_rows({"extract_result": value, "extract_metadata": {"field_metadata": {
        "document_metadata": meta}}})  # fmt: skip
    assert row.value == "bottom" and row.confidence == 0.5 and len(row.path) == 5001


def test_job_health_summary() -> None:
    h = job_health(field_rows(invoice_job()))
    assert h.fields == 11
    confs = [0.93, 0.2, 0.99, 0.9, 0.8, 0.85, 0.7, 0.6, 0.5, 0.5]
    assert h.mean_confidence == pytest.approx(sum(confs) / len(confs))
    assert h.lowest == (("vendor", "address"), 0.2)
    assert h.share_cited == pytest.approx(7 / 11)
    assert h.problem_count == 0
    assert job_health([]) == (0, None, None, None, 0)


def test_fields_on_page() -> None:
    rows = field_rows(invoice_job())
    assert [r.path_str for r in fields_on_page(rows, 2)] == [
        ".total",
        ".line_items[1].description",
        ".line_items[1].amount",
    ]
    assert fields_on_page(rows, 99) == []


def test_row_to_json() -> None:
    total = by_path(field_rows(invoice_job()))[".total"]
    d = row_to_json(total)
    assert d["path"] == ".total" and d["value"] == 1234.0 and d["type"] == "number"
    assert d["confidence"] == 0.9 and d["parsing_confidence"] == 0.98
    assert d["citations"][0]["page"] == 2
    assert d["citations"][0]["matching_text"] == "Total due: $1,234.00"
    assert d["citations"][0]["bounding_boxes"][0]["w"] == 180.2
    assert d["reasoning"] == "VERBATIM EXTRACTION" and d["problems"] == []
    json.dumps(d)


def test_check_schema_attaches_problems_and_adds_rows_for_missing_fields() -> None:
    job = invoice_job()
    res = job["extract_result"]
    res["currency"] = "EURO"
    del res["total"]
    res["line_items"][1]["amount"] = "234,00"
    rows = field_rows(job, check_schema=True)
    r = by_path(rows)
    assert r[".currency"].problems == ['"EURO" is not one of ["USD","EUR","GBP"]']
    assert r[".line_items[1].amount"].problems == ['expected number, got string "234,00"']
    missing = r[".total"]
    assert not missing.in_result and missing.type == "missing"
    assert missing.problems == ["metadata for a field not in the result", "required field "
                                '"total" is missing']  # fmt: skip
    assert job_health(rows).problem_count == 4


def test_seed_example_job(seed_job: dict) -> None:
    assert seed_job == seed_example_job()
    [row] = field_rows(seed_job, check_schema=True)
    assert row.path_str == ".foo.foo" and row.value == "bar"
    assert row.raw == "bar" and row.problems == [PROBLEM_UNREADABLE]
    assert extraction_target(seed_job) == "per_doc"
    assert metadata_for(seed_job, ("foo", "foo")) is None
    assert metadata_errors(seed_job) == []


def test_seed_copy_matches_the_shared_fixture() -> None:
    if not SHARED_SEED.exists():
        pytest.skip("no shared checkout next to the repo")
    assert json.loads(SHARED_SEED.read_text()) == json.loads(
        (FIXTURES / "seed-example-job.json").read_text()
    )


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "."),
        (("vendor", "name"), ".vendor.name"),
        (("line_items", 2, "amount"), ".line_items[2].amount"),
        ((41, "amount"), ".[41].amount"),
        (("unit price",), '."unit price"'),
        (("a.b",), '."a.b"'),
        (("x", 0, 'q"uote', "é"), '.x[0]."q\\"uote"."é"'),
        (("_ok9", "9no"), '._ok9."9no"'),
        (("",), '.""'),
    ],
)
def test_format_and_parse_path(path: tuple, text: str) -> None:
    assert format_path(path) == text
    assert parse_path(text) == path


def test_parse_path_leniency_and_errors() -> None:
    assert parse_path('.["a.b"][3]') == ("a.b", 3)
    assert parse_path("vendor.name") == ("vendor", "name")
    assert parse_path(".[-1]") == (-1,)
    assert parse_path("  .a  ") == ("a",)
    for bad in ('."open', ".a[", ".a[x]", ".a b", ".[1"):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_get_at() -> None:
    v = {"a": [{"b": None}, 2]}
    assert get_at(v, ("a", 0, "b")) is None
    assert get_at(v, ("a", -1)) == 2
    assert not get_at(v, ("a", 5))
    assert get_at(v, ("a", "0"), "dflt") == "dflt"
    assert get_at(v, ()) is v

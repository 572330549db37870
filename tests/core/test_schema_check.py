"""Checking results against the job's data_schema."""

from __future__ import annotations

import copy
import urllib.request

import pytest

from explorer.core.fields import field_rows
from explorer.core.schema_check import KINDS, attach_problems, check_job, check_result
from tests.core import invoice_job, report_job, seed_example_job, statement_job


def problems(result):
    return [(p.path_str, p.kind, p.message) for p in result.problems]


def test_clean_invoice_passes() -> None:
    res = check_job(invoice_job())
    assert res.error is None and res.problems == [] and res.warnings == []
    assert res.exit_code == 0


def test_each_kind_of_problem() -> None:
    job = invoice_job()
    schema = job["configuration"]["data_schema"]
    schema["properties"]["vendor"]["additionalProperties"] = False
    schema["properties"]["issued"] = {"type": "string", "format": "date"}
    schema["properties"]["total"]["minimum"] = 0
    r = job["extract_result"]
    r["vendor"]["vat"] = "DE123"
    r["invoice_number"] = "No. 1"
    del r["currency"]
    r["issued"] = "2025-13-45"
    r["line_items"][0]["amount"] = "12a"
    r["line_items"][1]["description"] = None
    r["total"] = -5
    r["tags"] = ["ok", "EURO"]
    schema["properties"]["tags"]["items"] = {"enum": ["ok", "USD", "EUR", "GBP"]}
    res = check_job(job)
    assert res.error is None and res.exit_code == 1
    got = problems(res)
    assert (".currency", "required", 'required field "currency" is missing') in got
    assert (".vendor.vat", "additional", 'field "vat" is not allowed by the schema') in got
    assert (
        ".invoice_number",
        "pattern",
        '"No. 1" does not match the pattern "^INV-[0-9]+$"',
    ) in got
    assert (".issued", "format", '"2025-13-45" is not a valid date') in got
    assert (".line_items[0].amount", "type", 'expected number, got string "12a"') in got
    assert (
        ".line_items[1].description",
        "null_required",
        'required field "description" is null',
    ) in got
    assert (".tags[1]", "enum", '"EURO" is not one of ["ok","USD","EUR","GBP"]') in got
    assert (".total", "other", "-5 is less than the minimum of 0") in got
    # one cause, one problem: the null is not also reported as a type error
    assert [p for p in got if p[0] == ".line_items[1].description"] == [
        (".line_items[1].description", "null_required", 'required field "description" is null')
    ]
    assert {k for _, k, _ in got} == set(KINDS)


def test_null_required_even_when_the_schema_allows_null() -> None:
    schema = {
        "type": "object",
        "required": ["a", "b"],
        "properties": {"a": {"type": ["string", "null"]}, "b": {"anyOf": [{"type": "null"}]}},
    }
    assert problems(check_result({"a": None, "b": None}, schema)) == [
        (".a", "null_required", 'required field "a" is null'),
        (".b", "null_required", 'required field "b" is null'),
    ]
    assert check_result({"a": None}, {"properties": {"a": {"type": "string"}}}).problems[
        0
    ].kind == ("type")  # not required: a null is a plain type problem


def test_nullable_any_of_reads_as_a_type_problem() -> None:
    schema = {"properties": {"n": {"anyOf": [{"type": "number"}, {"type": "null"}]}}}
    assert problems(check_result({"n": "x"}, schema)) == [
        (".n", "type", 'expected number or null, got string "x"')
    ]


def test_list_results_are_checked_per_item_with_index_paths() -> None:
    job = report_job()
    job["extract_result"][1]["figures"] = "three"
    del job["extract_result"][0]["title"]
    assert problems(check_job(job)) == [
        (".[0].title", "required", 'required field "title" is missing'),
        (".[1].figures", "type", 'expected integer, got string "three"'),
    ]
    assert check_job(statement_job()).problems == []


def test_a_schema_for_the_whole_array_checks_the_array() -> None:
    schema = {"type": "array", "items": {"type": "integer"}, "maxItems": 2}
    got = problems(check_result([1, "a", 3], schema))
    assert (".[1]", "type", 'expected integer, got string "a"') in got
    assert any(p[0] == "." and p[1] == "other" for p in got)


def test_long_values_are_cut_in_messages() -> None:
    res = check_result({"x": "y" * 10_000}, {"properties": {"x": {"type": "integer"}}})
    msg = res.problems[0].message
    assert msg.startswith('expected integer, got string "yyy') and msg.endswith('…"')
    assert len(msg) < 130


def test_dialect_from_dollar_schema() -> None:
    draft4 = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "properties": {"n": {"minimum": 5, "exclusiveMinimum": True}},
    }
    assert [p.kind for p in check_result({"n": 5}, draft4).problems] == ["other"]
    # the same schema is invalid under the 2020-12 default
    del draft4["$schema"]
    assert check_result({"n": 5}, draft4).error.startswith(
        "the data_schema is not a valid JSON Schema: "
    )


def test_errors_instead_of_exceptions() -> None:
    job = invoice_job()
    job["configuration"]["data_schema"] = {"type": "nope"}
    res = check_job(job)
    assert res.error.startswith("the data_schema is not a valid JSON Schema: ")
    assert res.exit_code == 2

    no_conf = invoice_job()
    del no_conf["configuration"]
    no_conf["configuration_id"] = "cfg-1"
    assert "expand=configuration" in check_job(no_conf).error

    running = invoice_job()
    running["status"] = "RUNNING"
    running["extract_result"] = None
    assert check_job(running).error == "there is no result to check (status RUNNING)"
    assert check_job("nope").error
    assert check_result(None, {}).error


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#"},
        {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
        {"$ref": "#/nowhere"},
        {"properties": {"a": {"$ref": "#"}}, "$schema": 12},
        {"$schema": ["not", "hashable"]},
        "a string",
        [1, 2],
    ],
)
def test_pathological_schemas_report_an_error(schema) -> None:
    res = check_result({"a": {"a": 1}}, schema)
    assert res.error is not None and res.exit_code == 2


def test_remote_refs_are_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    res = check_result({"a": 1}, {"$ref": "https://example.com/schema.json"})
    assert res.error.startswith("a $ref in the data_schema cannot be resolved")


def test_recursive_schema_on_deep_result_is_an_error_not_a_crash() -> None:
    value: dict = {}
    cur = value
    for _ in range(3000):
        cur["a"] = {}
        cur = cur["a"]
    res = check_result(value, {"properties": {"a": {"$ref": "#"}}})
    assert res.error and "too deep" in res.error


def test_seed_example_schema_is_valid_but_checks_nothing() -> None:
    res = check_job(seed_example_job())
    assert res.error is None and res.problems == []
    assert res.warnings == [
        "the data_schema has no JSON Schema validation keywords (foo), so any result passes"
    ]
    assert res.exit_code == 0


def test_attach_problems_places_rows() -> None:
    job = invoice_job()
    job["configuration"]["data_schema"]["properties"]["line_items"]["maxItems"] = 1
    del job["extract_result"]["line_items"][0]["amount"]  # it has metadata: a row exists
    del job["extract_result"]["currency"]  # no metadata: a row is made for the problem
    rows = field_rows(job)
    res = check_job(job)
    out = attach_problems(rows, res.problems, job["extract_result"])
    paths = [r.path_str for r in out]
    # the container the problem is about comes before its fields, holding the value
    i = paths.index(".line_items")
    assert paths[i + 1] == ".line_items[0].description"
    assert out[i].type == "array" and out[i].problems[0].startswith("[{")
    assert out[i].value is job["extract_result"]["line_items"]
    assert paths[i + 2] == ".line_items[0].amount" and out[i + 2].type == "missing"
    assert out[i + 2].problems[-1] == 'required field "amount" is missing'
    # a missing field without metadata comes after its parent's fields
    assert paths[-1] == ".currency" and out[-1].type == "missing"
    assert out[-1].problems == ['required field "currency" is missing']
    assert len(out) == len(rows) + 2
    assert attach_problems(rows, [], None) is rows


def test_check_does_not_modify_the_job() -> None:
    job = invoice_job()
    job["extract_result"]["total"] = None
    before = copy.deepcopy(job)
    check_job(job)
    field_rows(job, check_schema=True)
    assert job == before

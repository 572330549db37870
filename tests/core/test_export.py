"""Exports read back with the standard library."""

from __future__ import annotations

import csv
import decimal
import io
import json
import math

import pytest

from explorer.core.export import (
    csv_cell,
    export_csv,
    export_fields_csv,
    export_fields_json,
    export_json,
    export_jsonl,
    to_json,
)
from explorer.core.fields import field_rows
from tests.core import invoice_job, report_job, seed_example_job, statement_job


def strict_loads(text: str):
    def reject(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=reject)


def read_csv(text: str) -> list[dict[str, str]]:
    old = csv.field_size_limit(10**8)  # the reader's default 128 KiB cell limit
    try:
        return list(csv.DictReader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(old)


def test_export_json_keeps_the_whole_job() -> None:
    job = invoice_job()
    text = export_json(job)
    assert strict_loads(text) == job
    assert text.startswith('{\n  "id": "ext-invoice"')


def test_export_json_hostile_values_stay_strict_and_encodable() -> None:
    deep: list = []
    cur = deep
    for _ in range(600):  # past orjson's depth limit, within json.loads' own
        cur.append([])
        cur = cur[0]
    job = {
        "nan": math.nan,
        "inf": -math.inf,
        "huge": 10**5000,
        "big": 2**70,
        "lone": "a\ud800b",
        "ctrl": "\x1b[31m\x00",
        "deep": deep,
    }
    text = export_json(job)
    text.encode("utf-8")
    # Python's own json.loads refuses ints over 4300 digits; Decimal reads them
    back = json.loads(text, parse_int=decimal.Decimal)
    assert back["nan"] is None and back["inf"] is None
    assert back["huge"] == decimal.Decimal(10**5000)
    assert back["big"] == 2**70
    assert back["lone"] == "a\ud800b"
    assert back["ctrl"] == "\x1b[31m\x00"
    assert back["deep"] == deep


def test_huge_ints_are_written_in_full() -> None:
    n = 7 * 10**6000 + 3
    text = to_json({"n": n}, indent=None)
    digits = text[len('{"n":') : -1]
    assert len(digits) == 6001 and digits.startswith("7") and digits.endswith("3")


def test_jsonl_one_item_per_line() -> None:
    lines = export_jsonl(statement_job(3)).splitlines()
    assert [strict_loads(x) for x in lines] == statement_job(3)["extract_result"]
    per_doc = export_jsonl(invoice_job())
    assert per_doc.count("\n") == 1 and strict_loads(per_doc) == invoice_job()["extract_result"]
    assert export_jsonl({"extract_result": None}) == ""
    multi = export_jsonl({"extract_result": [{"t": "line\nbreak\u2028"}]})
    assert multi.count("\n") == 1


def test_csv_per_table_row_dotted_columns_union_in_first_seen_order() -> None:
    job = {
        "configuration": {"extraction_target": "per_table_row"},
        "extract_result": [
            {"vendor": {"name": "A"}, "line_items": [{"amount": 1}], "n": None},
            {"vendor": {"name": "B", "city": "Köln"}, "line_items": [], "extra": True},
            {"line_items": [{"amount": 2}, {"amount": 3.5}]},
        ],
    }
    text = export_csv(job)
    header = next(csv.reader(io.StringIO(text)))
    assert header == [
        "vendor.name",
        "line_items.0.amount",
        "n",
        "vendor.city",
        "line_items",
        "extra",
        "line_items.1.amount",
    ]
    rows = read_csv(text)
    assert rows[0] == {
        "vendor.name": "A",
        "line_items.0.amount": "1",
        "n": "",
        "vendor.city": "",
        "line_items": "",
        "extra": "",
        "line_items.1.amount": "",
    }
    assert rows[1]["vendor.city"] == "Köln" and rows[1]["line_items"] == "[]"
    assert rows[1]["extra"] == "true"
    assert rows[2]["line_items.1.amount"] == "3.5"


def test_csv_per_page_and_statement() -> None:
    rows = read_csv(export_csv(report_job()))
    assert rows == [
        {"title": "Introduction", "figures": "1"},
        {"title": "Results", "figures": "3"},
    ]
    st = read_csv(export_csv(statement_job(2)))
    assert st[1] == {"date": "2025-01-02", "description": "Payment 1", "amount": "-25.0"}


def test_csv_per_doc_is_the_result_in_one_row_of_dotted_columns() -> None:
    # the result's values, as for per_page: not the field table (that is export_fields_csv)
    text = export_csv(invoice_job())
    header = next(csv.reader(io.StringIO(text)))
    assert header == [
        "vendor.name",
        "vendor.address",
        "invoice_number",
        "total",
        "currency",
        "line_items.0.description",
        "line_items.0.amount",
        "line_items.1.description",
        "line_items.1.amount",
        "tags.0",
        "tags.1",
    ]
    assert read_csv(text) == [
        {
            "vendor.name": "ACME GmbH",
            "vendor.address": "",
            "invoice_number": "INV-001",
            "total": "1234.0",
            "currency": "EUR",
            "line_items.0.description": "Widget",
            "line_items.0.amount": "1000.0",
            "line_items.1.description": "Gadget",
            "line_items.1.amount": "234.0",
            "tags.0": "urgent",
            "tags.1": "paid",
        }
    ]
    # the same columns as the item of a per_page job holding that object
    as_page = {"configuration": {"extraction_target": "per_page"}, "extract_result": [
        invoice_job()["extract_result"]]}  # fmt: skip
    assert export_csv(as_page) == text
    # schema problems belong to the field table; the result CSV stays the result
    checked = invoice_job()
    checked["extract_result"]["currency"] = "EURO"
    [row] = read_csv(export_csv(checked, check_schema=True))
    assert row["currency"] == "EURO" and "problems" not in row
    seed = read_csv(export_csv(seed_example_job()))
    assert seed == [{"foo.foo": "bar"}]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("-1e-7", "-1e-7"),
        (-12.5, "-12.5"),
        (-(10**30), "-" + "1" + "0" * 30),
        (-math.inf, "'-Infinity"),
        (math.nan, "NaN"),
        ("plain", "plain"),
        ("", ""),
        (None, ""),
        (False, "false"),
        ({"a": "=1"}, '{"a":"=1"}'),
    ],
)
def test_csv_injection_is_defused_but_numbers_are_not(value, cell) -> None:
    assert csv_cell(value) == cell


def test_csv_injection_in_exports_and_headers() -> None:
    job = {"extract_result": [{"=cmd": "=1+2", "n": -3, "s": "-3"}]}
    text = export_csv(job)
    [row] = read_csv(text)
    assert row == {"'=cmd": "'=1+2", "n": "-3", "s": "-3"}


def test_exports_are_complete_and_utf8_safe() -> None:
    big = "x" * 1_000_000 + "END"
    job = {"extract_result": {"big": big, "lone": "\udfff!", "nl": "a\nb", "nul": "a\x00b"}}
    [by] = read_csv(export_csv(job))
    assert by["big"] == big
    assert by["lone"] == "\ufffd!"  # UTF-8 cannot carry a lone surrogate
    assert by["nl"] == "a\nb" and by["nul"] == "a\x00b"
    for text in (export_csv(job), export_json(job), export_jsonl(job)):
        text.encode("utf-8")
    assert strict_loads(export_jsonl(job))["big"] == big


def test_field_exports_read_back() -> None:
    rows = field_rows(invoice_job())
    data = strict_loads(export_fields_json(rows))
    assert [d["path"] for d in data] == [r.path_str for r in rows]
    assert data[3]["citations"][0]["bounding_boxes"][0]["x"] == 72.0
    table = read_csv(export_fields_csv(rows))
    assert len(table) == len(rows)
    total = table[3]
    assert total["path"] == ".total" and total["parsing_confidence"] == "0.98"
    assert total["citations"] == "Total due: $1,234.00" and total["in_result"] == "true"
    tags = table[-1]
    assert tags["path"] == ".tags[1]" and tags["confidence"] == "0.5"
    assert export_fields_json([]) == "[]\n"
    assert read_csv(export_fields_csv([])) == []


def test_no_result_exports() -> None:
    job = {"status": "RUNNING", "extract_result": None}
    assert export_csv(job) == ""
    assert strict_loads(export_json(job)) == job
    assert export_jsonl("not a job") == ""

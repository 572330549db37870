"""Arbitrary JSON (and worse) fed to every core entry point: nothing escapes, output is sane."""

from __future__ import annotations

import decimal
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core.diff import diff_jobs, diff_summary
from explorer.core.export import (
    export_csv,
    export_fields_csv,
    export_fields_json,
    export_json,
    export_jsonl,
    to_json,
)
from explorer.core.fields import (
    field_rows,
    fields_on_page,
    iter_field_rows,
    job_health,
    metadata_errors,
    metadata_for,
    row_to_json,
)
from explorer.core.jsonpath import format_path, parse_path
from explorer.core.sanitize import escape_markup, safe_text, safe_value
from explorer.core.schema_check import check_job

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# every character class, surrogates and controls included
any_text = st.text(st.characters(exclude_categories=()), max_size=12)
keys = (
    st.sampled_from(
        ["confidence", "citation", "reasoning", "error", "page", "matching_text", "a", "b", "0", ""]
    )
    | any_text
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    # huge ints built lazily: hypothesis reprs sampled values, and repr(10**5000) raises
    | st.sampled_from([5000, 70, 64]).map(lambda e: 10**e)
    | st.just(70).map(lambda e: -(2**e))
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
    max_leaves=25,
)
citations = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "page": scalars,
            "matching_text": scalars,
            "bounding_boxes": json_values,
            "page_dimensions": json_values,
        },
    ),
    max_size=3,
)
entries = st.fixed_dictionaries(
    {"confidence": st.floats() | scalars},
    optional={
        "extraction_confidence": scalars,
        "reasoning": scalars,
        "citation": citations | json_values,
        "error": scalars,
    },
)
metadata = st.recursive(
    entries | scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
    max_leaves=25,
)
schemas = st.recursive(
    st.booleans()
    | st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["string", "number", "integer", "null", "object", "array"])
            | json_values,
            "enum": st.lists(scalars, max_size=3),
            "pattern": st.sampled_from(["^[0-9]+$", "(", "a|b"]),
            "format": st.sampled_from(["date", "email", "ipv4", "nope"]),
            "$ref": st.sampled_from(["#", "#/nowhere", "http://example.invalid/s"]),
            "$schema": st.sampled_from(["http://json-schema.org/draft-07/schema#", "urn:unknown"])
            | scalars,
        },
    ),
    lambda kids: st.fixed_dictionaries(
        {},
        optional={
            "properties": st.dictionaries(keys, kids, max_size=3),
            "required": st.lists(keys, max_size=3) | json_values,
            "items": kids,
            "additionalProperties": kids,
            "anyOf": st.lists(kids, min_size=1, max_size=2),
        },
    ),
    max_leaves=10,
)
field_metadata = st.fixed_dictionaries(
    {},
    optional={
        "document_metadata": metadata,
        "page_metadata": st.lists(metadata, max_size=3) | metadata,
        "row_metadata": st.lists(metadata, max_size=3) | metadata,
    },
)
jobs = (
    st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["COMPLETED", "RUNNING"]) | scalars,
            "extract_result": json_values
            | st.lists(st.dictionaries(keys, json_values), max_size=3),
            "configuration": st.fixed_dictionaries(
                {},
                optional={
                    "data_schema": schemas | json_values,
                    "extraction_target": st.sampled_from(["per_doc", "per_page", "per_table_row"])
                    | scalars,
                },
            )
            | json_values,
            "extract_metadata": st.fixed_dictionaries(
                {}, optional={"field_metadata": field_metadata}
            )
            | json_values,
        },
    )
    | json_values
)


def strict_loads(text: str):
    """Parse strict JSON: no NaN/Infinity; ints of any size (Python caps int() at 4300 digits)."""

    def reject(name):
        raise ValueError(name)

    return json.loads(text, parse_constant=reject, parse_int=decimal.Decimal)


_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


@SETTINGS
@given(jobs)
def test_field_rows_never_raise(job) -> None:
    rows = field_rows(job, check_schema=True)
    for r in rows:
        assert parse_path(r.path_str) == r.path
        json.loads(to_json(row_to_json(r)), parse_int=decimal.Decimal)
        _ = (r.type, r.confidence, r.reasoning, r.citations, r.has_citation)
        assert r.confidence is None or isinstance(r.confidence, float)
    job_health(rows)
    fields_on_page(rows, 1)
    metadata_errors(job)
    assert len(list(iter_field_rows(job, start=1, stop=2))) <= len(rows) + 1
    for r in rows[:5]:
        metadata_for(job, r.path)


@SETTINGS
@given(jobs)
def test_check_job_never_raises(job) -> None:
    res = check_job(job)
    assert res.exit_code in (0, 1, 2)
    assert (res.error is not None) == (res.exit_code == 2)
    for p in res.problems:
        assert p.path_str == format_path(p.path)
        assert isinstance(p.message, str)


@SETTINGS
@given(jobs, jobs)
def test_diff_never_raises(a, b) -> None:
    changes = diff_jobs(a, b, include_same=True)
    diff_summary(changes)
    same = diff_jobs(a, a)
    assert same == []


@SETTINGS
@given(jobs)
def test_exports_never_raise_and_stay_utf8(job) -> None:
    text = export_json(job)
    text.encode("utf-8")
    strict_loads(text)
    for line in export_jsonl(job).splitlines():
        strict_loads(line)
    export_csv(job).encode("utf-8")
    rows = field_rows(job)
    export_fields_csv(rows).encode("utf-8")
    strict_loads(export_fields_json(rows))


@SETTINGS
@given(json_values, st.none() | st.integers(min_value=-3, max_value=40), st.booleans())
def test_sanitize_never_raises_and_leaves_nothing_unsafe(v, max_len, single_line) -> None:
    shown = safe_value(v, max_len)
    assert not _UNSAFE.search(shown)
    shown.encode("utf-8")
    if isinstance(v, str):
        out = safe_text(v, max_len, single_line=single_line)
        out.encode("utf-8")
        if single_line:
            assert "\n" not in out and "\t" not in out
        escape_markup(v)


@SETTINGS
@given(st.lists(st.integers(min_value=0, max_value=10**6) | any_text, max_size=6))
def test_paths_round_trip(parts) -> None:
    path = tuple(parts)
    assert parse_path(format_path(path)) == path

"""The quick yes for flat row schemas never says yes to a row jsonschema would fault."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from explorer.core import schema_check
from explorer.core.schema_check import check_result
from explorer.core.schema_fast import row_prefilter

TYPES = ["string", "number", "integer", "boolean", "null"]

cells = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-10, 10)
    | st.sampled_from([float("nan"), float("inf"), -0.0, 2.0])
    | st.sampled_from(["a", "b", "2025-01-31", "2025-02-30", "2025-1-1", "x2025-01-01", ""])
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)
)


@st.composite
def property_schemas(draw: st.DrawFn) -> dict:
    schema: dict = {}
    if draw(st.booleans()):
        kinds = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True))
        schema["type"] = kinds[0] if len(kinds) == 1 and draw(st.booleans()) else kinds
    if draw(st.booleans()):
        schema["enum"] = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3))
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if draw(st.integers(0, 3)) == 0:
            schema[key] = draw(st.integers(-3, 3) | st.floats(-3, 3))
    if draw(st.booleans()):
        schema["format"] = "date"
    if draw(st.booleans()):
        schema["description"] = "a field"
    return schema


names = st.sampled_from(["a", "b", "c", "d"])
schemas = st.builds(
    lambda props, required: {"type": "object", "properties": props, "required": required},
    st.dictionaries(names, property_schemas(), max_size=4),
    st.lists(names, max_size=3),
)
rows = st.dictionaries(names, cells, max_size=4) | cells


@settings(max_examples=400, deadline=None)
@given(schemas, rows)
def test_a_quick_yes_is_a_row_jsonschema_accepts(schema: dict, row: object) -> None:
    ok = row_prefilter(schema)
    assert ok is not None  # every schema drawn here is in the flat subset
    if ok(row):
        cls = jsonschema.validators.validator_for(schema)
        validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        assert not list(validator.iter_errors(row)), (schema, row)


@settings(max_examples=150, deadline=None)
@given(schema=schemas, result=st.lists(rows, max_size=8))
# found by CI: a required field that came back null is a problem (null_required) of its own
@example(schema={"type": "object", "properties": {}, "required": ["a"]}, result=[{"a": None}])
@example(
    schema={"type": "object", "properties": {"a": {"type": ["string", "null"]}}, "required": ["a"]},
    result=[{"a": None}, {"a": "x"}],
)
def test_the_problems_found_are_the_same_with_and_without_it(
    schema: dict, result: list, monkeypatch_module
) -> None:
    quick = check_result(result, schema)
    with monkeypatch_module.context() as patch:
        patch.setattr(schema_check, "row_prefilter", lambda _schema: None)
        slow = check_result(result, schema)
    assert [(p.path, p.kind, p.message) for p in quick.problems] == [
        (p.path, p.kind, p.message) for p in slow.problems
    ]


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"pattern": "x"}}},  # patterns: jsonschema's
        {"type": "object", "properties": {"a": {"type": "object"}}},  # nested objects
        {"type": "object", "additionalProperties": False},
        {"type": "array"},
        {"type": "object", "properties": {"a": {"enum": [1, True]}}},  # 1 vs true
        {"type": "object", "properties": {"a": {"format": "email"}}},
        {"type": "object", "properties": {"a": {"minimum": True}}},  # draft-04 style bound
        {"allOf": [{"type": "object"}]},
    ],
)
def test_schemas_outside_the_subset_go_to_jsonschema(schema: dict) -> None:
    assert row_prefilter(schema) is None

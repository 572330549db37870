"""The schema walker: any seed gives values valid for the world's schemas."""

from __future__ import annotations

import random
import re
from datetime import date

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.sim.coherence import harmonise_document, harmonise_rows
from explorer.sim.documents import KINDS
from explorer.sim.pattern import from_pattern
from explorer.sim.values import ValueGenerator

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_generated_values_follow_the_schema(kind: str, seed: int) -> None:
    schema = KINDS[kind].schema
    rng = random.Random(seed)
    gen = ValueGenerator(rng, schema, TODAY)
    if KINDS[kind].target == "per_table_row":
        values = harmonise_rows([gen.value(schema, "transaction") for _ in range(12)], rng)
    else:
        values = [harmonise_document(gen.value(schema, KINDS[kind].context), rng)]
    validator = jsonschema.Draft202012Validator(schema)
    for value in values:
        errors = [e.message for e in validator.iter_errors(value)]
        assert not errors


def test_refs_enums_consts_and_nullables() -> None:
    schema = {
        "type": "object",
        "$defs": {"money": {"type": "number", "minimum": 10, "maximum": 20}},
        "required": ["a", "b", "c", "d", "e"],
        "properties": {
            "a": {"$ref": "#/$defs/money"},
            "b": {"enum": ["x", "y"]},
            "c": {"const": 42},
            "d": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3, "maximum": 3}]},
            "e": {"type": "string", "minLength": 30, "maxLength": 31},
        },
    }
    for seed in range(20):
        value = ValueGenerator(random.Random(seed), schema, TODAY).value(schema)
        jsonschema.validate(value, schema)
        assert value["c"] == 42 and value["d"] == 3


@pytest.mark.parametrize(
    "pattern",
    [
        r"^INV-\d{4,6}$",
        r"^[A-Z]{3}$",
        r"^(DE|FR)\d{9}$",
        r"^EMP-[0-9]{5}$",
        r"^[a-z]+@x\.com$",
        r"^[0-2][0-9]:[0-5][0-9]$",
        r"^(?:ab|cd)?-[A-F0-9]+$",
    ],
)
def test_pattern_strings_match(pattern: str) -> None:
    rng = random.Random(1)
    for _ in range(20):
        out = from_pattern(pattern, rng)
        assert out is not None and re.search(pattern, out)


def test_unsupported_patterns_give_none() -> None:
    assert from_pattern(r"^(?!x)abc$", random.Random(1)) is None
    assert from_pattern(r"[^a]", random.Random(1)) is None

"""The lazy view of a big job returns exactly what a full parse returns, and exports the same."""

from __future__ import annotations

import copy
import json
import math

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.api import lazy
from explorer.api.jsonparse import parse_json_bytes
from explorer.api.lazy import LazyArray, json_default, loads_job, loads_job_if_big, materialize
from explorer.core.export import (
    export_csv,
    export_fields_csv,
    export_fields_json,
    export_json,
    export_jsonl,
    iter_export_json,
    iter_to_json,
    to_json,
)
from explorer.core.fields import field_rows


# JSON values as a service could send them: every kind, odd keys and strings, floats that
# round-trip, integers past 64 bits.
def _values(bits: int) -> st.SearchStrategy:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**bits), max_value=2**bits - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=12)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
        ),
        max_leaves=12,
    )


@st.composite
def jobs(draw: st.DrawFn, bits: int = 70) -> dict:
    values = _values(bits)
    rows = st.lists(st.dictionaries(st.text(max_size=6), values, max_size=5), max_size=12)
    job: dict = {"id": "ext-" + draw(st.text(min_size=1, max_size=8)), "status": "COMPLETED"}
    job.update(draw(st.dictionaries(st.text(max_size=8), values, max_size=3)))
    job["extract_result"] = draw(rows | values)
    metadata = {
        "row_metadata": draw(st.lists(values, max_size=12) | values),
        "page_metadata": draw(st.lists(values, max_size=4)),
        "document_metadata": draw(values),
    }
    where = draw(st.sampled_from(["field_metadata", "flat", "none"]))
    if where == "field_metadata":
        job["extract_metadata"] = {"field_metadata": metadata, "parse_job_id": "pjb-1"}
    elif where == "flat":
        job["extract_metadata"] = metadata
    job["configuration"] = draw(st.none() | st.just({"extraction_target": "per_table_row"}))
    return job


def _bodies(job: dict) -> list[bytes]:
    """The same job as a server might write it: compact, pretty, spaced."""
    return [
        json.dumps(job).encode(),
        json.dumps(job, indent=3, ensure_ascii=False).encode(),
        b"  \n" + json.dumps(job, separators=(" , ", " : ")).encode() + b"\n",
    ]


def _same(a: object, b: object) -> bool:
    """Equal, and of the same JSON kinds all the way down (1 is not 1.0, True is not 1)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jobs())
def test_the_lazy_view_is_the_full_parse(job: dict) -> None:
    for body in _bodies(job):
        full = parse_json_bytes(body)
        lazy = loads_job(body)
        assert _same(list(lazy), list(full))
        assert lazy == full and full == lazy
        assert _same(materialize(lazy), full)
        result = lazy["extract_result"]
        if isinstance(full["extract_result"], list):
            assert isinstance(result, LazyArray)
            n = len(full["extract_result"])
            assert len(result) == n
            # every way in: index, negative index, slices, reversed, iteration, membership
            for i in range(n):
                assert _same(result[i], full["extract_result"][i])
                assert _same(result[-1 - i], full["extract_result"][-1 - i])
            assert _same(result[1::2], full["extract_result"][1::2])
            assert _same(list(reversed(result)), list(reversed(full["extract_result"])))
            assert _same(copy.deepcopy(result), full["extract_result"])
            if n:
                assert full["extract_result"][-1] in result
        with pytest.raises(IndexError):
            _ = result[len(result)] if isinstance(result, list) else [][0]
        # C code that reads the list's storage (orjson) gets the same values through the hook
        try:
            expected = orjson.dumps(full)
        except TypeError:  # integers past 64 bits: orjson refuses both alike
            with pytest.raises(TypeError):
                orjson.dumps(lazy, default=json_default)
            # the slow writer's numbers are spelled as Python does: compare what they say
            assert _same(json.loads(to_json(lazy)), json.loads(to_json(full)))
        else:
            assert orjson.dumps(lazy, default=json_default) == expected
            assert to_json(lazy) == to_json(full)
            assert "".join(iter_to_json(lazy, indent=None)) == to_json(full, indent=None)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jobs(bits=63))
def test_exports_of_the_lazy_view_are_the_full_parse_exports(job: dict) -> None:
    body = json.dumps(job).encode()
    full, lazy = parse_json_bytes(body), loads_job(body)
    assert export_json(lazy) == export_json(full)
    assert export_jsonl(lazy) == export_jsonl(full)
    assert export_csv(lazy) == export_csv(full)
    assert export_fields_csv(field_rows(lazy)) == export_fields_csv(field_rows(full))
    assert export_fields_json(field_rows(lazy)) == export_fields_json(field_rows(full))


def test_what_is_lazy_and_what_is_not() -> None:
    job = {
        "id": "ext-1",
        "extract_result": [{"a": 1}, {"a": 2}],
        "extract_metadata": {
            "field_metadata": {"row_metadata": [{"a": {"confidence": 0.9}}], "other": [1]},
            "parse_job_id": "pjb-1",
        },
        "configuration": {"data_schema": {"required": ["a"]}},
    }
    lazy = loads_job(json.dumps(job).encode())
    assert isinstance(lazy["extract_result"], LazyArray)
    fm = lazy["extract_metadata"]["field_metadata"]
    assert isinstance(fm["row_metadata"], LazyArray)
    # small arrays elsewhere are plain lists
    assert type(fm["other"]) is list
    assert type(lazy["configuration"]["data_schema"]["required"]) is list
    assert repr(lazy["extract_result"]) == "<LazyArray of 2 items>"


def test_a_lazy_array_is_read_only() -> None:
    result = loads_job(b'{"id": "x", "extract_result": [1, 2]}')["extract_result"]
    for mutate in (
        lambda: result.append(3),
        lambda: result.sort(),
        lambda: result.__setitem__(0, 5),
        lambda: result.__delitem__(0),
        lambda: result.clear(),
    ):
        with pytest.raises(TypeError, match="read-only"):
            mutate()
    assert result == [1, 2]
    assert result + [3] == [1, 2, 3]  # noqa: RUF005 - the operator is what is tested
    assert result.index(2) == 1 and result.count(1) == 1 and result.copy() == [1, 2]


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "x", "extract_result": [NaN, 1]}',  # msgspec refuses NaN: the whole is parsed
        b'{"id": "x", "extract_result": ["\\ud800", 1]}',  # a lone surrogate escape
        b'{"id": "x", "extract_result": [1e400, 12345678901234567890123]}',
        b'[{"id": "x"}]',  # not one job
        b'{"id": "x", "extract_result": [1, 2], "id": "y"}',  # a repeated key: the last wins
    ],
)
def test_odd_bodies_read_as_the_full_parse_reads_them(body: bytes) -> None:
    assert _same(materialize(loads_job(body)), parse_json_bytes(body))


def test_bad_json_is_the_full_parse_error() -> None:
    for body in (b'{"id": "x", "extract_result": [1, 2', b'{"a": 1} trailing', b"\xff{}"):
        with pytest.raises(ValueError):
            loads_job(body)
    deep = b'{"extract_result": [' + b"[" * 5000 + b"]" * 5000 + b"]}"
    with pytest.raises(ValueError, match="deeper"):
        materialize(loads_job(deep))


def test_small_bodies_are_parsed_whole(monkeypatch) -> None:
    monkeypatch.setattr(lazy, "LAZY_MIN_BYTES", 1024 * 1024)
    small = loads_job_if_big(bytearray(b'{"id": "x", "extract_result": [1]}'))
    assert type(small["extract_result"]) is list


# -- the simulator's big job, over loopback HTTP ------------------------------------------------


async def _big_job_and_body(sim, client):
    from benchmarks.simhost import fetch_job_bytes

    job_id = sim.state.notable["big"]
    rec = sim.state.record(job_id)
    job = await client.get_job(job_id, project_id=rec.project_id)
    return job, fetch_job_bytes(sim.url, job_id, rec.project_id)


async def test_the_big_job_arrives_lazy_and_equals_its_full_parse_row_by_row(sim, client) -> None:
    job, body = await _big_job_and_body(sim, client)
    full = parse_json_bytes(body)
    result = job.extract_result
    meta = job.extract_metadata.field_metadata.row_metadata
    assert isinstance(result, LazyArray) and isinstance(meta, LazyArray)
    n = len(full["extract_result"])
    assert len(result) == n == sim.config.big_rows
    full_meta = full["extract_metadata"]["field_metadata"]["row_metadata"]
    for i in sorted({0, 1, 7, n // 3, n // 2, n - 2, n - 1, *range(0, n, 97)}):
        assert _same(result[i], full["extract_result"][i]), i
        assert _same(meta[i], full_meta[i]), i
    # the rest of the job is plain JSON, the same as the full parse
    data = job.to_json_dict()
    for key in full:
        if key not in ("extract_result", "extract_metadata"):
            assert _same(data[key], full[key]), key


async def test_big_job_exports_equal_the_full_parse_exports_byte_for_byte(
    sim, client, tmp_path
) -> None:
    from explorer.commands.export import _write_file, export_pieces, export_text
    from explorer.commands.jobref import LoadedJob

    job, body = await _big_job_and_body(sim, client)
    lazy = job.to_json_dict()
    full = parse_json_bytes(body)
    assert "".join(iter_export_json(lazy)) == export_json(full)
    assert export_jsonl(lazy) == export_jsonl(full)
    assert export_csv(lazy) == export_csv(full)
    assert export_fields_csv(field_rows(lazy)) == export_fields_csv(field_rows(full))
    # the CLI's files, written piece by piece, hold the bytes of the full parse's export
    for fmt in ("json", "jsonl", "csv"):
        path = tmp_path / f"big.{fmt}"
        _write_file(str(path), export_pieces(LoadedJob(job, lazy), fmt))
        expected = export_text(LoadedJob(job, full), fmt)
        assert path.read_bytes() == expected.encode("utf-8"), fmt


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(jobs() | _values(70), max_size=4), st.none() | st.text(max_size=5))
def test_a_page_of_jobs_read_lazily_is_the_full_parse(items: list, token: object) -> None:
    body = json.dumps({"items": items, "next_page_token": token, "total_size": 3}).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lazy, "LAZY_MIN_BYTES", 0)
        page = lazy.loads_page_if_big(body)
    full = parse_json_bytes(body)
    assert _same(materialize_page(page), full)
    for item, whole in zip(page["items"], full["items"], strict=True):
        if isinstance(whole, dict) and isinstance(whole.get("extract_result"), list):
            assert isinstance(item["extract_result"], LazyArray)


def materialize_page(page: dict) -> dict:
    return {**page, "items": [materialize(item) for item in page["items"]]}

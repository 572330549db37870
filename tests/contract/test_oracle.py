"""The oracle itself: it must catch what it claims to, or every contract test passes vacuously."""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

import pydantic
import pytest
from llama_cloud.pagination import SyncPaginatedCursor
from llama_cloud.types import (
    ConfigurationResponse,
    ExtractV2Job,
    ExtractV2JobQueryResponse,
    ParsingGetResponse,
    V2ProjectListResponse,
)

from tests.conftest import FIXTURES
from tests.contract.oracle import (
    ContractError,
    assert_declared,
    model_for,
    normalise,
    problems,
    strip_undeclared,
    summarise,
)


def good_job() -> dict[str, Any]:
    """A job exactly as the SDK declares it (the published example, in the current names)."""
    return {
        "id": "ext-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "created_at": "2019-12-27T18:11:19.117Z",
        "file_input": "dfl-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "project_id": "prj-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "status": "COMPLETED",
        "updated_at": "2019-12-27T18:11:19.117Z",
        "configuration": {
            "data_schema": {"type": "object", "properties": {"total": {"type": "number"}}},
            "cite_sources": True,
            "confidence_scores": True,
            "version": "latest",
            "extraction_target": "per_doc",
            "max_pages": 10,
            "parse_config_id": None,
            "parse_tier": "fast",
            "system_prompt": None,
            "target_pages": "1,3,5-7",
            "tier": "cost_effective",
            "advanced_citations": False,
            "disable_cache": False,
        },
        "configuration_id": None,
        "error_message": None,
        "extract_metadata": {
            "field_metadata": {
                "document_metadata": {"total": {"confidence": 0.9, "citation": []}},
                "page_metadata": None,
                "row_metadata": None,
            },
            "parse_job_id": "pjb-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "parse_tier": "fast",
        },
        "extract_result": {"total": 12.5},
        "metadata": {"usage": {"num_pages_billed": 2, "num_pages_extracted": 2}},
        "usage": {"credits": 10.0, "extract_credits": 8.0, "parse_credits": 2.0},
    }


def test_a_known_good_job_passes() -> None:
    assert problems(good_job(), ExtractV2Job) == []
    job = assert_declared(good_job(), ExtractV2Job)
    assert isinstance(job, ExtractV2Job)
    assert job.usage is not None and job.usage.credits == 10.0


def test_an_extra_top_level_key_fails() -> None:
    job = good_job() | {"surprise": 1}
    assert problems(job, ExtractV2Job) == [".surprise: not declared by ExtractV2Job"]
    with pytest.raises(ContractError, match=r"\.surprise: not declared by ExtractV2Job"):
        assert_declared(job, ExtractV2Job)


def test_a_nested_extra_key_fails() -> None:
    job = good_job()
    job["configuration"]["lang"] = "en"
    job["extract_metadata"]["cache_hit"] = True
    job["usage"]["currency"] = "credits"
    assert sorted(problems(job, ExtractV2Job)) == [
        ".configuration.lang: not declared by ExtractConfiguration",
        ".extract_metadata.cache_hit: not declared by ExtractJobMetadata",
        ".usage.currency: not declared by Usage",
    ]


def test_an_extra_key_in_an_open_model_is_still_reported() -> None:
    job = good_job()
    job["metadata"]["file_name"] = "invoice.pdf"
    (found,) = problems(job, ExtractV2Job)
    assert found.startswith(".metadata.file_name: not declared by Metadata")
    assert "open object" in found


def test_free_form_payloads_are_exempt() -> None:
    job = good_job()
    job["extract_result"] = {"anything": {"deep": [1, {"x": None}]}, "lang": "en"}
    job["configuration"]["data_schema"]["x-custom"] = {"whatever": True}
    fm = job["extract_metadata"]["field_metadata"]
    fm["document_metadata"]["total"]["bbox"] = [{"page": 1}]
    fm["new_level_metadata"] = {"a": 1}
    assert problems(job, ExtractV2Job) == []


def test_a_per_page_result_list_is_fine() -> None:
    job = good_job() | {"extract_result": [{"page": 1, "odd": {"k": 1}}, {"page": 2}]}
    assert problems(job, ExtractV2Job) == []


def test_an_extra_key_in_a_list_item_has_its_index() -> None:
    page = {"items": [good_job(), good_job() | {"lang": "en"}], "next_page_token": None}
    assert problems(page, ExtractV2JobQueryResponse) == [
        ".items[1].lang: not declared by ExtractV2Job"
    ]
    assert normalise(".items[1].lang: x") == ".items[*].lang: x"


def test_a_missing_required_field_fails() -> None:
    job = good_job()
    del job["file_input"]
    found = problems(job, ExtractV2Job)
    assert any(p.startswith(".file_input: Field required") for p in found), found


def test_a_literal_the_sdk_does_not_know_fails() -> None:
    job = good_job()
    job["configuration"]["tier"] = "premium"
    found = problems(job, ExtractV2Job)
    assert len(found) == 1 and found[0].startswith(".configuration.tier: Input should be"), found


@pytest.mark.parametrize(
    ("where", "value", "kind"),
    [
        (("configuration", "cite_sources"), 1, "bool_type"),
        (("configuration", "max_pages"), "10", "int_type"),
        (("updated_at",), 1577470279, "datetime_type"),
    ],
)
def test_values_accepted_only_by_lax_coercion_are_reported(
    where: tuple[str, ...], value: object, kind: str
) -> None:
    job = good_job()
    target = job
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    ExtractV2Job.model_validate(job)  # the lenient SDK model takes it
    found = problems(job, ExtractV2Job)
    assert len(found) == 1, found
    assert "lax coercion" in found[0] and kind in found[0]
    assert found[0].startswith("." + ".".join(where))


def test_a_string_outside_a_literal_or_str_union_is_a_fallback() -> None:
    cfg = {
        "id": "cfg-1",
        "name": "parse",
        "product_type": "parse_v2",
        "version": "2025-01-01T00:00:00Z",
        "parameters": {"product_type": "parse_v2", "tier": "fast", "version": "1999-01-01"},
    }
    found = problems(cfg, ConfigurationResponse)
    assert any(
        p.startswith(".parameters.version: '1999-01-01' is not a value the SDK knows")
        for p in found
    ), found


def test_a_union_is_judged_by_the_member_the_value_became() -> None:
    body = {
        "job": {"id": "pjb-1", "project_id": "prj-1", "status": "COMPLETED"},
        "items": {
            "pages": [
                {"page_number": 1, "success": False, "error": "boom"},
                {
                    "page_number": 2,
                    "success": True,
                    "page_width": 612.0,
                    "page_height": 792.0,
                    "items": [{"type": "text", "md": "hi", "value": "hi", "shade": 3}],
                },
            ]
        },
    }
    found = problems(body, ParsingGetResponse)
    assert found == [".items.pages[1].items[0].shade: not declared by TextItem"], found
    body["items"]["pages"][0]["page_width"] = 1.0
    found = problems(body, ParsingGetResponse)
    assert ".items.pages[0].page_width: not declared by ItemsPageFailedStructuredPage" in found


def test_a_bare_list_is_not_a_cursor_page() -> None:
    projects = [{"id": "prj-1", "name": "Default", "organization_id": "org-1"}]
    assert problems(projects, SyncPaginatedCursor[V2ProjectListResponse])
    page = {"items": projects, "next_page_token": None}
    assert problems(page, SyncPaginatedCursor[V2ProjectListResponse]) == []
    assert problems(page | {"total_size": 1}, SyncPaginatedCursor[V2ProjectListResponse]) == [
        ".total_size: not declared by SyncPaginatedCursor[V2ProjectListResponse]"
    ]


def test_strip_removes_only_undeclared_keys() -> None:
    job = good_job()
    dirty = copy.deepcopy(job)
    dirty["lang"] = "en"
    dirty["configuration"]["lang"] = "en"
    dirty["metadata"]["file_name"] = "a.pdf"
    dirty["extract_result"]["lang"] = "kept: user data"
    clean = strip_undeclared(dirty, ExtractV2Job)
    expected = copy.deepcopy(job)
    expected["extract_result"]["lang"] = "kept: user data"
    assert clean == expected
    assert dirty["configuration"]["lang"] == "en"  # the input is not modified


def test_strip_works_on_data_the_sdk_rejects() -> None:
    seed = json.loads((FIXTURES / "seed-example-job.json").read_text())
    clean = strip_undeclared(seed, ExtractV2Job)
    assert "document_input_value" not in clean
    assert "lang" not in clean["configuration"] and "extract_version" not in clean["configuration"]
    assert clean["metadata"]["usage"] == {"num_pages_extracted": 0}
    assert clean["extract_metadata"] == seed["extract_metadata"]


def test_routes_map_to_the_sdk_models() -> None:
    assert model_for("GET", "/api/v2/extract") is ExtractV2JobQueryResponse
    assert model_for("GET", "/api/v2/extract/ext-1") is ExtractV2Job
    assert model_for("POST", "/api/v2/extract/ext-1/cancel") is ExtractV2Job
    assert model_for("POST", "/api/v2/extract/schema/validation") is not ExtractV2Job
    assert model_for("DELETE", "/api/v2/extract/ext-1") is None
    assert model_for("GET", "/api/v2/parse/pjb-1") is ParsingGetResponse
    assert model_for("GET", "/nowhere") is None


def test_summarise_groups_repeats() -> None:
    text = summarise(
        [
            ("ext-1", ".items[0].lang: not declared by X"),
            ("ext-2", ".items[5].lang: not declared by X"),
            ("ext-2", ".other: not declared by X"),
        ]
    )
    assert text.splitlines() == [
        ".items[*].lang: not declared by X   [2x, e.g. ext-1]",
        ".other: not declared by X   [1x, e.g. ext-2]",
    ]


class _Inner(pydantic.BaseModel):
    kind: Literal["inner"]
    size: int


class _Outer(pydantic.BaseModel):
    """A local model shaped like the SDK's (which allow extras), for cases the SDK lacks."""

    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True)
    camel: str | None = pydantic.Field(default=None, alias="camelCase")
    either: _Inner | dict[str, object] | None = None
    inners: dict[str, _Inner] | None = None


def test_aliases_are_the_declared_keys() -> None:
    assert problems({"camelCase": "x"}, _Outer) == []
    assert problems({"camel": "x"}, _Outer) == [".camel: not declared by _Outer"]


def test_a_value_that_fits_only_the_free_form_member_of_a_union_is_a_fallback() -> None:
    assert problems({"either": {"kind": "inner", "size": 3}}, _Outer) == []
    (found,) = problems({"either": {"kind": "outer", "size": 3}}, _Outer)
    assert found.startswith(".either: matched none of _Inner; accepted only as a free-form")


def test_dicts_of_models_are_walked_by_key() -> None:
    data = {
        "inners": {"a": {"kind": "inner", "size": 1}, "b c": {"kind": "inner", "size": 2, "x": 0}}
    }
    assert problems(data, _Outer) == [".inners['b c'].x: not declared by _Inner"]

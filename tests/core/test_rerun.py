"""Planning a re-run: what changes, which input (the parse job reused or not), the estimate."""

from __future__ import annotations

import pytest

from explorer.api.models import ExtractJob
from explorer.core.rerun import (
    RerunError,
    count_pages,
    describe_change,
    plan_rerun,
    validate_pages,
)

SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}, "vendor": {}}}


def job(**over) -> ExtractJob:
    data = {
        "id": "ext-1",
        "project_id": "prj-1",
        "status": "COMPLETED",
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:01:00Z",
        "file_input": "dfl-abc",
        "configuration": {
            "data_schema": SCHEMA,
            "tier": "agentic",
            "extraction_target": "per_doc",
            "cite_sources": True,
            "confidence_scores": True,
            "target_pages": None,
            "max_pages": None,
            "version": "latest",
            "lang": "en",
        },
        "extract_metadata": {"parse_job_id": "pjb-xyz", "field_metadata": None},
        "metadata": {"usage": {"num_pages_billed": 12, "num_pages_extracted": 12}},
        "usage": {"credits": 180.0, "extract_credits": 150.0, "parse_credits": 30.0},
    }
    for key, value in over.items():
        if key == "configuration":
            data["configuration"] = {**data["configuration"], **value}
        else:
            data[key] = value
    return ExtractJob.from_json(data)


def test_an_extract_setting_reuses_the_parse_job() -> None:
    plan = plan_rerun(job(), {"tier": "agentic_plus"})
    assert [(c.key, c.old, c.new) for c in plan.changes] == [("tier", "agentic", "agentic_plus")]
    assert plan.file_input == "pjb-xyz" and plan.reuses_parse
    assert plan.pages == 12 and plan.credits_per_page == 50 and plan.credits == 600
    assert plan.original_credits == 180
    assert plan.configuration["tier"] == "agentic_plus"
    assert "lang" not in plan.configuration  # a create request has no such setting
    assert any("not sent: lang=en" in n for n in plan.notes)
    assert "12 pages × 50 credits/page" in plan.estimate_text()
    assert "(1 page ×" in plan_rerun(job(), {"max_pages": 1}).estimate_text()


def test_a_parse_setting_parses_the_file_again_and_counts_its_pages() -> None:
    plan = plan_rerun(job(), {"target_pages": "1,3,5-7"})
    assert plan.file_input == "dfl-abc" and not plan.reuses_parse
    assert "target_pages changed" in plan.parse_note
    assert plan.pages == 5 and plan.credits == 75
    capped = plan_rerun(job(), {"target_pages": "10-40"})
    assert capped.pages == 3  # the document has 12 pages


def test_max_pages_caps_the_estimate() -> None:
    assert plan_rerun(job(), {"max_pages": 4}).pages == 4


def test_a_parse_job_input_needs_the_file_to_parse_again() -> None:
    original = job(file_input="pjb-xyz")
    with pytest.raises(RerunError, match="--file dfl-"):
        plan_rerun(original, {"max_pages": 2})
    plan = plan_rerun(original, {"max_pages": 2}, file_input="dfl-given")
    assert plan.file_input == "dfl-given"
    assert plan_rerun(original, {"tier": "turbo"}).file_input == "pjb-xyz"


def test_the_seed_shape_sends_version_and_estimates_from_pages() -> None:
    seed = job(
        configuration={"version": None, "extract_version": "2.5", "tier": "cost_effective"},
        usage=None,
        metadata={"usage": {"num_document_tokens": 900, "num_pages_extracted": 3}},
    )
    plan = plan_rerun(seed, {"tier": "agentic"})
    assert plan.configuration["version"] == "2.5" and "extract_version" not in plan.configuration
    assert [c.key for c in plan.changes] == ["tier"]
    assert plan.pages == 3 and plan.credits == 45 and plan.original_credits is None


def test_unknowns_say_so_rather_than_guess() -> None:
    plan = plan_rerun(job(metadata=None, usage=None), {"tier": "future_tier"})
    assert plan.credits is None and "unknown" in plan.estimate_text()
    assert any("no published rate" in n for n in plan.notes)
    nothing = plan_rerun(job(), {})
    assert nothing.changes == [] and any("nothing changed" in n for n in nothing.notes)


def test_a_job_without_its_configuration_cannot_be_planned() -> None:
    bare = ExtractJob.from_json({"id": "ext-2", "status": "COMPLETED", "file_input": "dfl-a"})
    with pytest.raises(RerunError, match="expand=configuration"):
        plan_rerun(bare, {"tier": "agentic"})


@pytest.mark.parametrize("spec", ["", "0", "3-1", "a", "1,,2", "1-2-3", "-4", "9999999"])
def test_bad_target_pages_are_refused(spec: str) -> None:
    with pytest.raises(RerunError):
        validate_pages(spec)


def test_target_pages_count_distinct_pages() -> None:
    assert count_pages("1-3, 2-4 ,9", None) == 5
    assert count_pages("1-100000", 7) == 7


def test_schema_changes_are_described_by_their_fields() -> None:
    new = {"type": "object", "properties": {"total": {"type": "number"}, "po": {}}}
    plan = plan_rerun(job(), {"data_schema": new})
    (change,) = plan.changes
    assert describe_change(change) == "schema: 2 → 2 top-level fields; added po; removed vendor"
    assert plan.reuses_parse  # the schema is an extract setting

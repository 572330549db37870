"""The models read both generations of the job shape and keep what they don't know."""

from __future__ import annotations

from datetime import UTC, datetime

from explorer.api.models import ExtractJob, JobPage, Project


def test_seed_example_validates(seed_job: dict) -> None:
    job = ExtractJob.from_json(seed_job)
    assert job.id == "ext-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert job.document == "dfl-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert job.status == "COMPLETED" and job.is_terminal
    assert job.created_at == datetime(2019, 12, 27, 18, 11, 19, 117000, tzinfo=UTC)
    assert job.configuration is not None
    assert job.configuration.version_pin == "latest"
    assert job.configuration.tier == "cost_effective"
    assert job.extraction_target == "per_doc"
    assert job.usage_metrics is not None and job.usage_metrics.num_document_tokens == 0
    assert job.field_metadata is not None
    assert job.field_metadata.row_metadata == [{"foo": {"foo": "bar"}}]
    assert job.parse_job_id == "parse_job_id"
    assert job.extract_result == {"foo": {"foo": "bar"}}
    # Export gives back exactly what came in.
    assert job.to_json_dict() == seed_job


def test_current_shape_job() -> None:
    job = ExtractJob.from_json(
        {
            "id": "ext-1",
            "created_at": "2026-11-01T10:00:00.000Z",
            "updated_at": "2026-11-01T10:00:42.500Z",
            "project_id": "prj-1",
            "status": "RUNNING",
            "file_input": "pjb-123",
            "configuration": {
                "data_schema": {"type": "object"},
                "version": "2.5",
                "tier": "agentic_plus",
                "extraction_target": "per_table_row",
            },
            "usage": {"credits": 150, "extract_credits": 120, "parse_credits": 30},
            "metadata": {"usage": {"num_pages_billed": 3, "num_pages_extracted": 3}},
            "extract_result": [{"a": 1}, {"a": 2}],
        }
    )
    assert job.document == "pjb-123"
    assert job.configuration is not None and job.configuration.version_pin == "2.5"
    assert job.tier == "agentic_plus"
    assert job.usage is not None and job.usage.credits == 150
    assert job.usage_metrics is not None and job.usage_metrics.num_pages_billed == 3
    assert not job.is_terminal
    assert job.duration_seconds == 42.5
    assert job.extraction_target == "per_table_row"


def test_unknown_fields_and_status_are_kept() -> None:
    raw = {
        "id": "ext-2",
        "status": "NEEDS_REVIEW",
        "file_input": "dfl-9",
        "brand_new_field": {"x": [1, 2]},
        "configuration": {"data_schema": {}, "future_knob": True, "tier": "hyperdrive"},
        "metadata": {"usage": None, "file_name": "invoice.pdf"},
    }
    job = ExtractJob.from_json(raw)
    assert job.status == "NEEDS_REVIEW"
    assert not job.is_known_status and not job.is_terminal
    assert job.model_extra == {"brand_new_field": {"x": [1, 2]}}
    assert job.configuration is not None
    assert job.configuration.model_extra == {"future_knob": True}
    assert job.tier == "hyperdrive"
    assert job.document_label == "invoice.pdf"
    assert job.to_json_dict() == raw


def test_drifted_types_do_not_fail_the_job() -> None:
    job = ExtractJob.from_json(
        {
            "id": "ext-3",
            "status": None,
            "created_at": "not a date",
            "configuration": "oops",
            "extract_metadata": {"field_metadata": [1, 2], "parse_job_id": 12},
            "metadata": {"usage": {"num_pages_extracted": "7"}},
            "extract_result": "just a string",
        }
    )
    assert job.status == "UNKNOWN"
    assert job.created_at is None
    assert job.configuration is None
    assert job.extract_metadata is not None and job.extract_metadata.field_metadata is None
    assert job.parse_job_id == "12"
    assert job.usage_metrics is not None and job.usage_metrics.num_pages_extracted == 7
    assert job.document_label == "(no document)"


def test_page_and_project() -> None:
    page = JobPage.model_validate({"items": [], "next_page_token": None, "total_size": 0})
    assert page.items == [] and page.next_page_token is None
    project = Project.model_validate({"id": "prj-1", "name": "Default", "is_default": True})
    assert project.label == "Default" and project.is_default


def test_parse_result_pages_join_the_expands_and_survive_odd_shapes() -> None:
    from explorer.api.around_models import ParseResult

    parsed = ParseResult.model_validate(
        {
            "job": {"id": "pjb-1", "status": "COMPLETED", "surprise": True},
            "text": {"pages": [{"page_number": 2, "text": "two"}, {"page_number": 1, "text": 1}]},
            "markdown": {"pages": [{"page_number": 3, "success": False, "error": "rotated"}, 7]},
            "items": {
                "pages": [
                    {"page_number": 1, "page_width": 612, "page_height": 792, "items": [{}, "x"]},
                    {"page_number": True},
                ]
            },
            "images_content_metadata": {
                "images": [
                    {"filename": "page_2.png", "index": 9, "category": "screenshot",
                     "presigned_url": "https://s/2"},
                    {"filename": "shot.png", "index": 0, "category": "screenshot",
                     "presigned_url": "https://s/1"},
                    {"filename": "logo.png", "index": 1, "category": "embedded"},
                ],
                "total_count": 3,
            },
        }
    )  # fmt: skip
    pages = {p.page_number: p for p in parsed.pages()}
    assert sorted(pages) == [1, 2, 3]
    assert pages[2].text == "two" and pages[2].screenshot_url == "https://s/2"
    assert pages[1].text == "1" and pages[1].width == 612 and pages[1].items == [{}]
    assert pages[1].screenshot_url == "https://s/1"
    assert pages[3].error == "rotated" and pages[3].text is None

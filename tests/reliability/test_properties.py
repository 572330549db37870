"""Arbitrary JSON and strings into the models, field flattening, schema check and every renderer
that runs without an app: no exception escapes, and what is drawn holds no raw control,
bidi or zero-width character."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from explorer.api.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from explorer.api.models import ExtractJob
from explorer.core.errors import describe_error
from explorer.core.fields import Citation, field_rows
from explorer.core.present import clip, job_age, short_id
from explorer.core.sanitize import safe_text, safe_value, scalar_text
from explorer.core.schema_check import check_job
from explorer.core.summary import result_shape
from explorer.tui.widgets.field_meta import citation_block, confidence_text, highlight_value
from explorer.tui.widgets.job_tree import job_label
from explorer.tui.widgets.panes import plain, schema_label, status_text, usage_text
from explorer.tui.widgets.row_table import cell_text

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

#: Never on screen raw: C0 (tab and newline included: one value, one line), DEL, C1, bidi
#: controls, zero-width characters, line/paragraph separators, lone surrogates.
RAW = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)
#: For multi-line panes, tab and newline may be real.
RAW_MULTI = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ud800-\udfff]"
)

hazards = st.sampled_from(
    [
        "[bold red]PAID[/]",
        "[@click=app.quit]x[/]",
        "[link=https://evil.example]x[/link]",
        "\x1b[2J",
        "\x1b]0;pwned\x07",
        "\x1b]52;c;cm0gLXJmIH4K\x07",
        "\x1b]8;;https://evil\x1b\\x\x1b]8;;\x1b\\",
        "\x9b2J",
        "\u202e",
        "\u200b",
        "\ud800",
        "\x00",
        "ext-",
        "prj-",
        "COMPLETED",
    ]
)
# every code point class, surrogates and controls included, plus known hazards glued in
texts = st.lists(
    st.text(st.characters(exclude_categories=()), max_size=8) | hazards, max_size=4
).map("".join)
numbers = (
    st.integers()
    | st.sampled_from([10**100, -(2**70), 2**64, 10**400])
    | st.floats(allow_nan=True, allow_infinity=True)
)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(texts, kids, max_size=4),
    max_leaves=20,
)
statuses = st.sampled_from(["COMPLETED", "RUNNING", "PENDING", "FAILED", "CANCELLED"]) | texts
job_dicts = st.fixed_dictionaries(
    {"id": st.just("ext-1") | texts},
    optional={
        "status": statuses | json_values,
        "project_id": texts | json_values,
        "file_input": texts | json_values,
        "document_input_value": texts,
        "created_at": st.just("2026-11-28T10:00:00Z") | texts | json_values,
        "updated_at": st.just("2026-11-28T11:00:00Z") | texts,
        "error_message": texts | json_values,
        "configuration": st.fixed_dictionaries(
            {},
            optional={
                "data_schema": json_values,
                "extraction_target": st.sampled_from(["per_doc", "per_page"]) | texts,
                "tier": texts | json_values,
                "max_pages": json_values,
            },
        )
        | json_values,
        "extract_result": json_values,
        "extract_metadata": st.fixed_dictionaries(
            {}, optional={"field_metadata": st.dictionaries(texts, json_values, max_size=3)}
        )
        | json_values,
        "metadata": st.fixed_dictionaries(
            {}, optional={"file_name": texts | json_values, "usage": json_values}
        )
        | json_values,
        "usage": json_values,
    },
)


def drawn(text: Text | str) -> str:
    return text.plain if isinstance(text, Text) else text


def load(data) -> ExtractJob | None:
    """A job, or None when the model refuses it (only ValueError is allowed to say so)."""
    try:
        return ExtractJob.from_json(data)
    except ValueError:
        return None


@SETTINGS
@given(json_values)
def test_any_json_into_the_models_and_core(value) -> None:
    load(value)  # raw values: refused with ValueError at worst
    field_rows(value)
    field_rows({"extract_result": value})
    check_job(value)
    check_job({"extract_result": value, "configuration": {"data_schema": value}})


@SETTINGS
@given(job_dicts)
def test_job_shaped_dicts_load_and_everything_about_them_renders(data) -> None:
    job = load(data)
    rows = field_rows(data)
    check_job(data)
    if job is None:
        return
    assert job.to_json_dict() is data  # copy and export start from what came, untouched
    for row in rows[:20]:
        scalar_text(row.value, 60)
        cell_text(row.value, 60)
    # renderers of the job as a whole
    result_shape(job)
    job_age(job, NOW)
    clip(job.document_label, 30)
    assert not RAW.search(drawn(status_text(job.status)))
    assert not RAW_MULTI.search(drawn(usage_text(job)))
    assert not RAW_MULTI.search(drawn(plain(job.error_message)))


@SETTINGS
@given(job_dicts)
def test_tree_labels_are_inert(data) -> None:
    job = load(data)
    if job is not None:
        label = job_label(job, NOW)
        assert not RAW.search(label.plain), repr(label.plain)
        assert not RAW.search(short_id(job.id))


@SETTINGS
@given(texts | st.none(), json_values, st.booleans())
def test_schema_labels_never_raise(name, schema, required) -> None:
    label = schema_label(name, schema, required)
    assert not RAW.search(label.plain)
    plain(schema)


schema_keys = st.sampled_from(
    ["type", "format", "description", "enum", "pattern", "items", "$ref", "anyOf", "title"]
)
object_schemas = st.dictionaries(schema_keys | texts, json_values, max_size=5)


@SETTINGS
@given(texts | st.none(), object_schemas, st.booleans())
def test_schema_labels_of_object_schemas_are_inert(name, schema, required) -> None:
    label = schema_label(name, schema, required)
    assert not RAW.search(label.plain), repr(label.plain)


@SETTINGS
@given(texts, scalars | json_values)
def test_highlighted_citations_are_inert(matching, value) -> None:
    text = highlight_value(matching, value)
    assert not RAW_MULTI.search(text.plain), repr(text.plain)
    # the highlight always lands inside the text
    for span in text.spans:
        assert 0 <= span.start <= span.end <= len(text.plain)


citations = st.fixed_dictionaries(
    {},
    optional={
        "page": json_values,
        "matching_text": texts | json_values,
        "bounding_boxes": json_values,
        "page_dimensions": json_values,
    },
)


@SETTINGS
@given(st.integers(min_value=1, max_value=50), citations, scalars | json_values)
def test_citation_blocks_render_inert(index, raw, value) -> None:
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(citation_block(index, Citation(raw), value))
    assert not RAW_MULTI.search(console.export_text())


@SETTINGS
@given(texts | json_values)
def test_safe_text_and_value_are_inert(value) -> None:
    text = safe_text(value if isinstance(value, str) else str(value))
    assert not RAW.search(text)
    assert not RAW_MULTI.search(safe_text(str(value), single_line=False))
    assert not RAW.search(safe_value(value))
    cut = safe_text("x" * 500 + str(value), max_len=40)
    assert cut.startswith("x" * 40) and "(+" in cut


@SETTINGS
@given(texts, st.integers(min_value=400, max_value=599) | st.none())
def test_error_descriptions_are_inert(message, status) -> None:
    for kind in (ApiError, AuthError, NotFoundError, ServerError, NetworkError, BadResponseError):
        described = describe_error(kind(message, status=status))
        assert not RAW.search(described) and len(described) <= 200
    assert describe_error(RateLimitedError(message, retry_after=3)) == "rate limited"
    assert not RAW.search(describe_error(ValueError(message)))


def test_absurd_confidences_are_shown_briefly() -> None:
    for value in (1e100, -1e300, float("inf"), float("nan")):
        assert len(confidence_text(value).plain) <= 12

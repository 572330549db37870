"""Pydantic models of the LlamaCloud Extract v2 wire format.

Lenient on purpose: the API has renamed and added fields over time, so both the reference shape
(``document_input_value``, ``extract_version``, token usage) and the current shape (``file_input``,
``version``, ``usage``, new tiers) read. Unknown fields are kept (``extra="allow"``), an unknown
status string is kept as it is, and the big ``extract_result`` / field metadata stay plain JSON
(validating 50 MB of rows into models would stall the UI for no gain).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

#: Statuses after which a job never changes again.
TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
#: Every status the API documents; anything else is shown as it came.
KNOWN_STATUSES = ("PENDING", "THROTTLED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED")
#: Credits per page by extract tier (api-notes); unknown tiers have no rate.
TIER_CREDITS_PER_PAGE = {"cost_effective": 5, "agentic": 15, "agentic_plus": 50, "turbo": 35}


def _lenient_datetime(value: Any) -> datetime | None:
    """Parse an ISO 8601 timestamp; anything unparsable becomes None instead of an error."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed
    return None


def _lenient_str(value: Any) -> str | None:
    """Accept any scalar where the API promises a string (ids drift between types)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return None


def _lenient_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    if isinstance(value, int | float):
        return bool(value)
    return None


def _lenient_number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return None
    return None


LenientDatetime = Annotated[datetime | None, BeforeValidator(_lenient_datetime)]
LenientStr = Annotated[str | None, BeforeValidator(_lenient_str)]
LenientBool = Annotated[bool | None, BeforeValidator(_lenient_bool)]
LenientNumber = Annotated[float | int | None, BeforeValidator(_lenient_number)]


class ApiModel(BaseModel):
    """Base for every wire model: keeps unknown fields, never rejects on extra keys."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())


def _dict_or_none(value: Any) -> Any:
    """Nested objects that arrive as something else are dropped rather than failing the job."""
    return value if value is None or isinstance(value, dict) else None


class ExtractConfiguration(ApiModel):
    """The extraction settings used by a job (``ExtractConfiguration``)."""

    data_schema: Any = None
    cite_sources: LenientBool = None
    confidence_scores: LenientBool = None
    extraction_target: LenientStr = None
    tier: LenientStr = None
    parse_tier: LenientStr = None
    parse_config_id: LenientStr = None
    system_prompt: LenientStr = None
    target_pages: LenientStr = None
    max_pages: LenientNumber = None
    lang: LenientStr = None
    #: Seed shape name of the version pin; the current API calls it ``version``.
    extract_version: LenientStr = None
    version: LenientStr = None
    advanced_citations: LenientBool = None
    disable_cache: LenientBool = None
    spreadsheet_mode: LenientBool = None
    sheet_names: Any = None

    @property
    def version_pin(self) -> str | None:
        """The extract version, whichever generation of the field name the job uses."""
        return self.version if self.version is not None else self.extract_version


class FieldMetadata(ApiModel):
    """Per-field metadata; kept as plain JSON because shapes vary (see core.fields)."""

    document_metadata: Any = None
    page_metadata: Any = None
    row_metadata: Any = None


class ExtractJobMetadata(ApiModel):
    """``extract_metadata``: field metadata plus the parse job it came from."""

    field_metadata: Annotated[FieldMetadata | None, BeforeValidator(_dict_or_none)] = None
    parse_job_id: LenientStr = None
    parse_tier: LenientStr = None


class UsageMetrics(ApiModel):
    """``metadata.usage``: token counts (seed shape) or billed pages (current shape)."""

    num_document_tokens: LenientNumber = None
    num_output_tokens: LenientNumber = None
    num_pages_extracted: LenientNumber = None
    num_pages_billed: LenientNumber = None


class JobMetadata(ApiModel):
    """``metadata``: usage plus arbitrary extra keys (kept)."""

    usage: Annotated[UsageMetrics | None, BeforeValidator(_dict_or_none)] = None


class Usage(ApiModel):
    """Top-level ``usage`` of the current shape: credits."""

    credits: LenientNumber = None
    extract_credits: LenientNumber = None
    parse_credits: LenientNumber = None


class ExtractJob(ApiModel):
    """An extraction job (the API's ``ExtractV2Job``), either generation of its shape."""

    id: str
    created_at: LenientDatetime = None
    updated_at: LenientDatetime = None
    project_id: LenientStr = None
    status: Annotated[str, BeforeValidator(lambda v: "UNKNOWN" if v is None else str(v))] = (
        "UNKNOWN"
    )
    #: Seed shape name of the document; the current API calls it ``file_input``.
    document_input_value: LenientStr = None
    file_input: LenientStr = None
    configuration: Annotated[ExtractConfiguration | None, BeforeValidator(_dict_or_none)] = None
    configuration_id: LenientStr = None
    error_message: LenientStr = None
    extract_metadata: Annotated[ExtractJobMetadata | None, BeforeValidator(_dict_or_none)] = None
    #: One object (per_doc), a list (per_page / per_table_row) or null; kept as plain JSON.
    extract_result: Any = None
    metadata: Annotated[JobMetadata | None, BeforeValidator(_dict_or_none)] = None
    usage: Annotated[Usage | None, BeforeValidator(_dict_or_none)] = None

    # The JSON exactly as it arrived, so exports lose nothing the lenient parsing dropped.
    _raw: dict[str, Any] | None = PrivateAttr(default=None)
    # Names from the files and configurations APIs (the job itself carries only ids).
    _file_name: str | None = PrivateAttr(default=None)
    _configuration_name: str | None = PrivateAttr(default=None)
    # When the local cache wrote this copy, if that is where it came from (None: the API).
    _cached_at: datetime | None = PrivateAttr(default=None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExtractJob:
        """Validate a job dict and remember the original JSON for export and copy."""
        job = cls.model_validate(data)
        job._raw = data
        return job

    @property
    def document(self) -> str | None:
        """The document the job extracted from (a ``dfl-`` file id or a ``pjb-`` parse job id)."""
        return self.file_input if self.file_input is not None else self.document_input_value

    def set_file_name(self, name: str) -> None:
        """The document's file name, as the files API gave it."""
        self._file_name = name

    def set_configuration_name(self, name: str) -> None:
        """The saved configuration's name, as the configurations API gave it."""
        self._configuration_name = name

    def mark_cached(self, written_at: datetime) -> None:
        """This copy is the local cache's, written at ``written_at`` (not the API's, now)."""
        self._cached_at = written_at

    @property
    def cached_at(self) -> datetime | None:
        """When the local cache wrote this copy; None for a copy from the API."""
        return self._cached_at

    @property
    def configuration_name(self) -> str | None:
        """The saved configuration's name, once the configurations API gave it."""
        return self._configuration_name

    @property
    def file_name(self) -> str | None:
        """The document's file name: from the files API, else from a saved job's ``metadata``
        (older tools wrote one there), else None."""
        if self._file_name is not None:
            return self._file_name
        if self.metadata is None:
            return None
        extra = self.metadata.model_extra or {}
        for key in ("file_name", "filename", "document_name"):
            value = extra.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    @property
    def document_label(self) -> str:
        """What to call the document on screen: its file name if known, else its id."""
        return self.file_name or self.document or "(no document)"

    @property
    def is_terminal(self) -> bool:
        """True when the job can no longer change (COMPLETED, FAILED, CANCELLED)."""
        return self.status in TERMINAL_STATUSES

    @property
    def is_known_status(self) -> bool:
        return self.status in KNOWN_STATUSES

    @property
    def extraction_target(self) -> str | None:
        """per_doc / per_page / per_table_row, from the configuration or guessed from the result."""
        if self.configuration and self.configuration.extraction_target:
            return self.configuration.extraction_target
        if isinstance(self.extract_result, dict):
            return "per_doc"
        fm = self.extract_metadata.field_metadata if self.extract_metadata else None
        if isinstance(self.extract_result, list):
            if fm is not None and fm.page_metadata and not fm.row_metadata:
                return "per_page"
            return "per_table_row"
        return None

    @property
    def tier(self) -> str | None:
        return self.configuration.tier if self.configuration else None

    @property
    def field_metadata(self) -> FieldMetadata | None:
        return self.extract_metadata.field_metadata if self.extract_metadata else None

    @property
    def parse_job_id(self) -> str | None:
        return self.extract_metadata.parse_job_id if self.extract_metadata else None

    @property
    def usage_metrics(self) -> UsageMetrics | None:
        return self.metadata.usage if self.metadata else None

    @property
    def pages_billed(self) -> int | None:
        """Pages the job was billed for, else the pages extracted (either shape's
        ``metadata.usage``); None when neither is a whole number of pages."""
        metrics = self.usage_metrics
        if metrics is None:
            return None
        for value in (metrics.num_pages_billed, metrics.num_pages_extracted):
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if value >= 0 and float(value).is_integer():
                return int(value)
        return None

    @property
    def duration_seconds(self) -> float | None:
        """created -> updated; for a job still running this is the time it has run so far."""
        if self.created_at is None or self.updated_at is None:
            return None
        return max(0.0, (self.updated_at - self.created_at).total_seconds())

    def to_json_dict(self) -> dict[str, Any]:
        """The job as JSON, with every field it arrived with (unknown ones included)."""
        if self._raw is not None:
            return self._raw
        return self.model_dump(mode="json", exclude_unset=True)


#: A ``total_size`` past this is not a count of jobs.
MAX_TOTAL_SIZE = 10**15


def _count_or_none(value: Any) -> int | None:
    """A job count: a whole number from 0 to ``MAX_TOTAL_SIZE``; anything else is unknown."""
    number = _lenient_number(value)
    if isinstance(number, float):
        if not number.is_integer():
            return None
        number = int(number)
    if number is None or not 0 <= number <= MAX_TOTAL_SIZE:
        return None
    return number


class JobPage(ApiModel):
    """One page of ``GET /api/v2/extract``."""

    items: list[ExtractJob] = Field(default_factory=list)
    next_page_token: LenientStr = None
    #: Jobs in the whole list, when the server says (never negative: "1/-5" is no count).
    total_size: Annotated[int | None, BeforeValidator(_count_or_none)] = None
    #: Items of this page that could not be read as jobs and were left out.
    skipped: int = 0


class Project(ApiModel):
    """A LlamaCloud project."""

    id: str
    name: LenientStr = None
    organization_id: LenientStr = None
    is_default: LenientBool = None
    created_at: LenientDatetime = None
    updated_at: LenientDatetime = None

    @property
    def label(self) -> str:
        return self.name or self.id

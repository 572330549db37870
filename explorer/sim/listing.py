"""`GET /api/v2/extract`: query parsing, filters and cursor pagination.

Pages are cut by a cursor (the sort key of the last job shown), not an offset, so jobs created
while someone pages through don't shift later pages and cause repeats.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import orjson

from .errors import ApiError, invalid
from .records import LIST_STATUSES, JobRecord
from .render import EXPANDABLE
from .timebase import WorldClock

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


def sort_key(rec: JobRecord) -> tuple[float, str]:
    """Newest first; ties broken by id so the order is total."""
    return (-rec.created, rec.id)


@dataclass
class ListQuery:
    """A parsed list request."""

    page_size: int = DEFAULT_PAGE_SIZE
    after: tuple[float, str] | None = None
    status: str | None = None
    configuration_id: str | None = None
    documents: tuple[str, ...] = ()
    document_type: str | None = None
    job_ids: frozenset[str] | None = None
    created_from: float | None = None
    created_to: float | None = None
    expand: frozenset[str] = frozenset()
    project_id: str | None = None
    organization_id: str | None = None

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the project's jobs."""
        return bool(
            self.status
            or self.configuration_id
            or self.documents
            or self.document_type
            or self.job_ids is not None
            or self.created_from is not None
            or self.created_to is not None
        )


def parse_expand(values: Iterable[str], allowed: Iterable[str] = EXPANDABLE) -> frozenset[str]:
    """`expand` values (repeatable, or comma separated); ones not `allowed` are a 422."""
    allowed = tuple(allowed)
    out = {v.strip() for value in values for v in value.split(",") if v.strip()}
    unknown = out - set(allowed)
    if unknown:
        raise invalid(
            "query",
            "expand",
            f"Unknown expand value(s) {sorted(unknown)}; allowed: {', '.join(allowed)}",
        )
    return frozenset(out)


def parse_list_query(params: list[tuple[str, str]], clock: WorldClock) -> ListQuery:
    """Parse the query string of a list request; raise ApiError(422) on a bad parameter."""
    multi: dict[str, list[str]] = {}
    for key, value in params:
        multi.setdefault(key, []).append(value)

    def one(name: str) -> str | None:
        values = multi.get(name)
        return values[-1] if values else None

    q = ListQuery(expand=parse_expand(multi.get("expand", [])))
    raw_size = one("page_size")
    if raw_size is not None:
        try:
            q.page_size = int(raw_size)
        except ValueError:
            raise invalid(
                "query", "page_size", "Input should be a valid integer", "int_parsing"
            ) from None
        if not 1 <= q.page_size <= MAX_PAGE_SIZE:
            raise invalid("query", "page_size", f"Input should be between 1 and {MAX_PAGE_SIZE}")
    token = one("page_token")
    if token:
        q.after = decode_token(token)
    status = one("status")
    if status is not None:
        if status not in LIST_STATUSES:
            raise invalid(
                "query", "status", f"Input should be one of {', '.join(LIST_STATUSES)}", "enum"
            )
        q.status = status
    q.configuration_id = one("configuration_id")
    q.documents = tuple(multi.get("file_input", []) + multi.get("document_input_value", []))
    doc_type = one("document_input_type")
    if doc_type is not None:
        if doc_type not in ("file_id", "parse_job_id"):
            raise invalid(
                "query",
                "document_input_type",
                "Input should be 'file_id' or 'parse_job_id'",
                "enum",
            )
        q.document_type = doc_type
    if "job_ids" in multi:
        q.job_ids = frozenset(
            j.strip() for v in multi["job_ids"] for j in v.split(",") if j.strip()
        )
    for name, attr in (
        ("created_at_on_or_after", "created_from"),
        ("created_at_on_or_before", "created_to"),
    ):
        raw = one(name)
        if raw is not None:
            setattr(q, attr, _parse_time(name, raw, clock))
    q.project_id = one("project_id")
    q.organization_id = one("organization_id")
    return q


def _parse_time(name: str, raw: str, clock: WorldClock) -> float:
    try:
        return clock.rel_of(datetime.fromisoformat(raw.strip()))
    except ValueError:
        raise invalid(
            "query", name, "Input should be a valid datetime (ISO 8601)", "datetime_parsing"
        ) from None


def encode_token(rec: JobRecord) -> str:
    """An opaque cursor pointing after `rec`."""
    raw = orjson.dumps(["v1", rec.created, rec.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[float, str]:
    """The sort key a cursor points after; a token we didn't make is a 422."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        version, created, job_id = orjson.loads(raw)
        if version != "v1" or not isinstance(job_id, str):
            raise ValueError(token)
        return (-float(created), job_id)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise ApiError(422, "Invalid page_token") from None


def select(
    records: list[JobRecord], q: ListQuery, now: float
) -> tuple[list[JobRecord], str | None, int]:
    """One page of `records` (already in sort order): the page, the next cursor, the total."""
    matches = [r for r in records if _matches(r, q, now)] if q.filtered else records
    start = bisect_right(matches, q.after, key=sort_key) if q.after else 0
    page = matches[start : start + q.page_size]
    more = start + q.page_size < len(matches)
    return page, (encode_token(page[-1]) if more and page else None), len(matches)


def _matches(rec: JobRecord, q: ListQuery, now: float) -> bool:
    if q.job_ids is not None and rec.id not in q.job_ids:
        return False
    if q.configuration_id and rec.configuration_id != q.configuration_id:
        return False
    if q.documents and rec.document not in q.documents:
        return False
    if q.document_type == "file_id" and not rec.document.startswith("dfl-"):
        return False
    if q.document_type == "parse_job_id" and not rec.document.startswith("pjb-"):
        return False
    if q.created_from is not None and rec.created < q.created_from - 0.0005:
        return False
    if q.created_to is not None and rec.created > q.created_to + 0.0005:
        return False
    return not (q.status and rec.status_at(now)[0] != q.status)

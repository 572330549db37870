"""Pages of jobs as the list endpoint sends them, read item by item.

One unreadable item (``"id": null``, a job that is not an object, a field pydantic refuses) is
skipped and counted on the page (``JobPage.skipped``) instead of making the whole page, and with
it a project, unreadable.
"""

from __future__ import annotations

import logging
from typing import Any

from explorer.api.errors import BadResponseError
from explorer.api.models import ExtractJob, JobPage

__all__ = ["job_of", "page_of_jobs", "pages_allowed"]

log = logging.getLogger("explorer.api")


def job_of(data: Any, label: str) -> ExtractJob:
    """One job object, or ``BadResponseError`` saying why it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        if isinstance(data, dict) and "id" in data:
            raise BadResponseError(f"{label}: the job has no usable id", request=label)
        raise BadResponseError(
            f"{label}: expected a job object, got {type(data).__name__}", request=label
        )
    try:
        return ExtractJob.from_json(data)
    except ValueError as exc:
        raise BadResponseError(f"{label}: unreadable job: {exc}", request=label) from None


def page_of_jobs(data: Any, label: str) -> JobPage:
    """A list page: its readable jobs, how many were not, the next token and the total."""
    if not isinstance(data, dict):
        raise BadResponseError(
            f"{label}: expected a page object, got {type(data).__name__}", request=label
        )
    items = data.get("items")
    if not isinstance(items, list):
        raise BadResponseError(f"{label}: the page has no 'items' list", request=label)
    jobs: list[ExtractJob] = []
    skipped = 0
    for item in items:
        try:
            jobs.append(job_of(item, label))
        except BadResponseError as exc:
            skipped += 1
            log.debug("skipped an item of %s: %s", label, exc.message[:200])
    token = data.get("next_page_token")
    page = JobPage(
        next_page_token=token if isinstance(token, str) and token else None,
        total_size=data.get("total_size"),
        skipped=skipped,
    )
    page.items = jobs  # already validated: no second pass through pydantic
    return page


def pages_allowed(max_pages: int, limit: int | None, page_size: int) -> int:
    """Pages a walk may fetch: the budget's cap, or more when a ``limit`` asks for more jobs."""
    if not limit:
        return max_pages
    return max(max_pages, -(-limit // max(1, page_size)) + 1)

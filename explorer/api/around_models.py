"""Models of the API around the job: files, saved configurations, parse jobs, presigned URLs.

Lenient like the job models (unknown fields kept, odd types tolerated): a name the explorer
cannot read is shown as the id, never an error. Parse results stay plain JSON per page; the
accessors pick out what the explorer shows (page text, items, page screenshots).
"""

from __future__ import annotations

import re
from typing import Any

from explorer.api.models import ApiModel, LenientDatetime, LenientNumber, LenientStr


class FileInfo(ApiModel):
    """A file of the files API (`GET /api/v1/beta/files/{id}`)."""

    id: str
    name: LenientStr = None
    project_id: LenientStr = None
    file_type: LenientStr = None
    external_file_id: LenientStr = None
    purpose: LenientStr = None
    last_modified_at: LenientDatetime = None
    expires_at: LenientDatetime = None


class SavedConfiguration(ApiModel):
    """A saved product configuration (`GET /api/v1/beta/configurations/{id}`)."""

    id: str
    name: LenientStr = None
    product_type: LenientStr = None
    version: LenientStr = None
    #: ExtractV2Parameters for an extract configuration; kept as plain JSON.
    parameters: dict[str, Any] | None = None
    created_at: LenientDatetime = None
    updated_at: LenientDatetime = None


class PresignedUrl(ApiModel):
    """Where a file's bytes can be fetched without the API key, until `expires_at`."""

    url: str
    expires_at: LenientDatetime = None


class ParseJobInfo(ApiModel):
    """The `job` part of `GET /api/v2/parse/{id}`."""

    id: str
    project_id: LenientStr = None
    status: LenientStr = None
    name: LenientStr = None
    tier: LenientStr = None
    error_message: LenientStr = None
    created_at: LenientDatetime = None
    updated_at: LenientDatetime = None


class ParsePage(ApiModel):
    """One page of a parse result, joined from the expands that were asked for."""

    page_number: int
    text: LenientStr = None
    markdown: LenientStr = None
    width: LenientNumber = None
    height: LenientNumber = None
    items: list[dict[str, Any]] | None = None
    screenshot_url: LenientStr = None
    error: LenientStr = None


class ParseResult(ApiModel):
    """A parse job with the parsed pages (`GET /api/v2/parse/{id}` with `expand`)."""

    job: ParseJobInfo
    text: dict[str, Any] | None = None
    markdown: dict[str, Any] | None = None
    items: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    images_content_metadata: dict[str, Any] | None = None

    def pages(self) -> list[ParsePage]:
        """Every page any expand mentions, in page order, with what each expand said of it."""
        by_number: dict[int, dict[str, Any]] = {}

        def each(part: dict[str, Any] | None, key: str = "pages") -> list[dict[str, Any]]:
            pages = part.get(key) if isinstance(part, dict) else None
            return [p for p in pages if isinstance(p, dict)] if isinstance(pages, list) else []

        def page(entry: dict[str, Any]) -> dict[str, Any] | None:
            number = entry.get("page_number")
            if isinstance(number, bool) or not isinstance(number, int):
                return None
            return by_number.setdefault(number, {"page_number": number})

        for entry in each(self.text):
            if (p := page(entry)) is not None:
                p["text"] = entry.get("text")
        for entry in each(self.markdown):
            if (p := page(entry)) is not None:
                p["markdown"] = entry.get("markdown")
                if entry.get("success") is False:
                    p["error"] = entry.get("error")
        for entry in each(self.items):
            if (p := page(entry)) is not None:
                p["width"], p["height"] = entry.get("page_width"), entry.get("page_height")
                items = entry.get("items")
                p["items"] = (
                    [i for i in items if isinstance(i, dict)] if isinstance(items, list) else None
                )
                if entry.get("success") is False:
                    p["error"] = entry.get("error")
        screenshots = [
            i
            for i in each(self.images_content_metadata, "images")
            if i.get("category") == "screenshot"
        ]
        for image in screenshots:
            number = _screenshot_page(image)
            if number is not None:
                by_number.setdefault(number, {"page_number": number})["screenshot_url"] = image.get(
                    "presigned_url"
                )
        return [ParsePage.model_validate(by_number[n]) for n in sorted(by_number)]


_PAGE_FILE = re.compile(r"page[_-]?(\d+)", re.IGNORECASE)


def _screenshot_page(image: dict[str, Any]) -> int | None:
    """The 1-based page a screenshot shows: named in its file name (`page_3.png`), else its
    0-based index."""
    name = image.get("filename")
    match = _PAGE_FILE.search(name) if isinstance(name, str) else None
    if match:
        return int(match.group(1))
    index = image.get("index")
    if isinstance(index, int) and not isinstance(index, bool) and index >= 0:
        return index + 1
    return None

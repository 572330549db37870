"""Re-running a job with settings changed: what changes, on which input, for about how much.

:func:`plan_rerun` takes the original job (with its configuration expanded) and the settings
the user changed, and answers what a careful user asks before spending credits: what will be
different from the original, whether the document must be parsed again (only settings that
change what is parsed do: target pages, max pages, parse tier, parse configuration, language,
spreadsheet options) or the original's parse job (``pjb-…``) can be the ``file_input`` so the
document is not parsed again, and an estimate of the credits. Pure Python: the TUI's form and
the ``rerun`` command both read the same plan, and neither ever changes the original's saved
configuration (a re-run always sends an inline ``configuration``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from explorer.api.models import TIER_CREDITS_PER_PAGE, ExtractJob

__all__ = [
    "CREATE_KEYS",
    "EDITABLE",
    "PARSE_SETTINGS",
    "TARGETS",
    "TIERS",
    "RerunError",
    "RerunPlan",
    "SettingChange",
    "count_pages",
    "original_configuration",
    "original_pages",
    "plan_rerun",
    "sendable",
    "validate_pages",
]

#: The settings the re-run form and flags edit, in the order they are shown.
EDITABLE = (
    "tier",
    "extraction_target",
    "system_prompt",
    "target_pages",
    "max_pages",
    "confidence_scores",
    "cite_sources",
    "data_schema",
)
#: Settings that change what the parser produces: changing one means parsing again.
PARSE_SETTINGS = frozenset(
    {
        "target_pages",
        "max_pages",
        "parse_tier",
        "parse_config_id",
        "lang",
        "spreadsheet_mode",
        "sheet_names",
    }
)
#: The settings a create request's ``configuration`` takes (the SDK's
#: ``ExtractConfigurationParam``; a contract test keeps the two equal).
CREATE_KEYS = frozenset(
    {
        "data_schema",
        "advanced_citations",
        "cite_sources",
        "confidence_scores",
        "disable_cache",
        "extraction_target",
        "max_pages",
        "parse_config_id",
        "parse_tier",
        "sheet_names",
        "spreadsheet_mode",
        "system_prompt",
        "target_pages",
        "tier",
        "version",
    }
)
#: The API's extract tiers (with published rates) and extraction targets: the choices of the
#: form and of the flags.
TIERS = tuple(TIER_CREDITS_PER_PAGE)
TARGETS = ("per_doc", "per_page", "per_table_row")
#: A page range of ``target_pages``: ``3`` or ``5-7`` (1-based).
_RANGE = re.compile(r"^\s*(\d{1,6})\s*(?:-\s*(\d{1,6})\s*)?$")


class RerunError(ValueError):
    """A re-run that cannot be sent as asked (the message says what to change)."""


@dataclass(frozen=True)
class SettingChange:
    """One setting that differs from the original's."""

    key: str
    old: Any
    new: Any


@dataclass
class RerunPlan:
    """What a re-run will send, and what the user should know first."""

    original_id: str
    project_id: str | None
    #: The ``file_input`` to send: the original's parse job when it can be reused.
    file_input: str
    configuration: dict[str, Any]
    changes: list[SettingChange]
    #: True when ``file_input`` is the original's parse job (no new parse).
    reuses_parse: bool
    #: Why the document is (or is not) parsed again, in a sentence.
    parse_note: str
    pages: int | None
    credits_per_page: int | None
    #: pages x the tier's credits per page (None when either is unknown).
    credits: float | None
    #: What the original cost, when the API said.
    original_credits: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def changed_keys(self) -> list[str]:
        return [c.key for c in self.changes]

    def estimate_text(self) -> str:
        """The estimate as one line for the form and the command."""
        if self.credits is None:
            why = "the tier's rate" if self.credits_per_page is None else "the page count"
            return f"credits: unknown ({why} is not known)"
        pages = f"{self.pages} page{'' if self.pages == 1 else 's'}"
        rate = f"{self.credits_per_page} credits/page"
        text = f"about {_num(self.credits)} credits ({pages} × {rate})"
        if self.original_credits is not None:
            text += f"; the original cost {_num(self.original_credits)}"
        return text


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def original_configuration(job: ExtractJob) -> dict[str, Any]:
    """The configuration the job ran with, as plain JSON (a deep copy, safe to edit).

    Raises :class:`RerunError` when the job carries none (it was fetched without
    ``expand=configuration`` and has no saved configuration to read it from).
    """
    raw = job.to_json_dict().get("configuration")
    if not isinstance(raw, dict) or "data_schema" not in raw:
        raise RerunError(
            f"{job.id} came without its configuration: fetch it with expand=configuration "
            "(a job JSON saved from the API without it cannot be re-run)"
        )
    return copy.deepcopy(raw)


def sendable(config: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The configuration as a create request takes it, and the keys left out.

    The seed generation's ``extract_version`` is sent as ``version``; unset (null) settings are
    left to the API's defaults; settings the create request has no field for are not sent.
    """
    out: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in config.items():
        if key == "extract_version":
            key = "version"
            if "version" in config and config["version"] is not None:
                continue
        if value is None:
            continue
        if key not in CREATE_KEYS:
            dropped.append(key)
            continue
        out[key] = value
    return out, dropped


def validate_pages(spec: str) -> list[tuple[int, int]]:
    """``"1,3,5-7"`` as ranges [(1, 1), (3, 3), (5, 7)]; RerunError on anything else."""
    ranges: list[tuple[int, int]] = []
    for part in spec.split(","):
        match = _RANGE.match(part)
        if match is None:
            raise RerunError(
                f"target pages take page numbers and ranges like 1,3,5-7 (1-based): {spec!r}"
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise RerunError(f"target pages: {part.strip()!r} is not a range of pages from 1 up")
        ranges.append((first, last))
    return ranges


def count_pages(spec: str, document_pages: int | None) -> int:
    """How many distinct pages a ``target_pages`` spec selects (within the document)."""
    pages: set[int] = set()
    for first, last in validate_pages(spec):
        if document_pages is not None:
            last = min(last, document_pages)
        if last - first > 100_000:
            raise RerunError("target pages: a range of more than 100,000 pages")
        pages.update(range(first, last + 1))
    return len(pages)


def original_pages(job: ExtractJob) -> int | None:
    """The pages the original was billed for (or extracted), else what its credits imply."""
    if job.pages_billed:
        return job.pages_billed
    credits = job.usage.credits if job.usage is not None else None
    rate = TIER_CREDITS_PER_PAGE.get(job.tier or "")
    if isinstance(credits, int | float) and rate and credits > 0:
        return max(1, round(credits / rate))
    return None


def _apply(config: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    for key, value in overrides.items():
        if key == "target_pages" and isinstance(value, str):
            value = value.strip() or None
            if value is not None:
                validate_pages(value)
        if (
            key == "max_pages"
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, int) or value < 1)
        ):
            raise RerunError(f"max pages must be a whole number from 1 up: {value!r}")
        if key == "extraction_target" and value not in TARGETS:
            raise RerunError(f"extraction target must be one of {', '.join(TARGETS)}: {value!r}")
        if key == "data_schema" and not isinstance(value, dict):
            raise RerunError("the schema must be a JSON object")
        if key == "system_prompt" and isinstance(value, str):
            value = value if value.strip() else None
        if value is None and key not in config:
            continue  # unset and asked unset: nothing to send
        config[key] = value


def plan_rerun(
    job: ExtractJob,
    overrides: Mapping[str, Any],
    *,
    file_input: str | None = None,
    document_pages: int | None = None,
) -> RerunPlan:
    """The re-run of ``job`` with ``overrides`` (setting -> new value; None unsets).

    ``file_input`` forces a document (e.g. the file behind a parse job the original ran on);
    ``document_pages`` is the document's page count when known (for the estimate).
    """
    raw = original_configuration(job)
    before, dropped = sendable(raw)
    edited = copy.deepcopy(raw)
    _apply(edited, overrides)
    after, _ = sendable(edited)
    keys = list(dict.fromkeys([*EDITABLE, *before, *after]))
    changes = [
        SettingChange(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)
    ]
    document = job.document
    if not document and not file_input:
        raise RerunError(f"{job.id} names no document (file_input) to run on")
    parse_changed = [c.key for c in changes if c.key in PARSE_SETTINGS]
    parse_job = job.parse_job_id
    notes: list[str] = []
    if dropped:
        shown = ", ".join(f"{k}={_shown(raw.get(k), 20)}" for k in sorted(dropped))
        notes.append(f"not sent: {shown} (a create request has no such setting)")
    if file_input:
        chosen, reuses = file_input, file_input.startswith("pjb-")
        note = f"runs on {file_input}, as asked"
    elif parse_changed:
        if (document or "").startswith("pjb-"):
            raise RerunError(
                f"changing {', '.join(parse_changed)} means parsing the document again, but "
                f"{job.id} ran on parse job {document}, not on a file: give the file id with "
                "--file dfl-… (the API does not say which file a parse job read)"
            )
        chosen, reuses = str(document), False
        note = f"parses {document} again: {', '.join(parse_changed)} changed"
    elif parse_job and str(parse_job).startswith("pjb-"):
        chosen, reuses = str(parse_job), True
        note = f"reuses the original's parse job {parse_job}: the document is not parsed again"
    else:
        chosen, reuses = str(document), str(document).startswith("pjb-")
        note = (
            f"runs on {document} (the original named no parse job to reuse)"
            if not reuses
            else f"runs on parse job {document}, as the original did"
        )
    pages = original_pages(job)
    if pages is None:
        pages = document_pages
    limited = bool(before.get("target_pages")) or (
        isinstance(before.get("max_pages"), int)
        and pages is not None
        and before["max_pages"] <= pages
    )
    if document_pages is None and pages is not None and not limited:
        document_pages = pages  # the original read the whole document
    target = after.get("target_pages")
    if isinstance(target, str) and target and "target_pages" in parse_changed:
        pages = count_pages(target, document_pages)
        if document_pages is None:
            notes.append("the document's page count is unknown: the estimate counts every page")
    elif "target_pages" in parse_changed and not target and document_pages is not None:
        pages = document_pages
    max_pages = after.get("max_pages")
    if isinstance(max_pages, int) and pages is not None:
        pages = min(pages, max_pages)
    rate = TIER_CREDITS_PER_PAGE.get(str(after.get("tier") or ""))
    if after.get("tier") and rate is None:
        notes.append(f"tier {after.get('tier')!r} has no published rate: no estimate")
    credits = float(pages * rate) if pages is not None and rate is not None else None
    original_credits = job.usage.credits if job.usage is not None else None
    if not isinstance(original_credits, int | float) or isinstance(original_credits, bool):
        original_credits = None
    if not changes:
        notes.append("nothing changed: the re-run repeats the original (results may drift)")
    return RerunPlan(
        original_id=job.id,
        project_id=job.project_id,
        file_input=chosen,
        configuration=after,
        changes=changes,
        reuses_parse=reuses,
        parse_note=note,
        pages=pages,
        credits_per_page=rate,
        credits=credits,
        original_credits=float(original_credits) if original_credits is not None else None,
        notes=notes,
    )


#: What each setting is called on screen.
LABELS = {
    "tier": "tier",
    "extraction_target": "target",
    "system_prompt": "system prompt",
    "target_pages": "target pages",
    "max_pages": "max pages",
    "confidence_scores": "confidence scores",
    "cite_sources": "citations",
    "data_schema": "schema",
    "parse_tier": "parse tier",
}


def _shown(value: Any, width: int = 40) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "on" if value else "off"
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _properties(schema: Any) -> set[str]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return {str(k) for k in props} if isinstance(props, dict) else set()


def describe_change(change: SettingChange) -> str:
    """One line for a changed setting: ``tier: agentic → agentic_plus``; for the schema, the
    fields added and removed at its top level (or that it changed inside)."""
    label = LABELS.get(change.key, change.key)
    if change.key != "data_schema":
        return f"{label}: {_shown(change.old)} → {_shown(change.new)}"
    old, new = _properties(change.old), _properties(change.new)
    parts = [f"{len(old)} → {len(new)} top-level fields"]
    if added := sorted(new - old):
        parts.append("added " + ", ".join(_shown(a, 30) for a in added[:6]))
    if removed := sorted(old - new):
        parts.append("removed " + ", ".join(_shown(r, 30) for r in removed[:6]))
    if not added and not removed:
        parts.append("changed inside")
    return f"{label}: " + "; ".join(parts)

"""The hand-picked jobs of the seeded world, and the recipe for the ordinary ones around them.

Each notable job has a `role` so tests and screenshots can find it (`SimState.notable[role]`)
without hard-coding ids. Times are seconds relative to the world's base time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .records import CANCELLED, COMPLETED, FAILED, NEEDS_REVIEW, PENDING, RUNNING, THROTTLED

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0


@dataclass(frozen=True)
class JobSpec:
    """What one world job should be; the world builder turns it into a JobRecord."""

    kind: str
    project: str  # "default" | "finance" | "hr"
    status: str
    created: float
    role: str | None = None
    saved: str | None = None  # key of a saved configuration
    tier: str = "cost_effective"
    cite: bool = False
    confidence: bool = False
    doc: str | None = None  # document alias; jobs sharing one ran on the same file
    file_name: str | None = None
    doc_tag: str = ""  # magic word embedded in the document id
    parse_input: bool = False  # the input is a parse job id (pjb-)
    tweaks: tuple[str, ...] = ()
    variant: int = 0
    duration: float | None = None  # for jobs still in progress: seconds from server start
    error: int = 0  # which error message a FAILED job shows
    pages: int | None = None
    rows: int | None = None
    system_prompt: bool = True


# the saved configurations (`cfg-…`): key -> (kind, tier, cite, confidence, parse tier, name)
SAVED = {
    "invoice_standard": ("invoice", "cost_effective", True, True, "fast", "Invoices — standard"),
    "invoice_agentic": ("invoice", "agentic", True, True, "agentic", "Invoices — agentic"),
    "bank_rows": (
        "bank_statement",
        "cost_effective",
        False,
        True,
        "cost_effective",
        "Bank statement rows",
    ),
    "resume": ("resume", "agentic", True, False, "fast", "Resume screening"),
    "receipt": ("receipt", "turbo", False, False, "fast", "Expense receipts"),
    "report_pages": ("report", "agentic_plus", True, True, "agentic_plus", "Report page digest"),
}

# Invoices whose citations are wrong in one way each (`explorer.sim.grounding_faults`), so a
# grounding check has something to find; each on its own two-page document, old enough to list
# far down. Built after every other job (see `GROUNDING`), so those keep their seeded values.
GROUNDING_FAULTS = (
    "wrong_page",
    "big_box",
    "value_mismatch",
    "no_confidence",
    "no_citations",
    "bad_page",
    "off_page",
)


def _grounding(i: int, fault: str) -> JobSpec:
    return JobSpec(
        "invoice",
        "hr",  # the Default and Finance ops trees are in the TUI snapshots; HR intake is folded
        COMPLETED,
        -(9 + 0.4 * i) * DAY - 7 * i * MINUTE,
        role=f"grounding_{fault}",
        tier="agentic",
        cite=True,
        confidence=True,
        doc=f"grounding_{fault}",
        file_name=f"invoice-grounding-{fault.replace('_', '-')}.pdf",
        pages=2,
        tweaks=(f"grounding_{fault}",),
    )


NOTABLE: tuple[JobSpec, ...] = (
    JobSpec(
        "invoice",
        "default",
        COMPLETED,
        -2 * DAY - 3 * HOUR,
        role="invoice_cited",
        saved="invoice_standard",
        doc="inv2041",
        file_name="invoice-2041.pdf",
        pages=2,
    ),
    JobSpec(
        "invoice",
        "default",
        COMPLETED,
        -2 * DAY - 1 * HOUR,
        role="invoice_rerun",
        saved="invoice_agentic",
        doc="inv2041",
        variant=1,
    ),
    # In Finance ops, not Default: the demo's first screen should not wait for its 50,000 rows.
    JobSpec(
        "bank_statement",
        "finance",
        COMPLETED,
        -3 * DAY - 5 * HOUR,
        role="big",
        confidence=True,
        file_name="transactions-export-2024.pdf",
        tweaks=("big",),
    ),
    JobSpec(
        "report",
        "default",
        COMPLETED,
        -4 * DAY,
        role="report_pages",
        saved="report_pages",
        file_name="annual-report-2024.pdf",
        pages=6,
        tweaks=("page_error",),
    ),
    JobSpec(
        "bank_statement",
        "finance",
        COMPLETED,
        -6 * DAY,
        role="statement_rows",
        saved="bank_rows",
        file_name="statement-2025-03.pdf",
        rows=24,
        pages=2,
    ),
    JobSpec(
        "resume",
        "hr",
        COMPLETED,
        -1 * DAY - 4 * HOUR,
        role="resume",
        saved="resume",
        file_name="resume-jane-okafor.pdf",
    ),
    JobSpec(
        "receipt",
        "finance",
        COMPLETED,
        -5 * HOUR,
        role="receipt",
        saved="receipt",
        file_name="receipt-88213.jpg",
    ),
    JobSpec(
        "contract",
        "hr",
        COMPLETED,
        -9 * DAY,
        role="contract",
        tier="agentic_plus",
        cite=True,
        confidence=True,
        file_name="msa-northwind-2024.pdf",
    ),
    JobSpec(
        "onboarding",
        "hr",
        COMPLETED,
        -3 * DAY,
        role="onboarding",
        confidence=True,
        file_name="new-hire-priya-raman.pdf",
        system_prompt=False,
    ),
    JobSpec(
        "receipt",
        "finance",
        FAILED,
        -7 * HOUR,
        role="failed",
        file_name="scan-blurry-receipt.jpg",
        error=0,
    ),
    JobSpec(
        "report",
        "default",
        FAILED,
        -12 * DAY,
        role="failed_timeout",
        tier="agentic",
        file_name="archive-report-412-pages.pdf",
        error=1,
    ),
    JobSpec(
        "contract",
        "default",
        RUNNING,
        -18 * MINUTE,
        role="long_running",
        tier="agentic",
        cite=True,
        confidence=True,
        doc_tag="slow",
        duration=4 * HOUR,
        file_name="board-minutes-archive-1998.pdf",
        pages=40,
    ),
    JobSpec(
        "invoice",
        "default",
        RUNNING,
        -40.0,
        role="running",
        saved="invoice_standard",
        file_name="invoice-2107.pdf",
    ),
    JobSpec(
        "resume",
        "hr",
        PENDING,
        -3.0,
        role="pending",
        saved="resume",
        file_name="resume-mateo-silva.pdf",
    ),
    JobSpec(
        "receipt",
        "default",
        PENDING,
        -2.0,
        role="pending_default",
        tier="turbo",
        file_name="receipt-90311.jpg",
    ),
    JobSpec(
        "bank_statement",
        "default",
        THROTTLED,
        -90.0,
        role="throttled",
        saved="bank_rows",
        doc_tag="throttle",
        file_name="statement-2025-04.pdf",
    ),
    JobSpec(
        "contract",
        "hr",
        CANCELLED,
        -2 * DAY,
        role="cancelled",
        tier="agentic",
        file_name="nda-signed-5521.pdf",
    ),
    JobSpec(
        "invoice",
        "finance",
        CANCELLED,
        -8 * DAY,
        role="cancelled_invoice",
        saved="invoice_agentic",
        file_name="invoice-1987.pdf",
    ),
    JobSpec(
        "invoice",
        "finance",
        COMPLETED,
        -1 * DAY - 2 * HOUR,
        role="schema_breaking",
        saved="invoice_standard",
        file_name="invoice-broken-7731.pdf",
        tweaks=("break_invoice",),
    ),
    JobSpec(
        "receipt",
        "finance",
        COMPLETED,
        -13 * DAY,
        role="schema_breaking_receipt",
        confidence=True,
        file_name="receipt-odd-4410.jpg",
        tweaks=("break_receipt",),
    ),
    JobSpec(
        "invoice",
        "default",
        COMPLETED,
        -6 * HOUR,
        role="nasty",
        tier="agentic",
        cite=True,
        confidence=True,
        file_name="nasty-strings-invoice.pdf",
        tweaks=("nasty",),
    ),
    JobSpec(
        "contract",
        "default",
        COMPLETED,
        -2 * DAY - 6 * HOUR,
        role="rtl",
        tier="agentic_plus",
        cite=True,
        confidence=True,
        file_name="عقد-إيجار-2024.pdf",
        tweaks=("rtl_contract",),
    ),
    JobSpec(
        "invoice",
        "finance",
        NEEDS_REVIEW,
        -20 * HOUR,
        role="unknown_status",
        saved="invoice_standard",
        doc_tag="unknown",
        file_name="invoice-needs-review-3302.pdf",
    ),
    JobSpec(
        "report",
        "default",
        COMPLETED,
        -15 * DAY,
        role="parse_input",
        tier="turbo",
        confidence=True,
        parse_input=True,
        file_name="quarterly-update-q3.pdf",
        pages=4,
    ),
)

# After the filler in the world's job list (the filler is seeded by its position in that list).
GROUNDING: tuple[JobSpec, ...] = tuple(_grounding(i, f) for i, f in enumerate(GROUNDING_FAULTS))

_FILLER_KINDS = (
    ("invoice", 5),
    ("receipt", 4),
    ("bank_statement", 2),
    ("report", 2),
    ("resume", 3),
    ("contract", 2),
    ("onboarding", 2),
)
_SAVED_BY_KIND = {
    "invoice": ("invoice_standard", "invoice_agentic"),
    "receipt": ("receipt",),
    "bank_statement": ("bank_rows",),
    "report": ("report_pages",),
    "resume": ("resume",),
}
_TIERS = ("cost_effective", "cost_effective", "agentic", "agentic", "agentic_plus", "turbo")


def filler(rng: random.Random, count: int = 44) -> list[JobSpec]:
    """Ordinary finished jobs spread over the four weeks before the base time."""
    kinds = [k for k, weight in _FILLER_KINDS for _ in range(weight)]
    specs: list[JobSpec] = []
    docs: dict[str, list[str]] = {}
    for i in range(count):
        kind = rng.choice(kinds)
        hr_kind = kind in ("resume", "onboarding", "contract")
        project = (
            ("hr" if rng.random() < 0.75 else "default")
            if hr_kind
            else rng.choice(("finance", "finance", "default"))
        )
        status = rng.choices((COMPLETED, FAILED, CANCELLED), weights=(76, 12, 12))[0]
        # a fifth of the jobs re-run a document seen before (a file lives in one project)
        seen = docs.setdefault(f"{kind}:{project}", [])
        doc = rng.choice(seen) if seen and rng.random() < 0.2 else f"filler{i}"
        seen.append(doc)
        saved = None
        if kind in _SAVED_BY_KIND and rng.random() < 0.5:
            saved = rng.choice(_SAVED_BY_KIND[kind])
        specs.append(
            JobSpec(
                kind,
                project,
                status,
                created=-round(rng.uniform(0.3 * DAY, 28 * DAY), 3),
                saved=saved,
                tier=rng.choice(_TIERS),
                cite=rng.random() < 0.5,
                confidence=rng.random() < 0.6,
                doc=doc,
                parse_input=rng.random() < 0.2,
                variant=1 if doc != f"filler{i}" else 0,
                error=rng.randrange(7),
                system_prompt=rng.random() < 0.5,
            )
        )
    return specs

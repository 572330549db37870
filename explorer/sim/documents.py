"""The kinds of documents the world holds, and how each is extracted by default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import schemas


@dataclass(frozen=True)
class DocumentKind:
    """A family of documents: its schema, extraction target and what its files look like."""

    name: str
    schema: dict[str, Any]
    target: str
    file_names: tuple[str, ...]
    pages: tuple[int, int]
    system_prompt: str | None
    rows: tuple[int, int] = (0, 0)
    # the name rows/pages are filed under, so the value generator picks fitting text
    context: str = ""
    page_size: tuple[int, int] = (612, 792)


KINDS: dict[str, DocumentKind] = {
    k.name: k
    for k in (
        DocumentKind(
            "invoice",
            schemas.INVOICE,
            "per_doc",
            ("invoice-{n}.pdf", "INV_{n}_scan.pdf", "supplier-invoice-{n}.pdf"),
            (1, 3),
            "Extract all monetary values in the invoice currency. Dates as YYYY-MM-DD. "
            "If a line item wraps onto two lines, merge it into one description.",
        ),
        DocumentKind(
            "receipt",
            schemas.RECEIPT,
            "per_doc",
            ("receipt-{n}.jpg", "IMG_{n}.jpeg", "expense-receipt-{n}.png"),
            (1, 1),
            None,
            context="receipt",
            page_size=(300, 700),
        ),
        DocumentKind(
            "bank_statement",
            schemas.TRANSACTION_ROW,
            "per_table_row",
            ("statement-{n}.pdf", "bank-statement-{n}.pdf"),
            (2, 6),
            "Each row of the transactions table is one record. Ignore 'balance brought forward' "
            "lines. Debits and credits are positive numbers; leave the other one null.",
            rows=(12, 40),
            context="transaction",
            page_size=(595, 842),
        ),
        DocumentKind(
            "report",
            schemas.REPORT_PAGE,
            "per_page",
            ("annual-report-{n}.pdf", "quarterly-update-q{n}.pdf", "board-pack-{n}.pdf"),
            (3, 8),
            "Summarise each page in at most two sentences. Only report figures printed on "
            "that page, with their units.",
            context="report",
        ),
        DocumentKind(
            "resume",
            schemas.RESUME,
            "per_doc",
            ("resume-{name}.pdf", "CV_{name}_{n}.pdf", "{name}-cv.docx"),
            (1, 3),
            "List experience most recent first. Do not infer skills that are not written in "
            "the document.",
        ),
        DocumentKind(
            "contract",
            schemas.CONTRACT,
            "per_doc",
            ("msa-{n}.pdf", "lease-agreement-{n}.pdf", "nda-signed-{n}.pdf"),
            (4, 18),
            "Quote clauses verbatim. If the governing law is not stated, return null.",
            context="contract",
            page_size=(595, 842),
        ),
        DocumentKind(
            "onboarding",
            schemas.ONBOARDING,
            "per_doc",
            ("onboarding-form-{n}.pdf", "new-hire-{name}.pdf"),
            (1, 2),
            None,
        ),
    )
}

# tiers of each API generation, and what a page costs on each (credits)
TIERS_CURRENT = ("cost_effective", "agentic", "agentic_plus", "turbo")
TIERS_SEED = ("cost_effective", "agentic")
TIER_RATES = {"cost_effective": 5, "agentic": 15, "agentic_plus": 50, "turbo": 35}
# part of a page's credits spent on parsing, by parse tier
PARSE_RATES = {"fast": 1, "cost_effective": 2, "agentic": 4, "agentic_plus": 10}
PARSE_TIERS = ("fast", "cost_effective", "agentic", "agentic_plus")
# how sure each tier tends to be (mean extraction confidence)
TIER_QUALITY = {"cost_effective": 0.86, "turbo": 0.84, "agentic": 0.92, "agentic_plus": 0.95}


def seed_tier(tier: str) -> str:
    """The closest tier the seed-generation API knew."""
    return {"agentic_plus": "agentic", "turbo": "cost_effective"}.get(tier, tier)


def tier_in(shape: str, tier: str) -> str:
    """`tier` as the API of `shape` ("current" or "seed") names it."""
    return seed_tier(tier) if shape == "seed" else tier

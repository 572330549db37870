"""Make generated values agree with each other the way real documents do.

The schema walker fills fields independently; paperwork doesn't work that way. Line amounts are
quantity x price, totals add up, a statement's balance runs from row to row, a report's pages are
numbered. Rules key off field names, so they also apply to schemas posted through the API.
"""

from __future__ import annotations

import random
from typing import Any


def harmonise_document(doc: Any, rng: random.Random) -> Any:
    """Fix one per-document (or per-page) result in place and return it."""
    if not isinstance(doc, dict):
        return doc
    items = _first_list(doc, "line_items", "items", "products")
    if items is not None:
        subtotal = 0.0
        for item in items:
            if not isinstance(item, dict):
                continue
            qty, price = item.get("quantity"), item.get("unit_price")
            if _num(qty) and _num(price) and "amount" in item and _num(item["amount"]):
                item["amount"] = round(qty * price, 2)
            for key in ("amount", "price", "total"):
                if _num(item.get(key)):
                    subtotal += item[key]
                    break
        subtotal = round(subtotal, 2)
        if _num(doc.get("subtotal")):
            doc["subtotal"] = subtotal
        tax = doc.get("tax") if _num(doc.get("tax")) else 0.0
        if _num(doc.get("tax")):
            tax = doc["tax"] = round(subtotal * rng.choice((0.0, 0.07, 0.19, 0.2)), 2)
        for key in ("total", "total_amount", "amount_due"):
            if _num(doc.get(key)):
                doc[key] = round(subtotal + tax, 2)
    for value in doc.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            _order_periods(value)
    parties = doc.get("parties")
    if (
        isinstance(parties, list)
        and len(parties) == 2
        and all(isinstance(p, dict) and "role" in p for p in parties)
    ):
        # a contract is between a client and a supplier, or a landlord and a tenant
        pair = rng.choice((("client", "supplier"), ("landlord", "tenant")))
        parties[0]["role"], parties[1]["role"] = pair
    for key in ("invoice_date", "issue_date"):
        due = doc.get("due_date")
        if isinstance(doc.get(key), str) and isinstance(due, str) and due < doc[key]:
            doc["due_date"], doc[key] = doc[key], due
    return doc


def _order_periods(entries: list[dict[str, Any]]) -> None:
    """Start before end, most recent first (work history, education)."""
    for e in entries:
        start, end = e.get("start_date"), e.get("end_date")
        if isinstance(start, str) and isinstance(end, str) and end < start:
            e["start_date"], e["end_date"] = end, start
    if all(isinstance(e.get("start_date"), str) for e in entries):
        entries.sort(key=lambda e: e["start_date"], reverse=True)
        for e in entries[1:]:
            if "end_date" in e and e["end_date"] is None:
                e["end_date"] = e["start_date"]  # only the current job is open-ended


_CATEGORIES = (
    ("SALARY", "salary"),
    ("RENT", "rent"),
    ("TFL", "transport"),
    ("UBER", "transport"),
    ("VODAFONE", "utilities"),
    ("TESCO", "groceries"),
    ("SAVINGS", "transfer"),
    ("TRANSFER", "transfer"),
)


def harmonise_rows(rows: list[Any], rng: random.Random) -> list[Any]:
    """One currency, categories that fit the text, a running balance that stays positive."""
    dicts = [r for r in rows if isinstance(r, dict)]
    currency = next((r["currency"] for r in dicts if isinstance(r.get("currency"), str)), None)
    for r in dicts:
        if currency and "currency" in r:
            r["currency"] = currency
        text = r.get("description")
        if isinstance(text, str) and isinstance(r.get("category"), str):
            r["category"] = next((c for k, c in _CATEGORIES if k in text), "other")
    if dicts and all(isinstance(r.get("date"), str) for r in dicts):
        dated = sorted(r["date"] for r in dicts)
        for r, d in zip(dicts, dated, strict=True):
            r["date"] = d
    if not any("balance" in r for r in dicts):
        return rows
    balance = round(rng.uniform(800, 12000), 2)
    for r in dicts:
        debit, credit = r.get("debit"), r.get("credit")
        # a row moves money one way only
        if _num(debit) and _num(credit):
            if rng.random() < 0.7:
                r["credit"] = None
                credit = None
            else:
                r["debit"] = None
                debit = None
        if _num(debit) and debit > balance:
            # never overdrawn: this row becomes a deposit instead
            r["debit"], r["credit"], credit, debit = None, debit, debit, None
        balance += (credit if _num(credit) else 0.0) - (debit if _num(debit) else 0.0)
        balance = round(balance, 2)
        if "balance" in r:
            r["balance"] = balance
    return rows


def harmonise_pages(pages: list[Any]) -> list[Any]:
    """Number pages in order."""
    for i, page in enumerate(pages, start=1):
        if isinstance(page, dict) and "page_number" in page:
            page["page_number"] = i
    return pages


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _first_list(doc: dict[str, Any], *keys: str) -> list[Any] | None:
    for key in keys:
        if isinstance(doc.get(key), list):
            return doc[key]
    return None

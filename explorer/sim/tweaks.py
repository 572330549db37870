"""Deliberate imperfections: results that break their schema, hostile strings, re-run drift.

A viewer that only ever sees clean data proves little. These edits are applied to chosen world
jobs by name (`JobRecord.tweaks`), after the result is generated and before metadata is built,
so citations quote the damaged values too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

# Terminal and markup hazards: Rich markup, Textual actions, ANSI/OSC escapes, bidi overrides,
# zero-width characters and emoji.
RICH_MARKUP = "[bold red]PAID[/]"
CLICK_MARKUP = "[@click=app.quit]x[/]"
ANSI = "\x1b[2J\x1b[31mCLEARED\x1b[0m"
OSC = "\x1b]0;pwned\x07"
RTL_ARABIC = "شركة الخليج للتجارة"
RTL_HEBREW = "חשבונית מס 2041"
RLO = "\u202eexe.fdp"
ZERO_WIDTH = "In\u200bvoice\u200d total\ufeff"
EMOJI = "Coffee ☕ & croissant 🥐 — team 👩‍💻👨🏽‍🔬"
LONG_CLAUSE = (
    "The Supplier shall indemnify and hold harmless the Client against all losses arising "
    "from any breach of this Agreement. "
) * 110  # ~12k characters: wider than any pane, longer than any cell


def _break_invoice(doc: Any, rng: random.Random) -> Any:
    """Five violations of schemas.INVOICE, one of each classic kind."""
    doc.pop("invoice_number", None)  # required field missing
    doc["total"] = f"{doc.get('total', 0):,.2f}"  # wrong type: number as string
    doc["currency"] = "usd"  # not in enum (lowercase)
    doc["invoice_date"] = None  # required field null
    doc["internal_ref"] = "AP-QUEUE-7"  # extra property, additionalProperties is false
    return doc


def _break_receipt(doc: Any, rng: random.Random) -> Any:
    doc["payment_method"] = "crypto"  # not in enum
    doc["loyalty_points"] = 120  # additionalProperties is false
    if isinstance(doc.get("items"), list) and doc["items"]:
        doc["items"][0]["price"] = "3.50"  # wrong type inside an array
    return doc


def _nasty(doc: Any, rng: random.Random) -> Any:
    doc["vendor"] = {
        "name": f"{RICH_MARKUP} Northwind {CLICK_MARKUP}",
        "address": f"{ANSI} 1 Escape Lane{OSC}",
        "tax_id": RLO,
        "email": "billing@northwind.example",
    }
    doc["bill_to"] = {"name": RTL_ARABIC, "address": RTL_HEBREW}
    doc["payment_terms"] = ZERO_WIDTH
    items = doc.get("line_items") or []
    nasty = [EMOJI, f"Widget {CLICK_MARKUP}", "[link=https://evil.example]click[/link]"]
    for item, text in zip(items, nasty, strict=False):
        item["description"] = text
    if items:
        items[-1]["description"] = LONG_CLAUSE
    return doc


def _rtl_contract(doc: Any, rng: random.Random) -> Any:
    doc["title"] = f"عقد إيجار — {RTL_HEBREW}"
    doc["parties"] = [
        {"name": RTL_ARABIC, "role": "landlord"},
        {"name": f"Omar Haddad {RLO}", "role": "tenant"},
    ]
    doc["governing_law"] = "الإمارات العربية المتحدة"
    doc["key_clauses"] = [LONG_CLAUSE, "[dim]Confidential[/dim] \x1b[5mblink\x1b[0m", EMOJI]
    return doc


TWEAKS: dict[str, Callable[[Any, random.Random], Any]] = {
    "break_invoice": _break_invoice,
    "break_receipt": _break_receipt,
    "nasty": _nasty,
    "rtl_contract": _rtl_contract,
}


def drift(value: Any, rng: random.Random, changes: int = 2) -> Any:
    """Nudge a few leaves, as a re-run on another tier reads a document slightly differently."""
    leaves = [path for path, leaf in leaf_items(value) if path and leaf is not None]
    for path in rng.sample(leaves, min(changes, len(leaves))):
        parent: Any = value
        for key in path[:-1]:
            parent = parent[key]
        old = parent[path[-1]]
        if isinstance(old, bool):
            continue
        if isinstance(old, float):
            step = rng.choice((-1, 1)) * rng.choice((0.01, 1.0, 10.0))
            parent[path[-1]] = round(max(0.0, old + step), 2)
        elif isinstance(old, int):
            parent[path[-1]] = old + rng.choice((-1, 1))
        elif isinstance(old, str) and " " in old:
            # swap two letters inside a word: free text only, so ids and enums stay valid
            spots = [i for i in range(len(old) - 1) if old[i].isalpha() and old[i + 1].isalpha()]
            if spots:
                i = rng.choice(spots)
                parent[path[-1]] = old[:i] + old[i + 1] + old[i] + old[i + 2 :]
    return value


def leaf_items(value: Any, path: tuple = ()) -> Any:
    """(path, value) of every leaf below `value`, depth first (keys and list indexes)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaf_items(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaf_items(v, (*path, i))
    else:
        yield path, value

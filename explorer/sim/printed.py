"""How a document prints an extracted value: labels, amounts, yes/no, and the odd misprint."""

from __future__ import annotations

import random
import unicodedata
from functools import lru_cache
from typing import Any

MONEY_WORDS = (
    "amount",
    "price",
    "total",
    "subtotal",
    "tax",
    "balance",
    "debit",
    "credit",
    "salary",
    "fee",
)
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
# how often a document's text differs slightly from the value a clean reading gives
MISPRINT_RATE = 0.07


def label(name: str) -> str:
    """A field's printed label: `invoice_number` -> `Invoice number`."""
    text = " ".join(str(name).replace("_", " ").split())
    return text[:1].upper() + text[1:] if text else "Value"


def singular(text: str) -> str:
    """`Line items` -> `Line item`, `Parties` -> `Party` (for numbering list elements)."""
    if text.endswith("ies") and len(text) > 4:
        return text[:-3] + "y"
    if text.endswith("s") and not text.endswith("ss") and len(text) > 3:
        return text[:-1]
    return text


@lru_cache(maxsize=1024)
def is_money(name: str) -> bool:
    """Whether a number under this field name is an amount of money."""
    lowered = str(name).lower()
    return any(w in lowered for w in MONEY_WORDS)


def shown(value: Any, name: str, currency: str | None) -> str | None:
    """The text a document prints for a leaf value; None when nothing is printed."""
    if type(value) is str:  # the usual leaf first: tables print hundreds of thousands
        return value or None
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        if is_money(name):
            code = (currency or "USD").upper()
            symbol = SYMBOLS.get(code, f"{code} ")
            return f"{symbol}{value:,.2f}"
        if isinstance(value, float):
            return f"{int(value):,}" if value.is_integer() else f"{value:,}"
        return str(value)
    text = str(value)
    return text or None


def misprint(text: str, rng: random.Random) -> str:
    """Now and then, the text as a worn scan shows it (0 -> O, 1 -> l, an e read as c).

    Never in right-to-left text: Latin letters inside it would start a new direction run.
    """
    if len(text) <= 3 or rng.random() >= MISPRINT_RATE:
        return text
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return text
    return text.replace("0", "O").replace("1", "l").replace("e", "c", 1)

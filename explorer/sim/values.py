"""Plausible values for any JSON Schema, by walking it.

Used for every extraction result: the world's documents and jobs created through the API alike.
Field names steer the choice ("vendor_name" gets a company, "email" an address) so results read
like paperwork; the schema's own constraints (enum, format, pattern, bounds, lengths) win.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from . import vocab
from .pattern import from_pattern

Schema = dict[str, Any]


class ValueGenerator:
    """Generates one value per call to `value`, drawing from `rng` (deterministic per seed)."""

    def __init__(self, rng: random.Random, root: Schema, today: date) -> None:
        self.rng = rng
        self.root = root
        self.today = today

    # --- the walk -------------------------------------------------------------------------

    def value(self, schema: Any, name: str = "", parent: str = "") -> Any:
        """A value valid for `schema`; `name`/`parent` are field names that hint at meaning."""
        if not isinstance(schema, dict):
            return self._string(name, parent, {})
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self.rng.choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            options = [o for o in schema.get(key, []) if self._resolve(o).get("type") != "null"]
            if options:
                return self.value(self.rng.choice(options), name, parent)
        if schema.get("allOf"):
            merged: Schema = {}
            for part in schema["allOf"]:
                merged.update(self._resolve(part))
            return self.value(merged, name, parent)
        kind = schema.get("type")
        if isinstance(kind, list):
            concrete = [k for k in kind if k != "null"]
            if "null" in kind and (not concrete or self.rng.random() < 0.08):
                return None
            kind = concrete[0] if concrete else None
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        maker = self._makers().get(kind, self._string_maker)
        return maker(schema, name, parent)

    def _makers(self) -> dict[str, Callable[[Schema, str, str], Any]]:
        return {
            "object": self._object,
            "array": self._array,
            "string": self._string_maker,
            "number": self._number,
            "integer": self._integer,
            "boolean": lambda s, n, p: self.rng.random() < 0.6,
            "null": lambda s, n, p: None,
        }

    def _resolve(self, schema: Schema) -> Schema:
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}

    def _object(self, schema: Schema, name: str, parent: str) -> dict[str, Any]:
        required = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for key, sub in schema.get("properties", {}).items():
            # optional fields are sometimes absent, as they are in real extractions
            if key in required or self.rng.random() < 0.9:
                out[key] = self.value(sub, key, name)
        return out

    def _array(self, schema: Schema, name: str, parent: str) -> list[Any]:
        items = schema.get("items", {})
        lo = int(schema.get("minItems", 1))
        default_hi = 4 if self._resolve(items).get("type") == "object" else 5
        hi = int(schema.get("maxItems", max(lo, default_hi)))
        count = self.rng.randint(lo, max(lo, hi))
        element = _singular(name)
        values = [self.value(items, element, name) for _ in range(count)]
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for v in values:
                if v not in seen:
                    seen.append(v)
            values = seen
        return values

    # --- scalars --------------------------------------------------------------------------

    def _number(self, schema: Schema, name: str, parent: str) -> float:
        lo, hi = _bounds(schema, 0.0, 5000.0)
        n = name.lower()
        if _has(n, "quantity", "qty", "count", "units"):
            v = float(self.rng.randint(1, 24))
        elif _has(n, "rate", "percent", "pct", "margin", "churn"):
            v = round(self.rng.uniform(0.5, 28.0), 2)
        elif _has(n, "tax", "vat", "fee", "tip", "shipping"):
            v = round(self.rng.uniform(2, 400), 2)
        elif n == "price":  # a receipt line
            v = round(self.rng.uniform(1.5, 45), 2)
        elif _has(n, "unit_price"):
            v = round(self.rng.choice((self.rng.uniform(4, 120), self.rng.uniform(120, 900))), 2)
        elif _has(n, "salary"):
            v = float(self.rng.randrange(38_000, 185_000, 500))
        elif _has(n, "debit", "credit"):
            v = round(self.rng.uniform(3, 600), 2)
        else:
            v = round(self.rng.uniform(8, 4800), 2)
        return round(min(max(v, lo), hi), 2)

    def _integer(self, schema: Schema, name: str, parent: str) -> int:
        lo, hi = _bounds(schema, 0, 100)
        n = name.lower()
        if n.endswith("year"):
            v = self.rng.randint(self.today.year - 25, self.today.year)
        elif "month" in n:
            v = self.rng.choice((6, 12, 24, 36))
        elif "day" in n:
            v = self.rng.choice((14, 30, 60, 90))
        elif _has(n, "page"):
            v = self.rng.randint(1, 12)
        else:
            v = self.rng.randint(1, 60)
        return int(min(max(v, lo), hi))

    def _string_maker(self, schema: Schema, name: str, parent: str) -> str:
        return self._string(name, parent, schema)

    def _string(self, name: str, parent: str, schema: Schema) -> str:
        fmt = schema.get("format")
        value = self._formatted(fmt) if fmt else None
        if value is None:
            value = self._hinted(name.lower(), parent.lower())
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                ok = re.search(pattern, value) is not None
            except re.error:
                ok = True
            if not ok:
                value = from_pattern(pattern, self.rng) or value
        lo = int(schema.get("minLength", 0))
        hi = schema.get("maxLength")
        if len(value) < lo:
            value = value + "x" * (lo - len(value))
        if isinstance(hi, int) and len(value) > hi:
            value = value[:hi]
        return value

    def _formatted(self, fmt: str) -> str | None:
        r = self.rng
        if fmt == "date":
            return self.date().isoformat()
        if fmt == "date-time":
            d = self.date()
            return f"{d.isoformat()}T{r.randint(7, 19):02d}:{r.randint(0, 59):02d}:00Z"
        if fmt == "time":
            return f"{r.randint(7, 21):02d}:{r.randint(0, 59):02d}:00"
        if fmt == "email":
            return self.email()
        if fmt in ("uri", "url"):
            return f"https://www.{r.choice(vocab.DOMAINS)}/{r.choice(vocab.WORDS)}"
        if fmt == "uuid":
            return f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}-4{r.getrandbits(12):03x}-a{r.getrandbits(12):03x}-{r.getrandbits(48):012x}"  # noqa: E501
        return None

    def date(self, within_days: int = 365) -> date:
        """A date in the year before the world's base date."""
        return self.today - timedelta(days=self.rng.randint(0, within_days))

    def person(self) -> str:
        """A person's full name."""
        return f"{self.rng.choice(vocab.FIRST_NAMES)} {self.rng.choice(vocab.LAST_NAMES)}"

    def email(self) -> str:
        """An email address."""
        first = self.rng.choice(vocab.FIRST_NAMES).lower().replace("é", "e")
        last = self.rng.choice(vocab.LAST_NAMES).lower().replace("'", "").replace("ü", "u")
        return f"{first}.{last}@{self.rng.choice(vocab.DOMAINS)}"

    def address(self) -> str:
        """A one-line postal address."""
        city, region, postcode, country = self.rng.choice(vocab.CITIES)
        where = f"{city}, {region} {postcode}" if region else f"{postcode} {city}"
        return f"{self.rng.choice(vocab.STREETS)}, {where}, {country}"

    def _hinted(self, n: str, parent: str) -> str:
        r = self.rng
        for keys, make in self._string_hints():
            if _has(n, *keys):
                return make(parent)
        if _has(parent, "skill"):
            return r.choice(vocab.SKILLS)
        return " ".join(r.choice(vocab.WORDS) for _ in range(r.randint(2, 4))).capitalize()

    def _string_hints(self) -> list[tuple[tuple[str, ...], Callable[[str], str]]]:
        r = self.rng
        return [
            (("email",), lambda p: self.email()),
            (
                ("phone", "tel"),
                lambda p: f"+1 ({r.randint(201, 989)}) 555-{r.randint(0, 9999):04d}",
            ),
            (
                ("iban",),
                lambda p: (
                    "DE"
                    + " ".join(
                        [str(r.randint(10, 99))] + [str(r.randint(1000, 9999)) for _ in range(4)]
                    )
                ),
            ),
            (("invoice_number", "invoice_no"), lambda p: f"INV-{r.randint(1000, 99999)}"),
            (("po_number", "order_number"), lambda p: f"PO-{r.randint(100000, 999999)}"),
            (("tax_id", "vat"), lambda p: f"DE{r.randint(100000000, 999999999)}"),
            (("employee_id",), lambda p: f"EMP-{r.randint(10000, 99999)}"),
            (("reference", "transaction_id", "ref"), lambda p: f"TX{r.getrandbits(40):010X}"),
            (("card_last", "last4", "last_four"), lambda p: f"{r.randint(0, 9999):04d}"),
            (("currency",), lambda p: r.choice(("USD", "EUR", "GBP"))),
            (("url", "website"), lambda p: f"https://www.{r.choice(vocab.DOMAINS)}"),
            (("date",), lambda p: self.date().isoformat()),
            (("time",), lambda p: f"{r.randint(7, 21):02d}:{r.randint(0, 59):02d}"),
            (("address", "street"), lambda p: self.address()),
            (("city",), lambda p: r.choice(vocab.CITIES)[0]),
            (("location",), lambda p: ", ".join(r.choice(vocab.CITIES)[::3])),
            (("country",), lambda p: r.choice(vocab.CITIES)[3]),
            (("merchant", "store"), lambda p: r.choice(vocab.MERCHANTS)),
            (("institution", "university", "school"), lambda p: r.choice(vocab.INSTITUTIONS)),
            (
                ("vendor", "company", "employer", "supplier", "bank", "issuer", "organization"),
                lambda p: r.choice(vocab.COMPANIES),
            ),
            (("degree",), lambda p: r.choice(vocab.DEGREES)),
            (("skill",), lambda p: r.choice(vocab.SKILLS)),
            (("language",), lambda p: r.choice(vocab.LANGUAGES)),
            (("section",), lambda p: r.choice(vocab.SECTIONS)),
            (("label", "metric"), lambda p: r.choice(vocab.FIGURE_LABELS)),
            (("unit",), lambda p: r.choice(("USD m", "%", "FTE", "EUR k"))),
            (("job_title", "position"), lambda p: r.choice(vocab.JOB_TITLES)),
            (
                ("title",),
                lambda p: r.choice(
                    vocab.JOB_TITLES
                    if _has(p, "experience", "job")
                    else vocab.CONTRACT_TITLES
                    if _has(p, "contract")
                    else vocab.SECTIONS
                ),
            ),
            (
                ("law", "jurisdiction"),
                lambda p: r.choice(("State of New York", "England and Wales", "Germany")),
            ),
            (
                ("payment_terms", "terms"),
                lambda p: r.choice(("Net 30", "Net 15", "Due on receipt", "Net 60")),
            ),
            (("description", "item", "product", "service"), self._description),
            (
                ("summary", "note", "comment", "highlight", "clause", "memo", "remark"),
                lambda p: r.choice(vocab.SENTENCES),
            ),
            (
                (
                    "manager",
                    "signatory",
                    "signer",
                    "candidate",
                    "employee",
                    "holder",
                    "customer",
                    "bill_to",
                    "name",
                    "contact",
                ),
                self._name,
            ),
        ]

    def _description(self, parent: str) -> str:
        if _has(parent, "transaction", "row", "statement"):
            return self.rng.choice(vocab.TRANSACTIONS)
        if _has(parent, "receipt", "purchase"):
            return self.rng.choice(vocab.RECEIPT_ITEMS)
        return self.rng.choice(vocab.LINE_ITEMS)

    def _name(self, parent: str) -> str:
        if _has(parent, "vendor", "company", "supplier", "party", "parties", "merchant", "bank"):
            return self.rng.choice(vocab.COMPANIES)
        if _has(parent, "item", "product"):
            return self.rng.choice(vocab.RECEIPT_ITEMS)
        return self.person()


def _has(text: str, *needles: str) -> bool:
    return any(n in text for n in needles)


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _bounds(schema: Schema, lo: float, hi: float) -> tuple[float, float]:
    lo = schema.get("minimum", lo)
    hi = schema.get("maximum", hi)
    if "exclusiveMinimum" in schema and isinstance(schema["exclusiveMinimum"], int | float):
        lo = schema["exclusiveMinimum"] + 1
    if "exclusiveMaximum" in schema and isinstance(schema["exclusiveMaximum"], int | float):
        hi = schema["exclusiveMaximum"] - 1
    if hi < lo:
        hi = lo
    return lo, hi

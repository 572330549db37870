"""Volume for performance runs: the big per_table_row job, soak-test running jobs, bulk jobs.

All cheap to create and deterministic. The big job's rows are built on first read by a tight
loop (the generic schema walker would take seconds for 50k rows) and kept as pre-serialized
JSON (`orjson.Fragment`), so later reads only copy bytes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import orjson

from . import vocab
from .catalog import DAY
from .ids import rng_for, uuid_like
from .outcome import Outcome
from .records import COMPLETED, PENDING, RUNNING, JobRecord
from .world import make_configuration

_ROW_FIELDS = (
    "date",
    "description",
    "reference",
    "category",
    "debit",
    "credit",
    "balance",
    "currency",
)
_CATEGORY = {
    "SALARY": "salary",
    "RENT": "rent",
    "TFL": "transport",
    "VODAFONE": "utilities",
    "TESCO": "groceries",
    "SAVINGS": "transfer",
}


def big_outcome(rec: JobRecord, today: date) -> Outcome:
    """`rec.rows` bank transactions with per-row confidence metadata."""
    rows, meta = big_rows(rec, today)
    result = orjson.dumps(rows)
    field_metadata = orjson.dumps({"row_metadata": meta})
    return Outcome(orjson.Fragment(result), orjson.Fragment(field_metadata), len(result) // 4)


def big_rows(rec: JobRecord, today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The big job's rows and their metadata (its document prints the rows)."""
    rng = rng_for("big", rec.value_seed)
    n = rec.rows
    first = today - timedelta(days=365)
    days = [(first + timedelta(days=d)).isoformat() for d in range(366)]
    texts = [
        (t, next((c for k, c in _CATEGORY.items() if k in t), "other")) for t in vocab.TRANSACTIONS
    ]
    pool = []
    for _ in range(2048):
        e = min(0.999, max(0.3, rng.gauss(0.9, 0.06)))
        p = min(1.0, max(0.6, rng.gauss(0.97, 0.03)))
        pool.append(
            {
                "confidence": round(e * p, 3),
                "extraction_confidence": round(e, 3),
                "parsing_confidence": round(p, 3),
            }
        )
    balance = 25_000.0
    rows: list[dict[str, Any]] = []
    meta: list[dict[str, Any]] = []
    choice, rand, bits = rng.choice, rng.random, rng.getrandbits
    for i in range(n):
        text, category = choice(texts)
        amount = round(rand() * 480 + 1.5, 2)
        if category == "salary" or balance < 2_000:
            debit, credit = None, round(amount * 9, 2)
            balance += credit
        else:
            debit, credit = amount, None
            balance -= amount
        balance = round(balance, 2)
        rows.append(
            {
                "date": days[i * 366 // n],
                "description": text,
                "reference": f"TX{i:08d}",
                "category": category,
                "debit": debit,
                "credit": credit,
                "balance": balance,
                "currency": "EUR",
            }
        )
        meta.append({f: pool[bits(11)] for f in _ROW_FIELDS})
    return rows, meta


def running_records(count: int, seed: int, project_id: str, job_seconds: float) -> list[JobRecord]:
    """Jobs RUNNING at server start that finish one by one over the next two hours."""
    rng = rng_for(seed, "running")
    cfg = make_configuration(
        "receipt", "cost_effective", False, True, "fast", False, random.Random(0)
    )
    out = []
    for i in range(count):
        created = -round(rng.uniform(60, 7200), 3)
        done = round(max(job_seconds, 120 + i * 7200 / max(count, 1)), 3)
        out.append(
            JobRecord(
                id=f"ext-{uuid_like(rng)}",
                project_id=project_id,
                document=f"dfl-{uuid_like(rng)}",
                created=created,
                phases=[(created, PENDING), (round(created + 2, 3), RUNNING), (done, COMPLETED)],
                configuration=cfg,
                configuration_id=None,
                file_name=f"soak-receipt-{i:05d}.jpg",
                pages=1,
                value_seed=f"{seed}:running:{i}",
                kind="receipt",
            )
        )
    return out


def bulk_records(count: int, seed: int, project_id: str) -> list[JobRecord]:
    """Lightweight COMPLETED receipts, newest first, spread over 90 days before the base."""
    rng = rng_for(seed, "bulk")
    cfg = make_configuration(
        "receipt", "cost_effective", False, False, "fast", False, random.Random(0)
    )
    step = 90 * DAY / max(count, 1)
    out = []
    for i in range(count):
        created = -round((i + 1) * step, 3)
        out.append(
            JobRecord(
                id=f"ext-{uuid_like(rng)}",
                project_id=project_id,
                document=f"dfl-{uuid_like(rng)}",
                created=created,
                phases=[(created, PENDING), (round(created + 3.2, 3), COMPLETED)],
                configuration=cfg,
                configuration_id=None,
                file_name=f"receipt-{100000 + i}.jpg",
                pages=1,
                value_seed=f"{seed}:bulk:{i}",
                kind="receipt",
                cacheable=False,
            )
        )
    return out

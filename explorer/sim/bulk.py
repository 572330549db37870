"""Volume for performance runs: the big per_table_row job, soak-test running jobs, bulk jobs.

All cheap to create and deterministic. The big job's rows are built on first read by a tight
loop (the generic schema walker would take seconds for 50k rows) and kept as pre-serialized
JSON (`orjson.Fragment`), so later reads only copy bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson

from . import vocab
from .catalog import DAY, SAVED
from .documents import tier_in
from .files import parse_job_id
from .ids import rng_for, uuid_like
from .outcome import Outcome
from .pace import pace_seconds, queue_seconds, queue_waits, spreads, timeline
from .reasons import RECURRING, cancellation, failure, fits
from .records import CANCELLED, COMPLETED, FAILED, PENDING, RUNNING, JobRecord
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


# the bulk project's configurations: (weight, kind, tier, confidence, saved key); only kinds
# whose result is cheap to build (bulk results are built at every read, never kept) and that
# cite nothing (a cited job lays out its document)
_BULK_WAYS = (
    (40, "receipt", "cost_effective", False, None),
    (18, "receipt", "turbo", False, "receipt"),
    (12, "receipt", "agentic", True, None),
    (6, "receipt", "agentic_plus", True, None),
    (14, "onboarding", "cost_effective", True, None),
    (10, "onboarding", "turbo", False, None),
)
_BULK_FILES = {"receipt": "receipt-{n}.jpg", "onboarding": "onboarding-form-{n}.pdf"}
_BULK_PAGES = {"receipt": (1, 1, 1, 1, 1, 1, 2, 2), "onboarding": (1, 1, 2, 2, 2, 3, 3, 4)}
#: Shares of the bulk jobs that FAILED and that were CANCELLED.
BULK_FAILED = 0.06
BULK_CANCELLED = 0.025


def bulk_records(
    count: int,
    seed: int,
    project_id: str,
    saved: dict[str, tuple[str, dict[str, Any]]] | None = None,
    shape: str = "current",
) -> list[JobRecord]:
    """Lightweight jobs, newest first, spread over 90 days before the base: receipts and forms
    under several configurations and tiers, about 6% FAILED with the recurring reasons
    (`explorer.sim.reasons`) and 2.5% CANCELLED, every finished one with its usage; `saved` is
    the world's saved configurations by key (the saved receipt one is used when given)."""
    rng = rng_for(seed, "bulk")  # ids and times: the same as before the jobs were varied
    mix = rng_for(seed, "bulk", "mix")
    # a hundred slots, each way in as many as its weight: one draw picks a way
    slots = [way for way in _bulk_ways(saved or {}, shape) for _ in range(way.weight)]
    # 100,000 jobs are built for benchmarks: times are drawn from tables, not computed each
    spread, waits = spreads(mix), queue_waits(mix)
    step = 90 * DAY / max(count, 1)
    rand, bits = mix.random, mix.getrandbits
    n_slots = len(slots)
    out = []
    for i in range(count):
        created = -round((i + 1) * step, 3)
        way = slots[int(rand() * n_slots)]
        pages = way.pages[bits(3)]
        rec = JobRecord(
            id=f"ext-{uuid_like(rng)}",
            project_id=project_id,
            document=f"dfl-{uuid_like(rng)}",
            created=created,
            phases=[],
            configuration=way.configuration,
            configuration_id=way.configuration_id,
            file_name=f"{way.file_prefix}{100000 + i}{way.file_suffix}",
            pages=pages,
            value_seed=f"{seed}:bulk:{i}",
            kind=way.kind,
            cacheable=False,
        )
        run = way.pace[pages] * spread[bits(10)]
        fate = rand()
        if fate >= BULK_FAILED + BULK_CANCELLED:
            start = created + waits[bits(10)]
            rec.phases = [
                (created, PENDING),
                (round(start, 3), RUNNING),
                (round(start + run, 3), COMPLETED),
            ]
        else:
            rec.phases = _stopped(rec, fate, run, mix, project_id)
        out.append(rec)
    return out


def _stopped(
    rec: JobRecord, fate: float, run: float, rng: random.Random, project_id: str
) -> list[tuple[float, str]]:
    """The timeline of a bulk job that FAILED (`fate` below BULK_FAILED) or was CANCELLED."""
    if fate < BULK_FAILED:
        # in turn, among those that can befall it (a receipt is no encrypted PDF, ...)
        fitting = [r for r in RECURRING if fits(r, rec.file_name, rec.pages)]
        reason = fitting[int(fate / BULK_FAILED * len(fitting))]
        stop = failure(
            reason,
            rng,
            parse_job=parse_job_id(rec),
            file_name=rec.file_name,
            pages=rec.pages,
            project_id=project_id,
            run=run,
        )
        rec.error_message = stop.message
        status = FAILED
    else:
        stop = cancellation(rng, rec.pages, run)
        status = CANCELLED
    rec.billed = stop.billed
    return timeline(rec.created, queue_seconds(rng), stop, status)


@dataclass(frozen=True, slots=True)
class _BulkWay:
    """One of the bulk project's configurations, with what its jobs look like."""

    weight: int
    kind: str
    configuration: dict[str, Any]
    configuration_id: str | None
    file_prefix: str
    file_suffix: str
    pages: tuple[int, ...]  # eight page counts, one drawn per job
    pace: dict[int, float]  # pages -> typical seconds


def _bulk_ways(saved: dict[str, tuple[str, dict[str, Any]]], shape: str) -> list[_BulkWay]:
    ways = []
    for weight, kind, tier, confidence, key in _BULK_WAYS:
        cid = None
        if key and key in saved:
            cid, body = saved[key]
            tier = SAVED[key][1]
        else:
            # random.Random(0) as before: the first way is the configuration bulk jobs had
            body = make_configuration(
                kind, tier_in(shape, tier), False, confidence, "fast", False, random.Random(0)
            )
        prefix, _, suffix = _BULK_FILES[kind].partition("{n}")
        pages = _BULK_PAGES[kind]
        pace = {n: pace_seconds(tier, n) for n in set(pages)}
        ways.append(_BulkWay(weight, kind, body, cid, prefix, suffix, pages, pace))
    return ways

"""The Claims pipeline: six weeks of one busy project's jobs before the base time.

What the fleet views (failures, usage) need to be real:

- a daily rhythm: weekdays busy, weekends quiet, most jobs in working hours (UTC); how long a
  job takes follows its tier and pages (`explorer.sim.pace`);
- recurring failures (`explorer.sim.reasons`): a few reasons that come back over the weeks,
  told apart only by ids, numbers and file names, and two one-off reasons;
- one burst: on one weekday afternoon dozens of jobs sat THROTTLED for a long while, then failed
  with the same upstream error (`history_burst` is its first failure);
- stuck jobs that never finish: RUNNING for weeks, PENDING for days, THROTTLED for hours (their
  timelines have no last step; they move only when cancelled or deleted);
- usage on every finished job, the failed and cancelled ones billed for as far as they got.

The days follow the calendar of the world's base time, so one seed and one base time always
give the same history. Its random streams are its own (`rng_for(seed, "history", ...)`): the
other projects are untouched by it. `SimState` builds it on first use: several hundred jobs
would more than double the world's start-up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .catalog import DAY, HOUR, SAVED
from .documents import KINDS, tier_in
from .files import parse_job_id
from .ids import prefixed, rng_for
from .pace import queue_seconds, run_seconds, timeline
from .reasons import ONE_OFF, RECURRING, Stop, cancellation, failure, fits
from .records import CANCELLED, COMPLETED, FAILED, PENDING, RUNNING, THROTTLED, JobRecord
from .world import make_configuration

#: How far back the history goes, in days before the base time.
DAYS = 42
#: Jobs stop this long before the base time, so every one has finished by then (but the stuck).
QUIET_BEFORE_BASE = 2 * HOUR
#: Ordinary jobs from one failure to the next (at random within these bounds).
FAILURE_GAP = (7, 17)
#: The burst: how many jobs, over how many hours, how many of them failed.
BURST_JOBS = 40
BURST_HOURS = 3.0
BURST_SUCCESS_EVERY = 7  # every seventh burst job got through once its throttle lifted

ROLES = (
    "history_burst",
    "history_stuck_running",
    "history_stuck_pending",
    "history_stuck_throttled",
    "history_failed_billed",
    "history_cancelled_billed",
    "history_one_off",
)


@dataclass(frozen=True)
class _Route:
    """One way the pipeline sends its documents: a saved configuration or an inline one."""

    kind: str
    weight: int
    saved: str | None = None  # key of catalog.SAVED (its tier and options)
    tier: str = "cost_effective"
    cite: bool = False
    confidence: bool = True
    parse_tier: str = "fast"


_ROUTES = (
    _Route("invoice", 30, saved="invoice_standard"),
    _Route("invoice", 14, saved="invoice_agentic"),
    _Route("receipt", 20, saved="receipt"),
    _Route("report", 8, saved="report_pages"),
    _Route("invoice", 8, tier="agentic_plus", cite=True, parse_tier="agentic"),
    _Route("contract", 10, tier="agentic", cite=True, parse_tier="cost_effective"),
    _Route("receipt", 10, confidence=False),
)
# what a claim's documents are called, by kind
_FILE_NAMES = {
    "invoice": ("claim-{n}.pdf", "claim-{n}-repair-invoice.pdf", "CLM{n}_invoice.pdf"),
    "receipt": ("claim-{n}-receipt.jpg", "claim-{n}-receipt-{k}.jpg"),
    "report": ("claim-{n}-assessor-report.pdf",),
    "contract": ("policy-{n}-schedule.pdf", "policy-{n}-wording.pdf"),
}


@dataclass(frozen=True)
class _Way:
    """A route made concrete: the configuration its jobs carry."""

    route: _Route
    tier: str  # the current API's name (paces the job in both shapes)
    configuration: dict[str, Any]
    configuration_id: str | None


def history_records(
    seed: int,
    project_id: str,
    saved: dict[str, tuple[str, dict[str, Any]]],
    shape: str,
    base: datetime,
) -> tuple[list[JobRecord], dict[str, str]]:
    """The project's jobs and the roles of its notable ones (`ROLES`), for the world `seed`
    whose base time is `base`; `saved` is the world's saved configurations by key."""
    history = _History(seed, project_id, _ways(seed, saved, shape), base)
    history.days()
    history.burst()
    history.stuck()
    return history.records, history.roles


def _ways(seed: int, saved: dict[str, tuple[str, dict[str, Any]]], shape: str) -> list[_Way]:
    ways = []
    for i, route in enumerate(_ROUTES):
        if route.saved:
            cid, body = saved[route.saved]
            ways.append(_Way(route, SAVED[route.saved][1], body, cid))
            continue
        rng = rng_for(seed, "history", "cfg", i)
        body = make_configuration(
            route.kind,
            tier_in(shape, route.tier),
            route.cite,
            route.confidence,
            route.parse_tier,
            True,
            rng,
        )
        ways.append(_Way(route, route.tier, body, None))
    return ways


def _befalls(reason: str, way: _Way) -> bool:
    """Whether `reason` can befall any document the way's jobs run on (see `reasons.fits`)."""
    kind = way.route.kind
    least = KINDS[kind].pages[0]
    return all(fits(reason, name, least) for name in _FILE_NAMES[kind])


class _History:
    def __init__(self, seed: int, project_id: str, ways: list[_Way], base: datetime) -> None:
        self.seed = seed
        self.project_id = project_id
        self.ways = ways
        self.weights = [w.route.weight for w in ways]
        self.base = base
        self.records: list[JobRecord] = []
        self.roles: dict[str, str] = {}
        self.bag: list[str] = []
        self.ids = rng_for(seed, "history", "ids")

    # --- the parts ---------------------------------------------------------------------------

    def days(self) -> None:
        """The ordinary days: a weekday's dozen, a weekend's few; about one job in twelve
        FAILED (the recurring reasons in turn), one in twenty-five CANCELLED; two one-offs."""
        rng = rng_for(self.seed, "history", "days")
        one_offs = {30: ONE_OFF[0], 17: ONE_OFF[1]}  # days ago -> the reason of its first job
        gap = rng.randint(FAILURE_GAP[0], FAILURE_GAP[1])  # jobs until the next failure
        for ago in range(DAYS, -1, -1):
            day = self._day(ago)
            weekday = day.weekday() < 5
            count = rng.randint(6, 12) if weekday else rng.randint(1, 4)
            hours = sorted(min(21.5, max(6.5, rng.gauss(13.0, 2.8))) for _ in range(count))
            busy = 1.0 + count / 12
            for n, hour in enumerate(hours):
                created = self._at(day, hour)
                if created > -QUIET_BEFORE_BASE:
                    break
                way = rng.choices(self.ways, self.weights)[0]
                if n == 0 and ago in one_offs:
                    self._job(
                        rng, created, way, FAILED, reason=one_offs[ago], role="history_one_off"
                    )
                    continue
                gap -= 1
                if gap > 0:
                    status = CANCELLED if rng.random() < 0.04 else COMPLETED
                    self._job(rng, created, way, status, busy=busy)
                    continue
                gap = rng.randint(FAILURE_GAP[0], FAILURE_GAP[1])
                reason = self._reason(rng)
                if not _befalls(reason, way):  # an image is no encrypted PDF, ...
                    fitting = [w for w in self.ways if _befalls(reason, w)]
                    way = rng.choices(fitting, [w.route.weight for w in fitting])[0]
                rec = self._job(rng, created, way, FAILED, reason=reason, busy=busy)
                if rec.billed and rec.billed[0] and rng.random() < 0.4:
                    # retried by hand a while later, on the same file, and it went through
                    again = created + rng.uniform(0.3, 3.0) * HOUR
                    if again < -QUIET_BEFORE_BASE:
                        self._job(rng, again, way, COMPLETED, rerun=rec)

    def burst(self) -> None:
        """One weekday afternoon: the provider overloaded, jobs throttled, then failing."""
        rng = rng_for(self.seed, "history", "burst")
        ago = next(a for a in range(10, 17) if self._day(a).weekday() < 5)
        start = self._at(self._day(ago), 13.5 + rng.uniform(0.0, 1.0))
        for i in range(BURST_JOBS):
            created = start + (i + rng.uniform(0.0, 0.8)) * BURST_HOURS * HOUR / BURST_JOBS
            way = rng.choices(self.ways, self.weights)[0]
            # the queue grew through the afternoon: later jobs waited longer
            throttled = rng.uniform(6.0, 18.0) * 60 + i * rng.uniform(20.0, 50.0)
            ok = i % BURST_SUCCESS_EVERY == BURST_SUCCESS_EVERY - 1
            status, reason = (COMPLETED, None) if ok else (FAILED, "overloaded")
            rec = self._job(rng, created, way, status, reason=reason, throttled=throttled)
            if not ok:
                self.roles.setdefault("history_burst", rec.id)

    def stuck(self) -> None:
        """Jobs that never finish: RUNNING for weeks, PENDING for days, THROTTLED for hours."""
        rng = rng_for(self.seed, "history", "stuck")
        for ago_days, status, role in (
            (19.3, RUNNING, "history_stuck_running"),
            (15.6, RUNNING, None),
            (4.2, PENDING, "history_stuck_pending"),
            (2.7, PENDING, None),
            (5.5 / 24, THROTTLED, "history_stuck_throttled"),
        ):
            created = round(-ago_days * DAY - rng.uniform(0.0, 600.0), 3)
            way = rng.choices(self.ways, self.weights)[0]
            rec = self._job(rng, created, way, status)
            if role:
                self.roles[role] = rec.id

    # --- one job -----------------------------------------------------------------------------

    def _job(
        self,
        rng: random.Random,
        created: float,
        way: _Way,
        status: str,
        *,
        reason: str | None = None,
        busy: float = 1.0,
        throttled: float = 0.0,
        rerun: JobRecord | None = None,
        role: str | None = None,
    ) -> JobRecord:
        created = round(created, 3)
        kind = way.route.kind
        if rerun is not None:
            document, file_name, pages, value_seed = (
                rerun.document,
                rerun.file_name,
                rerun.pages,
                rerun.value_seed,
            )
        else:
            document = prefixed("dfl", self.ids)
            file_name = self._file_name(rng, created, kind)
            pages = rng.randint(*KINDS[kind].pages)
            value_seed = f"{self.seed}:history:{document}"
        rec = JobRecord(
            id=prefixed("ext", self.ids),
            project_id=self.project_id,
            document=document,
            created=created,
            phases=[],
            configuration=way.configuration,
            configuration_id=way.configuration_id,
            file_name=file_name,
            pages=pages,
            value_seed=value_seed,
            kind=kind,
        )
        wait = queue_seconds(rng, busy)
        run = run_seconds(way.tier, pages, rng)
        end: Stop | float = run
        if status == FAILED:
            end = failure(
                reason or self._reason(rng),
                rng,
                parse_job=parse_job_id(rec),
                file_name=file_name,
                pages=pages,
                project_id=self.project_id,
                run=run,
            )
            rec.error_message = end.message
            rec.billed = end.billed
            self._note(end, rec)
        elif status == CANCELLED:
            end = cancellation(rng, pages, run)
            rec.billed = end.billed
            if end.billed[0]:
                self.roles.setdefault("history_cancelled_billed", rec.id)
        if status in (COMPLETED, FAILED, CANCELLED):
            rec.phases = timeline(created, wait, end, status, throttled)
        else:
            rec.phases = self._stuck_phases(rng, created, status, rec)
        if role:
            self.roles.setdefault(role, rec.id)
        self.records.append(rec)
        return rec

    def _stuck_phases(
        self, rng: random.Random, created: float, status: str, rec: JobRecord
    ) -> list[tuple[float, str]]:
        # no last step: the job stays where it is until someone cancels or deletes it; what a
        # cancel would find billed is set here (a job stuck RUNNING has parsed and extracted some)
        if status == RUNNING:
            rec.billed = (True, rng.randint(0, max(rec.pages - 1, 0)))
            return [(created, PENDING), (round(created + queue_seconds(rng), 3), RUNNING)]
        rec.billed = (False, 0)
        return [(created, status)]

    def _note(self, stop: Stop, rec: JobRecord) -> None:
        extracted = stop.billed[1]
        if stop.billed[0] and extracted > 0 and "timed out" in (stop.message or ""):
            self.roles.setdefault("history_failed_billed", rec.id)

    def _reason(self, rng: random.Random) -> str:
        # the recurring reasons in turn (each round shuffled): each comes back every few weeks
        if not self.bag:
            self.bag = list(RECURRING)
            rng.shuffle(self.bag)
        return self.bag.pop()

    def _file_name(self, rng: random.Random, created: float, kind: str) -> str:
        # claims are numbered as they come in: about one number every 30 s
        claim = 600_000 + int((created + DAYS * DAY) / 30) + rng.randint(0, 9)
        return rng.choice(_FILE_NAMES[kind]).format(n=claim, k=rng.randint(1, 4))

    # --- calendar ----------------------------------------------------------------------------

    def _day(self, ago: int) -> date:
        return (self.base - timedelta(days=ago)).date()

    def _at(self, day: date, hour: float) -> float:
        """Seconds relative to the base time of `hour` (UTC) on `day`."""
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)
        return (moment - self.base).total_seconds()

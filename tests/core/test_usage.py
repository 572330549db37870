"""Usage of the fleet: grouped by day, week, configuration, tier and project, and summed."""

from __future__ import annotations

import copy
import math
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from explorer.api.models import ExtractJob
from explorer.core.fleet import FleetJob, fleet_job
from explorer.core.usage import BY, bar, sparkline, usage_report
from tests.core.fleet_rows import fleet_row

DAY = 86_400.0


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


NOW = at("2026-11-25T12:00:00")  # a Wednesday


def job(job_id: str = "ext-1", **kw: Any) -> FleetJob:
    """A COMPLETED job of one page at 15 credits, created on 2026-11-24, 60 s long."""
    return fleet_row(job_id, kw.pop("created", at("2026-11-24T10:00:00")), **kw)


def mixed() -> list[FleetJob]:
    return [
        job("ext-1", created=at("2026-11-18T09:00:00"), credits=10.0, pages=2),
        job("ext-2", created=at("2026-11-20T23:59:59"), status="FAILED", credits=None, pages=None),
        job(
            "ext-3",
            created=at("2026-11-23T00:00:00"),  # a Monday: a new week
            configuration_id="cfg-2",
            configuration="Claims",
            tier="turbo",
            project_id="prj-2",
            credits=70.0,
            pages=2,
        ),
        job("ext-4", created=at("2026-11-24T08:00:00"), status="RUNNING", updated=None),
        job("ext-5", created=at("2026-11-24T09:00:00"), status="CANCELLED", credits=None),
        job("ext-6", configuration_id=None, configuration="inline: per_doc · ?", tier=None),
    ]


def test_every_day_of_the_window_has_a_row_the_empty_ones_too() -> None:
    report = usage_report(mixed(), "day", now=NOW, since=at("2026-11-17T15:00:00"))
    assert [r.key for r in report.rows] == [f"2026-11-{d}" for d in range(17, 26)]
    by_day = {r.key: r for r in report.rows}
    assert by_day["2026-11-19"].jobs == 0 and by_day["2026-11-19"].credits == 0
    assert by_day["2026-11-20"].failed == 1  # 23:59:59 UTC is still the 20th
    assert by_day["2026-11-24"].jobs == 3
    assert [day for day, _ in report.series] == [r.key for r in report.rows]
    assert dict(report.series)["2026-11-18"] == 10.0
    assert dict(report.series)["2026-11-19"] == 0.0
    assert dict(report.failure_series)["2026-11-19"] is None
    assert dict(report.failure_series)["2026-11-20"] == 1.0


def test_without_since_the_window_starts_at_the_oldest_job() -> None:
    report = usage_report(mixed(), "day", now=NOW)
    assert report.rows[0].key == "2026-11-18" and report.rows[-1].key == "2026-11-25"


def test_weeks_start_on_monday_and_are_labelled_with_it() -> None:
    report = usage_report(mixed(), "week", now=NOW, since=at("2026-11-10T00:00:00"))
    labels = [r.label for r in report.rows]
    assert labels == ["2026-W46 (Nov 9)", "2026-W47 (Nov 16)", "2026-W48 (Nov 23)"]
    assert [r.jobs for r in report.rows] == [0, 2, 4]  # Sunday the 22nd ends W47


def test_a_week_label_at_the_turn_of_the_year_uses_the_iso_year() -> None:
    new_year = at("2027-01-01T10:00:00")  # a Friday: ISO week 53 of 2026
    report = usage_report([job("ext-1", created=new_year)], "week", now=new_year)
    assert [r.label for r in report.rows] == ["2026-W53 (Dec 28)"]


@pytest.mark.parametrize(
    ("by", "keys"),
    [
        ("config", ["cfg-2", "cfg-1", "inline: per_doc · ?"]),
        ("tier", ["turbo", "agentic", ""]),
        ("project", ["prj-2", "prj-1"]),
    ],
)
def test_other_groupings_put_the_most_credits_first(by: str, keys: list[str]) -> None:
    report = usage_report(mixed(), by, now=NOW, project_names={"prj-2": "Claims team"})
    assert [r.key for r in report.rows] == keys
    labels = {r.key: r.label for r in report.rows}
    if by == "config":
        assert labels == {"cfg-2": "Claims", "cfg-1": "Invoices", keys[2]: keys[2]}
    if by == "tier":
        assert labels[""] == "(no tier)"
    if by == "project":
        assert labels == {"prj-2": "Claims team", "prj-1": "prj-1"}


@pytest.mark.parametrize("by", BY)
def test_the_total_is_computed_from_the_jobs_and_agrees_with_the_rows(by: str) -> None:
    jobs = mixed()
    report = usage_report(jobs, by, now=NOW, since=at("2026-11-01T00:00:00"))
    total = report.total
    assert total.jobs == len(jobs) == sum(r.jobs for r in report.rows)
    assert total.credits == sum(j.credits or 0 for j in jobs) == sum(r.credits for r in report.rows)
    assert total.pages == sum(j.pages or 0 for j in jobs) == sum(r.pages for r in report.rows)
    assert (total.completed, total.failed, total.cancelled, total.running) == (3, 1, 1, 1)
    assert total.failure_rate == pytest.approx(1 / 4)


def test_jobs_outside_the_window_or_undated_keep_a_row_of_their_own() -> None:
    jobs = [
        job("ext-1"),
        job("ext-old", created=at("2026-10-01T00:00:00")),
        job("ext-0", created=0),
    ]
    report = usage_report(jobs, "day", now=NOW, since=at("2026-11-20T00:00:00"))
    assert [r.label for r in report.rows[-2:]] == ["(outside the window)", "(no date)"]
    assert sum(r.jobs for r in report.rows) == report.total.jobs == 3


def test_a_job_dated_in_year_one_does_not_make_a_million_rows() -> None:
    ancient = job("ext-old", created=at("0001-01-02T00:00:00"))
    report = usage_report([ancient, job("ext-1")], "day", now=NOW)
    assert len(report.rows) <= 3_661
    assert report.total.jobs == 2


def test_seed_shape_jobs_have_credits_estimated_from_pages_and_flagged(
    seed_job: dict[str, Any],
) -> None:
    seed = copy.deepcopy(seed_job)  # no top-level usage: pages x the tier's rate
    seed["metadata"]["usage"]["num_pages_extracted"] = 4
    estimated = fleet_job(ExtractJob.from_json(seed))
    assert (estimated.credits, estimated.credits_estimated) == (20.0, True)  # cost_effective: 5
    billed = job("ext-billed", created=estimated.created, tier="cost_effective")
    report = usage_report([estimated, billed], "tier", now=estimated.created + DAY)
    [row] = report.rows
    assert row.credits == 35.0 and row.estimated and report.total.estimated
    alone = usage_report([billed], "tier", now=estimated.created + DAY)
    assert not alone.rows[0].estimated


def test_failure_rate_counts_only_decided_jobs() -> None:
    jobs = [
        job("ext-1"),
        job("ext-2", status="FAILED"),
        job("ext-3", status="FAILED"),
        job("ext-4", status="CANCELLED"),
        job("ext-5", status="RUNNING", updated=None),
    ]
    [row] = usage_report(jobs, "tier", now=NOW).rows
    assert row.failure_rate == pytest.approx(2 / 3)
    [idle] = usage_report([job("ext-x", status="RUNNING")], "tier", now=NOW).rows
    assert idle.failure_rate is None


def test_median_and_p95_are_over_finished_jobs_nearest_rank() -> None:
    start = at("2026-11-24T00:00:00")
    jobs = [job(f"ext-{i}", created=start, updated=start + i) for i in range(1, 21)]
    jobs.append(job("ext-run", status="RUNNING", created=start, updated=start + 9999))
    [row] = usage_report(jobs, "config", now=NOW).rows
    assert row.median_duration == 10.5
    assert row.p95_duration == 19  # rank ceil(0.95 x 20) = 19
    [one] = usage_report(jobs[:1], "config", now=NOW).rows
    assert one.median_duration == one.p95_duration == 1


def test_mean_confidence_is_over_the_jobs_that_have_one() -> None:
    jobs = [job("ext-1", confidence=0.9), job("ext-2", confidence=0.7), job("ext-3")]
    [row] = usage_report(jobs, "tier", now=NOW).rows
    assert row.mean_confidence == pytest.approx(0.8)
    assert row.confidence_jobs == 2
    [none] = usage_report([job("ext-4")], "tier", now=NOW).rows
    assert none.mean_confidence is None and none.confidence_jobs == 0


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="by must be one of"):
        usage_report([], "month", now=NOW)


def test_no_jobs_is_an_empty_report_of_the_window() -> None:
    report = usage_report([], "day", now=NOW, since=NOW - 2 * DAY)
    assert [r.jobs for r in report.rows] == [0, 0, 0]
    assert report.total.jobs == 0 and report.total.median_duration is None


def test_a_hundred_thousand_jobs_are_reported_with_exact_totals() -> None:
    rng = random.Random(5)
    jobs = [
        job(
            f"ext-{i}",
            created=NOW - rng.random() * 30 * DAY,
            status=rng.choice(("COMPLETED", "COMPLETED", "FAILED", "RUNNING")),
            project_id=f"prj-{i % 7}",
            configuration_id=f"cfg-{i % 40}",
            tier=rng.choice(("agentic", "turbo", None)),
            credits=float(rng.randint(0, 50)),
            pages=rng.randint(1, 9),
            confidence=rng.random() if i % 3 else None,
        )
        for i in range(100_000)
    ]
    for by in BY:
        report = usage_report(jobs, by, now=NOW, since=NOW - 30 * DAY)
        assert sum(r.jobs for r in report.rows) == report.total.jobs == 100_000
        assert sum(r.pages for r in report.rows) == report.total.pages
        assert math.isclose(sum(r.credits for r in report.rows), report.total.credits)


# -- drawing ----------------------------------------------------------------------------------


def test_bar_is_proportional_in_eighths_and_empty_for_nothing() -> None:
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(1, 10, 4) == "▍"  # 3.2 eighths -> 3
    assert bar(0.001, 10, 4) == "▏"  # something is never drawn as nothing
    assert bar(0, 10, 4) == "" and bar(None, 10, 4) == "" and bar(5, 0, 4) == ""
    assert bar(float("nan"), 10, 4) == "" and bar(20, 10, 4) == "████"


def test_sparkline_scales_to_the_top_and_shows_gaps_as_spaces() -> None:
    assert sparkline([0, 1, 7, None, float("nan")]) == "▁▂█  "
    assert sparkline([]) == ""
    assert sparkline([0, 0]) == "▁▁"
    assert len(sparkline(list(range(100)), width=10)) == 10

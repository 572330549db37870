"""Failures across the fleet: signatures, groups, stuck jobs and the support bundle."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from explorer.core.failures import (
    NO_MESSAGE,
    SIGNATURE_CHARS,
    failure_report,
    normalise_error,
    support_bundle,
)
from explorer.core.fleet import FleetJob
from tests.core.fleet_rows import fleet_row

NOW = 1_796_000_000.0  # 2026-11-30
HOUR = 3600.0


def job(job_id: str = "ext-1", **kw: Any) -> FleetJob:
    """A fleet row: a COMPLETED job of an hour ago that took 60 s, unless told otherwise."""
    return fleet_row(job_id, kw.pop("created", NOW - HOUR), **kw)


def failed(job_id: str, message: str | None, **kw: Any) -> FleetJob:
    return job(job_id, status="FAILED", error_message=message, **kw)


# -- signatures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Parse job pjb-977d6040-81d6-4418-a3d9-71ba08381811 failed: OCR confidence 0.21",
            "Parse job pjb-12345678-aaaa-bbbb-cccc-1234567890ab failed: OCR confidence 0.07",
        ),
        ("Extraction timed out after 900 s on page 37", "Extraction timed out after 12s on page 4"),
        ("File claim-88123.pdf could not be read", "File /data/in/claim-99.PDF could not be read"),
        ("Quota 75% used (1,024 MB)", "Quota 98.5% used (12 GB)"),
        (
            "Job ext-aaaa failed at 2026-11-03T10:00:00Z",
            "Job ext-bbbb failed at 2026-11-04 11:12:13",
        ),
        ("see https://status.example.com/i/42", "see http://other.example/x?y=1"),
        ("field 'line_items' expected array", 'field "total" expected array'),
        ("request 5f2b9c0e1d3a4b6c failed", "request 0a1b2c3d4e5f6789 failed"),
        ("page ٣٧ of ٤١٢", "page 12 of 400"),  # Arabic-Indic digits are digits
        ("PDF  is\tENCRYPTED", "pdf is encrypted"),
    ],
)
def test_messages_that_differ_only_in_particulars_share_a_signature(a: str, b: str) -> None:
    assert normalise_error(a) == normalise_error(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("PDF is encrypted", "PDF is corrupt"),
        ("Upstream model provider returned 529 (overloaded)", "Document has too many pages"),
        ("Extraction timed out", "Extraction was cancelled"),
    ],
)
def test_different_errors_stay_apart(a: str, b: str) -> None:
    assert normalise_error(a) != normalise_error(b)


def test_particulars_become_placeholders() -> None:
    signature = normalise_error(
        "File claim-88123.pdf (dfl-1f2e) failed after 900 s at 2026-11-03T10:00:00Z: "
        "'total' missing, see https://x.example/a"
    )
    assert signature == "file <file> (<id>) failed after <n> at <time>: <str> missing, see <url>"


@pytest.mark.parametrize("empty", [None, "", "   \n\t "])
def test_an_empty_message_has_a_signature_that_says_so(empty: str | None) -> None:
    assert normalise_error(empty) == NO_MESSAGE


def test_a_huge_hostile_message_is_read_only_so_far_and_quickly() -> None:
    hostile = "\x1b[2J[red]boom[/red]\u202e " + "('a1 " * 250_000  # over 1 MB
    start = time.process_time()
    signature = normalise_error(hostile)
    for shape in ("a" * 1_000_000, "'" * 1_000_000, "1." * 500_000, "ext-" * 250_000):
        assert len(normalise_error(shape)) <= SIGNATURE_CHARS
    # CPU time, generous: a quadratic pattern over 1 MB would take minutes, not 2 s
    assert time.process_time() - start < 2.0
    assert len(signature) <= SIGNATURE_CHARS
    assert "\x1b" not in signature and "\u202e" not in signature
    # the same first 2,000 characters: the same failure, whatever follows
    assert normalise_error(hostile) == normalise_error(hostile[:SIGNATURE_CHARS] + "different")


def test_controls_and_bidi_characters_do_not_survive_or_split_a_group() -> None:
    plain = normalise_error("Model output did not conform")
    assert normalise_error("Model\x00 output\u200b did\x1b not\u202e conform") == plain


# -- grouping ---------------------------------------------------------------------------------


def test_failed_jobs_group_by_signature_most_first_with_when_and_where() -> None:
    jobs = [
        failed("ext-a", "PDF is encrypted: claim-1.pdf", created=NOW - 5 * HOUR),
        failed("ext-b", "PDF is encrypted: claim-22.pdf", created=NOW - 1 * HOUR, tier="turbo"),
        failed(
            "ext-c",
            "PDF is encrypted: claim-333.pdf",
            created=NOW - 3 * HOUR,
            configuration="Claims",
            project_id="prj-2",
        ),
        failed("ext-d", "PDF is corrupt", created=NOW - 2 * HOUR),
        job("ext-ok"),
    ]
    report = failure_report(jobs, now=NOW)
    assert (report.failed, report.total) == (4, 5)
    assert [g.count for g in report.groups] == [3, 1]
    encrypted = report.groups[0]
    assert [j.id for j in encrypted.jobs] == ["ext-b", "ext-c", "ext-a"]  # newest first
    assert encrypted.example == "PDF is encrypted: claim-22.pdf"  # the newest job's message
    assert (encrypted.first_seen, encrypted.last_seen) == (NOW - 5 * HOUR, NOW - HOUR)
    assert encrypted.configurations == [("Invoices", 2), ("Claims", 1)]
    assert encrypted.tiers == [("agentic", 2), ("turbo", 1)]
    assert encrypted.projects == [("prj-1", 2), ("prj-2", 1)]
    assert sum(g.count for g in report.groups) == report.failed


def test_groups_of_equal_size_put_the_most_recent_first() -> None:
    jobs = [
        failed("ext-old", "PDF is corrupt", created=NOW - 9 * HOUR),
        failed("ext-new", "PDF is encrypted", created=NOW - HOUR),
    ]
    report = failure_report(jobs, now=NOW)
    assert [g.jobs[0].id for g in report.groups] == ["ext-new", "ext-old"]


# -- stuck jobs -------------------------------------------------------------------------------


def _completed(n: int, seconds: float, config: str = "cfg-1") -> list[FleetJob]:
    """``n`` COMPLETED jobs of ``config`` that took ``seconds`` each."""
    start = NOW - 2 * HOUR
    return [
        job(
            f"ext-done-{config}-{i}",
            configuration_id=config,
            created=start,
            updated=start + seconds,
        )
        for i in range(n)
    ]


def test_a_running_job_far_past_its_configurations_median_is_stuck_one_at_it_is_not() -> None:
    history = _completed(5, 600.0)  # this configuration takes ten minutes
    late = job("ext-late", status="RUNNING", created=NOW - 6000, updated=NOW - 10)  # 10x
    on_time = job("ext-on-time", status="RUNNING", created=NOW - 600, updated=NOW - 10)  # 1x
    report = failure_report([*history, late, on_time], now=NOW)
    assert [s.job.id for s in report.stuck] == ["ext-late"]
    stuck = report.stuck[0]
    assert stuck.age == 6000
    assert stuck.typical == 600
    assert stuck.factor == pytest.approx(10)


def test_the_typical_duration_is_the_configurations_own() -> None:
    slow = _completed(3, 3000.0, "cfg-slow")  # an hour is normal here
    fast = _completed(3, 30.0, "cfg-fast")
    waiting = job("ext-w", status="PENDING", configuration_id="cfg-slow", created=NOW - 4000)
    queued = job("ext-q", status="THROTTLED", configuration_id="cfg-fast", created=NOW - 4000)
    report = failure_report([*slow, *fast, waiting, queued], now=NOW)
    assert [s.job.id for s in report.stuck] == ["ext-q"]


def test_without_completed_jobs_of_its_configuration_the_fleet_median_is_used() -> None:
    history = _completed(3, 200.0, "cfg-other")
    lone = job("ext-lone", status="RUNNING", configuration_id="cfg-new", created=NOW - 2000)
    [stuck] = failure_report([*history, lone], now=NOW).stuck
    assert stuck.typical == 200
    assert stuck.factor == pytest.approx(10)


def test_with_nothing_completed_only_min_stuck_seconds_decides() -> None:
    young = job("ext-young", status="RUNNING", created=NOW - 600)
    old = job("ext-old", status="NEEDS_REVIEW", created=NOW - 1000)  # unknown: not finished
    report = failure_report([young, old], now=NOW, min_stuck_seconds=900)
    assert [(s.job.id, s.typical, s.factor) for s in report.stuck] == [("ext-old", None, None)]


def test_stuck_jobs_are_oldest_first_and_finished_ones_never_stuck() -> None:
    jobs = [
        job("ext-1", status="RUNNING", created=NOW - 5 * HOUR),
        job("ext-2", status="RUNNING", created=NOW - 9 * HOUR),
        job("ext-3", status="CANCELLED", created=NOW - 99 * HOUR),
        failed("ext-4", "x", created=NOW - 99 * HOUR),
    ]
    report = failure_report(jobs, now=NOW)
    assert [s.job.id for s in report.stuck] == ["ext-2", "ext-1"]


# -- support bundle ---------------------------------------------------------------------------


def test_the_bundle_is_a_markdown_table_of_the_jobs_with_pipes_escaped() -> None:
    jobs = [
        failed(
            "ext-a",
            "bad | value\nsecond line \x1b[2J\u202e <b>bold</b> back\\slash",
            file_name="claim|1.pdf",
            document="dfl-xyz",
        ),
        failed("ext-b", "bad | value", configuration_id=None, configuration="inline: per_doc"),
    ]
    markdown, data = support_bundle(
        jobs,
        title="2 jobs | failed",
        project_names={"prj-1": "Claims"},
        error="bad | value",
        now=NOW,
    )
    lines = markdown.splitlines()
    assert lines[0] == "# 2 jobs \\| failed"
    table = [line for line in lines if line.startswith("| ")]
    assert table[0].startswith("| job id | project | status | created")
    rows = table[1:]
    assert [row.split(" | ")[0] for row in rows] == ["| ext-a", "| ext-b"]
    # every row has the header's columns: no cell broke out of the table
    columns = table[0].count(" | ")
    assert all(row.replace("\\|", "").count(" | ") == columns for row in rows)
    first = rows[0]
    assert "Claims (prj-1)" in first and "Invoices (cfg-1)" in first
    assert "claim\\|1.pdf (dfl-xyz)" in first
    assert "bad \\| value second line" in first
    assert "back\\\\slash" in first and "&lt;b&gt;" in first
    assert not any(ch in markdown for ch in "\x1b\u202e\r")
    assert "inline: per_doc" in rows[1]
    # the JSON holds the same jobs, complete, and survives a round trip
    assert json.loads(json.dumps(data)) == data
    assert [j["id"] for j in data["jobs"]] == ["ext-a", "ext-b"]
    assert data["jobs"][0]["error_message"].startswith("bad | value\nsecond line")
    assert data["jobs"][0]["project"] == "Claims"
    assert data["count"] == 2 and data["error"] == "bad | value"


def test_the_bundle_redacts_a_registered_secret() -> None:
    from explorer.core import secrets

    secrets.register("llx-very-secret-key-123")
    try:
        markdown, _ = support_bundle(
            [failed("ext-a", "key llx-very-secret-key-123 rejected")], title="t", now=NOW
        )
    finally:
        secrets.forget_all()
    assert "llx-very-secret-key-123" not in markdown

"""What the seeded world holds, checked on SimState directly (no HTTP needed)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jsonschema
import orjson
import pytest

from explorer.sim import SimState
from explorer.sim.listing import ListQuery
from explorer.sim.render import EXPANDABLE

from .conftest import FIXED_NOW, ManualClock, make_config

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BROKEN_ROLES = {"schema_breaking", "schema_breaking_receipt", "report_pages"}


def world_jobs(state: SimState) -> list[dict[str, Any]]:
    out = []
    for project in state.projects:
        q = ListQuery(page_size=100, expand=frozenset(EXPANDABLE), project_id=project)
        out.extend(orjson.loads(orjson.dumps(state.list_jobs(q)))["items"])
    return out


def strings(value: Any) -> list[str]:
    """Every string in a JSON value (keys included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@pytest.fixture(scope="module")
def state() -> SimState:
    return SimState(make_config(clock=ManualClock()))


@pytest.fixture(scope="module")
def jobs(state: SimState) -> list[dict[str, Any]]:
    return world_jobs(state)


def test_size_and_coverage(state: SimState, jobs: list[dict[str, Any]]) -> None:
    assert len(jobs) >= 60
    assert len(state.projects) >= 3
    statuses = {j["status"] for j in jobs}
    assert {"PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "THROTTLED"} <= statuses
    assert "NEEDS_REVIEW" in statuses
    cfgs = [j["configuration"] for j in jobs]
    assert {c["extraction_target"] for c in cfgs} == {"per_doc", "per_page", "per_table_row"}
    assert {c["tier"] for c in cfgs} == {"cost_effective", "agentic", "agentic_plus", "turbo"}
    combos = {(c["cite_sources"], c["confidence_scores"]) for c in cfgs}
    assert combos == {(True, True), (True, False), (False, True), (False, False)}
    assert sum(1 for c in cfgs if c["system_prompt"]) >= 10
    assert {j["file_input"][:4] for j in jobs} == {"dfl-", "pjb-"}


def test_timestamps_span_four_weeks_before_the_base(jobs: list[dict[str, Any]]) -> None:
    base = FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    oldest = (FIXED_NOW - timedelta(days=29)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for job in jobs:
        assert ISO.match(job["created_at"]) and ISO.match(job["updated_at"])
        assert oldest < job["created_at"] <= base
        assert job["updated_at"] >= job["created_at"]


def test_every_failure_explains_itself(jobs: list[dict[str, Any]]) -> None:
    failed = [j for j in jobs if j["status"] == "FAILED"]
    assert len(failed) >= 3
    assert all(len(j["error_message"]) > 20 for j in failed)
    assert all(j["error_message"] is None for j in jobs if j["status"] != "FAILED")
    unfinished = [j for j in jobs if j["status"] in ("PENDING", "RUNNING", "THROTTLED")]
    assert all(j["extract_result"] is None for j in unfinished)


def test_results_follow_their_schema_except_the_broken_ones(
    state: SimState, jobs: list[dict[str, Any]]
) -> None:
    broken = {state.notable[r] for r in BROKEN_ROLES}
    checked = 0
    for job in jobs:
        if job["status"] != "COMPLETED":
            continue
        cfg = job["configuration"]
        validator = jsonschema.Draft202012Validator(cfg["data_schema"])
        result = job["extract_result"]
        items = [result] if cfg["extraction_target"] == "per_doc" else result
        errors = [e for item in items for e in validator.iter_errors(item)]
        if job["id"] in broken:
            assert errors, job["metadata"]["file_name"]
        else:
            assert not errors, (job["metadata"]["file_name"], errors[0].message)
            checked += 1
    assert checked >= 30


def test_the_schema_breaking_invoice_breaks_five_ways(state: SimState) -> None:
    job = state.get_job(state.notable["schema_breaking"])
    assert job is not None
    schema = job["configuration"]["data_schema"]
    kinds = {
        e.validator
        for e in jsonschema.Draft202012Validator(schema).iter_errors(job["extract_result"])
    }
    assert {"required", "type", "enum", "additionalProperties"} <= kinds
    assert job["extract_result"]["invoice_date"] is None


def test_nasty_strings(state: SimState) -> None:
    plain = [state.get_job(state.notable[r]) for r in ("nasty", "rtl")]
    blob = "\n".join(strings(plain))
    for needle in (
        "[bold red]PAID[/]",
        "[@click=app.quit]x[/]",
        "\x1b[2J",
        "\x1b]0;pwned\x07",
        "\u202e",
        "\u200b",
        "🥐",
        "شركة",
        "חשבונית",
    ):
        assert needle in blob, repr(needle)
    nasty = plain[0]
    longest = max(len(i["description"]) for i in nasty["extract_result"]["line_items"])
    assert longest > 10_000
    cites = "\n".join(strings(nasty["extract_metadata"]["field_metadata"]))
    # citations quote the page: markup is printed as is, escapes and controls never are
    assert "[bold red]PAID[/]" in cites and "[@click=app.quit]x[/]" in cites
    assert not any(c in cites for c in ("\x1b", "\x07", "\u202e", "\u200b"))


def test_reruns_of_one_document_differ_a_little(state: SimState) -> None:
    a = state.get_job(state.notable["invoice_cited"])
    b = state.get_job(state.notable["invoice_rerun"])
    assert a is not None and b is not None
    assert a["file_input"] == b["file_input"]
    assert a["configuration"]["tier"] != b["configuration"]["tier"]
    assert a["extract_result"] != b["extract_result"]
    assert a["extract_result"].keys() == b["extract_result"].keys()


def test_in_progress_world_jobs_move_on_from_server_start() -> None:
    clock = ManualClock()
    state = SimState(make_config(clock=clock, job_seconds=5))
    ids = state.notable
    first = {
        r: state.get_job(ids[r])["status"]
        for r in ("running", "pending", "throttled", "long_running")  # type: ignore[index]
    }
    assert first == {
        "running": "RUNNING",
        "pending": "PENDING",
        "throttled": "THROTTLED",
        "long_running": "RUNNING",
    }
    clock.advance(60)
    later = {r: state.get_job(ids[r])["status"] for r in first}  # type: ignore[index]
    assert later == {
        "running": "COMPLETED",
        "pending": "COMPLETED",
        "throttled": "COMPLETED",
        "long_running": "RUNNING",
    }
    clock.advance(4 * 3600)
    assert state.get_job(ids["long_running"])["status"] == "COMPLETED"  # type: ignore[index]


def test_same_seed_same_world_other_seed_other_world() -> None:
    a = world_jobs(SimState(make_config(clock=ManualClock())))
    b = world_jobs(SimState(make_config(clock=ManualClock())))
    c = world_jobs(SimState(make_config(clock=ManualClock(), seed=8)))
    assert orjson.dumps(a) == orjson.dumps(b)
    assert {j["id"] for j in a}.isdisjoint({j["id"] for j in c})


def test_find_by_file_name(state: SimState) -> None:
    ids = state.find_by_file_name("invoice-2041.pdf")
    assert set(ids) == {state.notable["invoice_cited"], state.notable["invoice_rerun"]}

"""The grounding check over the whole simulated world, through real loopback HTTP: it finds
exactly the citations the simulator broke on purpose, and in the good jobs nothing but the
simulator's own truth (a re-run that reads a value otherwise than the document prints it).

Every COMPLETED job the key can list, in every project of both organizations (the default
`user` key lists them all without an `organization_id`, `explorer.sim.around`), is fetched with
its document (parse job + file, `fetch_document`) and analysed. What is expected of each job is
worked out from the simulator's side, not from the checker's output:

- a `grounding_*` job: `GROUND_TRUTH` spelled out by `planted`, each planted kind reported as
  `REPORTED_AS` says;
- any other job: for a job citing its sources, a `value_mismatch` on each cited field whose
  value is not the one its file's document prints (`build_result(file.source, drifted=False)`
  is what `explorer.sim.library` prints); nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from explorer.api.client import ExtractClient
from explorer.core.analysis import analyze
from explorer.core.doc_cache import DocumentCache
from explorer.core.doc_fetch import fetch_document
from explorer.core.fields import field_rows
from explorer.core.grounding import GroundingProblem, check_grounding, value_in_text
from explorer.core.jsonpath import format_path
from explorer.sim import SimConfig, SimServer
from explorer.sim import grounding_faults as gf
from explorer.sim.outcome import build_result
from explorer.sim.records import JobRecord
from explorer.sim.state import SimState
from explorer.sim.tweaks import leaf_items
from explorer.sim.world import HISTORY
from tests.cli.conftest import clean_env

#: Seed 7 is the demo's and the other tests' world; 11 is another one of the same shape.
SEEDS = (7, 11)
#: Tweaks whose jobs are not walked: the `big` job's result is 2,000 table rows (50,000 in the
#: demo) citing nothing; analysing it costs more than everything else here and proves nothing.
SKIPPED_TWEAKS = frozenset({"big"})
API_KEY = "llx-grounding-world-test-key"

#: Planted kind -> the kind the checker reports it as: each fault once, as itself.
REPORTED_AS = {
    # the page number moved, text and boxes stayed: the text is not on the cited page but on
    # another (named) one; the boxes of a citation on the wrong page are not read again
    gf.WRONG_PAGE: "wrong_page",
    # the box covers the whole text block, so it still holds the text: no box_text
    gf.BIG_BOX: "big_box",
    # the citation is right, only the value is off
    gf.VALUE_MISMATCH: "value_mismatch",
    gf.CONFIDENCE_MISSING: "confidence_missing",
    gf.CITATIONS_MISSING: "citations_missing",
    # nothing to read on a page that isn't there: no text or box check after it
    gf.PAGE_MISSING: "page_missing",
    # a box off the page is not reported again as holding the wrong text
    gf.BOX_OFF_PAGE: "box_off_page",
}
#: Kinds the checker asks only of fields with a value (a null or empty field has nothing to be
#: confident of or to cite), while `planted` spells `()` out over every leaf, nulls included.
ASKED_OF_VALUES = frozenset({gf.CONFIDENCE_MISSING, gf.CITATIONS_MISSING})

#: What the checker forgives, character by character, as a worn scan's confusions (its
#: `_CONFUSABLE`): a re-run swapping two such letters ("Office" -> "Offiec", seed 4) reads the
#: same to it. No such drift at SEEDS; kept so the expectation stays honest for any seed.
_SCAN_FOLD = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1", "c": "e", "s": "5"})

Found = set[tuple[tuple[Any, ...], str]]


@pytest.fixture(autouse=True)
def private_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Documents are cached under tmp_path, never in the real ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@dataclass
class Checked:
    """One job of the world as checked: its role (or id), record, JSON and problems."""

    name: str
    rec: JobRecord
    job: dict[str, Any]
    problems: list[GroundingProblem]

    @property
    def found(self) -> Found:
        return {(p.path, p.kind) for p in self.problems}


def _planted(rec: JobRecord, result: Any) -> Found:
    """The planted faults as the checker reports them."""
    values = dict(leaf_items(result))
    return {
        (path, REPORTED_AS[kind])
        for path, kind in gf.planted(rec.tweaks, result)
        if kind not in ASKED_OF_VALUES or values.get(path) not in (None, "")
    }


def _same_to_a_scan(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold().translate(_SCAN_FOLD) == b.casefold().translate(_SCAN_FOLD)
    return a == b


def _drifted(state: SimState, rec: JobRecord, job: dict[str, Any]) -> Found:
    """A value_mismatch for every cited field whose value is not the one the document prints."""
    if not job["configuration"].get("cite_sources"):
        return set()
    file = state.file_of(rec)
    paper = state.documents.paper_for_job(rec)
    assert file is not None and paper is not None, rec.id
    printed = dict(leaf_items(build_result(file.source, state.today, drifted=False)))
    return {
        (path, "value_mismatch")
        for path, value in leaf_items(job["extract_result"])
        if value not in (None, "")
        and path in printed
        and not _same_to_a_scan(value, printed[path])
        and paper.placements(path)  # printed, so cited
    }


async def _walk(server: SimServer, cache_dir: Path) -> list[Checked]:
    """Every COMPLETED job the key lists, in every project, checked against its document."""
    state = server.state
    roles = {job_id: role for role, job_id in state.notable.items()}
    cache = DocumentCache(cache_dir)
    checked: list[Checked] = []
    async with ExtractClient("test-key", server.url) as client:
        projects = await client.list_projects()
        assert len({p.organization_id for p in projects}) == 2  # HR intake is another org's
        for project in projects:
            # The history project's 300 completed jobs are sampled (one in ten): walking them
            # all takes the test from seconds to a minute, and they are made like the others.
            sample = 10 if project.name == HISTORY else 1
            seen = 0
            token = None
            while True:
                page = await client.list_jobs(
                    project_id=project.id, page_size=100, page_token=token
                )
                for summary in page.items:
                    rec = state.record(summary.id)
                    assert rec is not None
                    if summary.status != "COMPLETED" or SKIPPED_TWEAKS & set(rec.tweaks):
                        continue
                    seen += 1
                    if seen % sample:
                        continue
                    job = (await client.get_job(summary.id, project_id=project.id)).to_json_dict()
                    fetched = await fetch_document(client, job, cache)
                    assert fetched.document is not None, (summary.id, fetched.notes)
                    report = analyze(job, document=fetched.document).grounding
                    assert report is not None and report.with_document
                    name = roles.get(summary.id, "filler")
                    checked.append(Checked(name, rec, job, report.problems))
                token = page.next_page_token
                if not token:
                    break
    return checked


@pytest.mark.parametrize("seed", SEEDS)
async def test_exactly_the_planted_faults_and_the_drift(seed: int, tmp_path: Path) -> None:
    with SimServer(SimConfig(seed=seed, job_seconds=0.6, big_rows=2_000)) as server:
        state = server.state
        world = await _walk(server, tmp_path / "docs")
        wrong: list[str] = []
        drift_found = 0
        for c in world:
            planted = _planted(c.rec, c.job["extract_result"])
            # (a planted value_mismatch differs from the print too: planted, not drift)
            drift = _drifted(state, c.rec, c.job) - planted
            # the document is printed from a file's first job: only re-runs read it otherwise
            assert c.rec.variant > 0 or not drift, (c.name, drift)
            want = planted | drift
            drift_found += len(drift & c.found)
            for p in c.problems:
                if (p.path, p.kind) not in want:
                    wrong.append(f"found  {c.name} {c.rec.id} {p.path_str} {p.kind}: {p.message}")
            for path, kind in sorted(want - c.found, key=repr):
                why = "planted" if (path, kind) in planted else "drifted"
                wrong.append(f"missed {c.name} {c.rec.id} {format_path(path)} {kind} ({why})")
    assert not wrong, "\n".join(wrong)
    # the world was really walked: every grounding role, good jobs of all four projects
    names = {c.name for c in world}
    assert set(gf.GROUND_TRUTH) <= names
    assert all(_planted(c.rec, c.job["extract_result"]) for c in world if c.name in gf.GROUND_TRUTH)
    assert len({c.rec.project_id for c in world}) == 4 and len(world) >= 60
    assert drift_found >= 1  # the drift exemption was exercised, not just allowed


def test_regressions_seen_at_other_seeds() -> None:
    """Checker mistakes the world showed at seeds 1-10 (not at SEEDS), pinned down here."""
    # an empty object or array (seeds 1, 3: `bill_to: {}`) is not a field missing its
    # confidence or citations
    cfg = {"confidence_scores": True, "cite_sources": True}
    job = {
        "configuration": cfg,
        "extract_result": {"bill_to": {}, "tags": [], "total": 1.5},
        "extract_metadata": {
            "field_metadata": {
                "document_metadata": {
                    "bill_to": {"reasoning": "Found in the bill to block."},
                    "tags": [],
                    "total": {"confidence": 0.9, "citation": []},
                }
            }
        },
    }
    assert check_grounding(field_rows(job), cfg).problems == []
    # a number kept as a string, its digit misprinted by a worn scan (seed 2)
    assert value_in_text("2,097.43", "2,O97.43") is True
    assert value_in_text("CHF 1 234", "CHF 1,234.00") is True
    # a text holding one number is not any other text holding it (seeds 4, 6, 8, 10: drift)
    assert value_in_text("Nte 15", "Net 15") is False
    assert (
        value_in_text("Translation services, 12 apges", "Translation services, 12 pages") is False
    )


def _run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    from explorer.cli import main

    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and API_KEY not in captured.out + captured.err
    return code, json.loads(captured.out)


def test_check_grounding_through_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`check JOB --grounding --json` against this test's simulator (a key, so no embedded one
    with the default seed): exit 1 and the planted faults for a bad job, 0 and [] for a good one."""
    clean_env(monkeypatch, tmp_path)
    monkeypatch.delenv("LLAMA_CLOUD_BASE_URL", raising=False)
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", API_KEY)
    with SimServer(SimConfig(seed=7, job_seconds=0.6, big_rows=2_000)) as server:
        notable = server.state.notable
        bad, good = notable["grounding_wrong_page"], notable["invoice_cited"]
        code, items = _run_cli(
            capsys, "check", bad, "--grounding", "--json", "--base-url", server.url
        )
        assert code == 1
        assert {(i["check"], i["path"], i["kind"]) for i in items} == {
            ("grounding", format_path(path), REPORTED_AS[kind])
            for path, kind in gf.GROUND_TRUTH["grounding_wrong_page"]
        }
        code, items = _run_cli(
            capsys, "check", good, "--grounding", "--json", "--base-url", server.url
        )
        assert (code, items) == (0, [])

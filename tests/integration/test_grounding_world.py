"""The grounding check over the whole simulated world, through real loopback HTTP: it finds
exactly the citations the simulator broke on purpose, and nothing in the good jobs."""

from __future__ import annotations

import pytest

from explorer.api.client import ExtractClient
from explorer.core.analysis import analyze
from explorer.core.doc_cache import DocumentCache
from explorer.core.doc_fetch import fetch_document
from explorer.sim import SimConfig, SimServer
from explorer.sim.grounding_faults import GROUND_TRUTH, planted

#: Too big to be worth checking here (the big job's 2,000 rows cite nothing).
SKIP_ROLES = {"big"}


async def _world_findings(seed: int, cache_dir) -> tuple[dict, dict]:
    """(role or id -> found (path, kind) set, role or id -> the job's record) for every
    COMPLETED job the key can see."""
    found: dict[str, set] = {}
    records: dict[str, object] = {}
    with SimServer(SimConfig(seed=seed, job_seconds=0.6, big_rows=2_000)) as server:
        roles = {v: k for k, v in server.state.notable.items()}
        async with ExtractClient("test-key", server.url) as client:
            cache = DocumentCache(cache_dir)
            for project in await client.list_projects():
                token = None
                while True:
                    page = await client.list_jobs(
                        project_id=project.id, page_size=100, page_token=token
                    )
                    for summary in page.items:
                        name = roles.get(summary.id, summary.id)
                        if summary.status != "COMPLETED" or name in SKIP_ROLES:
                            continue
                        got = await client.get_job(summary.id, project_id=project.id)
                        job = got.to_json_dict()
                        fetched = await fetch_document(client, job, cache)
                        assert fetched.document is not None, (name, fetched.notes)
                        report = analyze(job, document=fetched.document).grounding
                        found[name] = {(p.path, p.kind) for p in report.problems}
                        records[name] = (server.state.record(summary.id), job)
                    token = page.next_page_token
                    if not token:
                        break
    return found, records


@pytest.mark.parametrize("seed", [7, 11])
async def test_the_check_finds_the_planted_faults_and_nothing_else(seed, tmp_path) -> None:
    found, records = await _world_findings(seed, tmp_path)
    for role in GROUND_TRUTH:
        rec, job = records[role]
        want = set(planted(rec.tweaks, job["extract_result"]))
        assert found[role] == want, (role, found[role] ^ want)
    strays = []
    for name, problems in found.items():
        if name in GROUND_TRUTH:
            continue
        rec, _ = records[name]
        for path, kind in problems:
            # a re-run reads the document again and may read a value differently (the
            # simulator's drift): its value is truly not the printed one
            if kind == "value_mismatch" and rec.variant > 0:
                continue
            strays.append((name, path, kind))
    assert not strays
    assert len(found) >= 20  # the world was really walked

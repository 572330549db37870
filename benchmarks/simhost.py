"""The simulators the harness serves from its own process, one per world it needs.

The parent process hosts them in threads and stays idle while a child measures, so the server
runs on the other core like a remote one would, and ``server.state`` stays readable here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from explorer.api.client import ALL_EXPANDS
from explorer.sim import SimConfig, SimServer

#: What the explorer asks for when it opens a job: the panes want all of it.
EXPAND_PARAMS = [("expand", name) for name in ALL_EXPANDS]
HEADERS = {"Authorization": "Bearer bench-key"}


@dataclass(frozen=True)
class BigJob:
    """The big per_table_row job of a running simulator, warmed so reads only copy bytes."""

    url: str
    job_id: str
    #: The job's project (a request without one addresses the default project).
    project_id: str
    rows: int
    #: Size of the body the explorer receives when it opens the job (all expands).
    json_bytes: int
    #: The first read builds the rows; later reads are what users of a real server see.
    build_seconds: float

    @property
    def megabytes(self) -> float:
        return self.json_bytes / 1e6


@contextmanager
def serving(config: SimConfig) -> Iterator[SimServer]:
    """A simulator on a loopback port for the duration of the block."""
    server = SimServer(config).start()
    try:
        yield server
    finally:
        server.stop()


def fetch_job_bytes(url: str, job_id: str, project_id: str) -> bytes:
    """The raw body of ``GET /api/v2/extract/{id}`` with every expand, as the explorer asks."""
    with httpx.Client(base_url=url, headers=HEADERS, timeout=300) as client:
        params = [*EXPAND_PARAMS, ("project_id", project_id)]
        response = client.get(f"/api/v2/extract/{job_id}", params=params)
        response.raise_for_status()
        return response.content


def warm_big_job(server: SimServer) -> BigJob:
    """Read the big job once (building it) and describe it."""
    job_id = server.state.notable["big"]
    rec = server.state.record(job_id)
    assert rec is not None
    start = time.perf_counter()
    body = fetch_job_bytes(server.url, job_id, rec.project_id)
    elapsed = time.perf_counter() - start
    return BigJob(server.url, job_id, rec.project_id, server.config.big_rows, len(body), elapsed)


def bulk_project_id(server: SimServer) -> str:
    """The id of the "Bulk" project (``SimConfig(bulk_jobs=...)``)."""
    return next(p.id for p in server.state.projects.values() if p.name == "Bulk")

"""An in-process, LlamaCloud-compatible server for Extract v2: the explorer's default backend
and its test bed.

Written from the API reference (`api-notes.md`), never from the client's models: it emits plain JSON
dicts, so a wrong field name on either side shows up as a mismatch. It never imports textual.

Quick start::

    from explorer.sim import SimConfig, SimServer

    with SimServer(SimConfig(seed=7)) as server:
        ...  # talk to server.url with `Authorization: Bearer anything`

or from a terminal: `python -m explorer.sim --port 8321`.

Magic document ids (the word anywhere in `file_input` of `POST /api/v2/extract`):

- `fail`     -> the job ends FAILED with a realistic `error_message`
- `slow`     -> the job takes ten times `job_seconds`
- `throttle` -> the job sits in THROTTLED for `job_seconds` before it is queued
- `unknown`  -> the job ends in `NEEDS_REVIEW`, a status the API never documented

A created job is PENDING for the first 20% of `job_seconds`, RUNNING until `job_seconds`, then
COMPLETED with a result generated from its `data_schema`. World jobs that are PENDING, RUNNING or
THROTTLED at start move on the same way, measured from server start; the `long_running` one
(a `slow` document) keeps RUNNING for four hours.

Around the jobs: cursor-paged projects, files (`/api/v1/beta/files`, with presigned `/content`
URLs to a key-less `/blob/` object store), saved configurations (`/api/v1/beta/configurations`)
and parse jobs (`/api/v2/parse/{pjb}`). Every document is a real PDF (fpdf2) whose text sits
where the citations say (top-left origin, PDF points), made on first request. One scoping rule
holds for every job, file and parse job endpoint: no `project_id` means the key's default
project (`explorer.sim.around`); `SimConfig.key_kind` plays keys that may not list projects.

Notable world jobs are listed by role in `SimState.notable` (e.g. `server.state.notable["big"]`);
`SimState.find_by_file_name` finds the jobs on a file by the file's name.

The "Claims pipeline" project holds six weeks of history for the fleet views
(`explorer.sim.history`: a daily rhythm, recurring failures, a burst, stuck jobs, usage on every
finished job; roles `history_*`); it and the `bulk_jobs` project are built on first use.
"""

from .app import create_app
from .config import Faults, SimConfig
from .server import SimServer, run_forever
from .state import SimState

__all__ = ["Faults", "SimConfig", "SimServer", "SimState", "create_app", "run_forever"]

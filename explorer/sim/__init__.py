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

Notable world jobs are listed by role in `SimState.notable` (e.g. `server.state.notable["big"]`);
`SimState.find_by_file_name` finds jobs by `metadata.file_name`.
"""

from .app import create_app
from .config import Faults, SimConfig
from .server import SimServer, run_forever
from .state import SimState

__all__ = ["Faults", "SimConfig", "SimServer", "SimState", "create_app", "run_forever"]

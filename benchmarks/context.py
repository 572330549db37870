"""What the figures of one run share: the plan, and the big-job simulator (built once)."""

from __future__ import annotations

from contextlib import ExitStack

from benchmarks.plan import Plan
from benchmarks.simhost import BigJob, serving, warm_big_job
from explorer.sim import SimConfig


class Context:
    """Shared, lazily started resources of a harness run; ``close()`` stops them."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._stack = ExitStack()
        self._big: BigJob | None = None

    def big_job(self) -> BigJob:
        """The big per_table_row job on its own simulator, already built and warmed."""
        if self._big is None:
            server = self._stack.enter_context(serving(SimConfig(big_rows=self.plan.big_rows)))
            self._big = warm_big_job(server)
        return self._big

    def close(self) -> None:
        self._stack.close()

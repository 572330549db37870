"""Where the app's data comes from: the real cloud with a key, the embedded simulator without.

The simulator runs in a background thread on a free loopback port, so the app always talks real
HTTP through the same client, demo or not.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explorer.api.client import ExtractClient, RetryEvent
from explorer.settings import Settings

if TYPE_CHECKING:
    from explorer.sim import SimServer


@dataclass
class Backend:
    """A started connection target: base URL and key, plus the simulator if we started one."""

    base_url: str
    api_key: str
    sim: SimServer | None = None

    @property
    def demo(self) -> bool:
        return self.sim is not None

    def client(
        self, settings: Settings, on_retry: Callable[[RetryEvent], None] | None = None, **kw: Any
    ) -> ExtractClient:
        """A new client for this backend (the caller closes it)."""
        return ExtractClient(
            self.api_key,
            self.base_url,
            organization_id=settings.organization_id,
            project_id=settings.project_id,
            headers=settings.custom_headers,
            allow_insecure=settings.allow_insecure,
            on_retry=on_retry,
            **kw,
        )

    def stop(self) -> None:
        """Stop the embedded simulator, if any."""
        if self.sim is not None:
            self.sim.stop()
            self.sim = None


def start_backend(settings: Settings) -> Backend:
    """The real API when a key is set, else a freshly started embedded simulator."""
    if settings.api_key:
        return Backend(base_url=settings.base_url, api_key=settings.api_key)
    from explorer.sim import SimConfig, SimServer

    # A random key per run: the embedded server only answers this process.
    key = "sim-" + secrets.token_urlsafe(16)
    config = SimConfig(
        seed=settings.sim_seed,
        shape=settings.sim_shape,
        job_seconds=settings.sim_job_seconds,
        api_key=key,
    )
    sim = SimServer(config).start()
    return Backend(base_url=sim.url, api_key=key, sim=sim)

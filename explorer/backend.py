"""Where the app's data comes from: the real cloud with a key, the embedded simulator without.

The simulator listens on a free loopback port, in a child process for the TUI (a background
thread when no child can be spawned) and in a thread for the commands, so the app always talks
real HTTP through the same client, demo or not.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explorer.core import secrets as secret_registry
from explorer.settings import Settings

if TYPE_CHECKING:
    from explorer.api.client import ExtractClient, RetryEvent
    from explorer.sim import SimServer


#: How the child simulator gets its key (``explorer.sim.child.KEY_ENV``; importing that here
#: would import the whole simulator into the app's process).
SIM_KEY_ENV = "EXPLORER_SIM_KEY"


class SimProcess:
    """The simulator in a child process (``explorer.sim.child``) on a socket opened here.

    The URL is known at once and requests queue in the socket's backlog until the child
    serves them; the child starts on another core while this process imports the app, and
    ends with this process (its stdin is our pipe).
    """

    def __init__(self, *, seed: int, shape: str, job_seconds: float, api_key: str) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "explorer.sim.child",
                    f"--fd={sock.fileno()}",
                    f"--seed={seed}",
                    f"--shape={shape}",
                    f"--job-seconds={job_seconds}",
                ],
                pass_fds=(sock.fileno(),),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # the terminal belongs to the TUI
                env={**os.environ, SIM_KEY_ENV: api_key},
                start_new_session=True,  # terminal signals go to the app, which then closes us
            )
        finally:
            sock.close()  # the child holds its own copy

    def stop(self) -> None:
        """End the child (closing its stdin is enough; terminate in case it hangs)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=2)


@dataclass
class Backend:
    """A started connection target: base URL and key, plus the simulator if we started one."""

    base_url: str
    api_key: str
    sim: SimServer | SimProcess | None = None

    @property
    def demo(self) -> bool:
        return self.sim is not None

    def client(
        self, settings: Settings, on_retry: Callable[[RetryEvent], None] | None = None, **kw: Any
    ) -> ExtractClient:
        """A new client for this backend (the caller closes it)."""
        from explorer.api.client import ExtractClient

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


def start_backend(settings: Settings, *, separate_process: bool = False) -> Backend:
    """The real API when a key is set, else a freshly started embedded simulator: in a thread,
    or (the TUI) in a child process, falling back to a thread if it cannot be spawned."""
    if settings.api_key:
        secret_registry.register(settings.api_key)
        return Backend(base_url=settings.base_url, api_key=settings.api_key)
    # A random key per run: the embedded server only answers this process.
    key = "sim-" + secrets.token_urlsafe(16)
    secret_registry.register(key)
    if separate_process:
        try:
            child = SimProcess(
                seed=settings.sim_seed,
                shape=settings.sim_shape,
                job_seconds=settings.sim_job_seconds,
                api_key=key,
            )
        except (OSError, ValueError):  # no fork/pass_fds here: the thread will do
            pass
        else:
            return Backend(base_url=child.url, api_key=key, sim=child)
    from explorer.sim import SimConfig, SimServer

    config = SimConfig(
        seed=settings.sim_seed,
        shape=settings.sim_shape,
        job_seconds=settings.sim_job_seconds,
        api_key=key,
    )
    sim = SimServer(config).start()
    return Backend(base_url=sim.url, api_key=key, sim=sim)

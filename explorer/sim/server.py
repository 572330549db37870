"""Running the simulator: embedded in a daemon thread, or in the foreground from a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn

from .app import create_app
from .config import SimConfig
from .state import SimState

_START_TIMEOUT = 10.0

# A library must not print: the explorer's TUI owns the terminal. Warnings reach whatever
# handlers the host configured, and nowhere else.
logging.getLogger("uvicorn").addHandler(logging.NullHandler())


class _QuietServer(uvicorn.Server):
    """uvicorn's server, stopping promptly when asked (it otherwise polls every 0.1 s)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not self.should_exit:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=0.1)
            counter = (counter + 1) % 864000
            if await self.on_tick(counter):
                break

    def request_exit(self) -> None:
        """Ask the server to stop, from any thread."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            # the loop may close meanwhile
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)


def _uvicorn_config(app: Any, lifespan: str = "off") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        loop="asyncio",
        http="h11",
        ws="none",
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )


def serve_socket(config: SimConfig, sock: socket.socket) -> None:
    """Serve on an already listening socket until the process ends (explorer.sim.child)."""
    _QuietServer(_uvicorn_config(create_app(SimState(config)))).run(sockets=[sock])


class LoopbackServer:
    """An ASGI app served by uvicorn in a daemon thread on a loopback port.

    Subclasses say what they serve (`make_app`); the simulator is one, and tests put others
    (proxies, storage hosts) beside it the same way.
    """

    #: uvicorn's lifespan mode: "on" for apps that set things up at start-up.
    lifespan = "off"
    name = "asgi"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server: _QuietServer | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def make_app(self) -> Any:
        """The ASGI app to serve (called once per start)."""
        raise NotImplementedError

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Self:
        """Bind, start serving, and return once the socket accepts connections."""
        if self._thread is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must be TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say so,
        # and without it every keep-alive response waits ~40 ms for a delayed ACK
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._server = _QuietServer(_uvicorn_config(self.make_app(), self.lifespan))
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"{self.name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} failed to start on {self.url}")
            time.sleep(0.002)
        return self

    def stop(self) -> None:
        """Stop serving, join the thread and release the port."""
        server, thread = self._server, self._thread
        if server is not None:
            server.request_exit()
        if thread is not None:
            thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class SimServer(LoopbackServer):
    """Runs the simulator with uvicorn in a daemon thread on a loopback port."""

    name = "sim"

    def __init__(
        self, config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(host, port)
        self.config = config or SimConfig()
        self.state = SimState(self.config)

    def make_app(self) -> Any:
        """The simulator over this server's state."""
        return create_app(self.state)


def run_forever(config: SimConfig, host: str = "127.0.0.1", port: int = 8321) -> None:
    """Serve in the foreground until Ctrl-C (then return quietly)."""
    state = SimState(config)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        message = f"extract-explorer sim: cannot listen on {host}:{port}: {exc.strerror}"
        raise SystemExit(message) from None
    # Listening before the address is printed: a client that reads it and connects at once
    # waits in the backlog until uvicorn accepts, rather than being refused.
    sock.listen(2048)
    # Port 0 picks a free port: print the one we really got.
    bound = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    print(
        f"LlamaCloud simulator on http://{shown_host}:{bound} "
        f"(seed {config.seed}, shape {config.shape})",
        flush=True,
    )
    uconfig = uvicorn.Config(
        create_app(state),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    # uvicorn re-raises the Ctrl-C it caught once it has shut down cleanly
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(uconfig).run(sockets=[sock])

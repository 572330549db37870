"""``serve``: the explorer's TUI in a web browser, through ``textual-serve``.

Each browser connection starts its own app: this interpreter running ``python -m explorer``
with the connection flags passed through (``--base-url``, ``--project``, ``--read-only``, ...).
The API key is never on that command line (process lists show command lines): it stays in
this process's environment, which every spawned app inherits; with no key each session runs
the embedded simulator, as the TUI does.

There is no authentication: whoever reaches the port uses the key's jobs. So it binds to
loopback unless ``--host`` says otherwise, and any other host gets a warning. The served apps
draw pages in character cells (``EXTRACT_EXPLORER_GRAPHICS=off``): a browser terminal has
neither Kitty nor Sixel graphics.

``textual-serve`` (and its aiohttp) is imported only when the server starts.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any

from explorer.commands import output
from explorer.commands.base import CommandError, command, new_parser, settings_for

__all__ = [
    "SERVED_ENV",
    "app_command",
    "build_serve_parser",
    "cmd_serve",
    "exposure_warning",
    "is_loopback",
    "public_url",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Set for every spawned app: it is served (graphics.py draws cells, never asks the browser's
#: terminal for Kitty or Sixel).
SERVED_ENV = {"EXTRACT_EXPLORER_GRAPHICS": "off"}
#: Connection flags passed to each spawned app: settings destination -> option (None: a switch).
_PASSED_FLAGS: dict[str, str] = {
    "base_url": "--base-url",
    "project": "--project",
    "organization": "--organization",
    "profile": "--profile",
    "config": "--config",
    "allow_insecure": "--allow-insecure",
    "read_only": "--read-only",
    "seed": "--seed",
    "shape": "--shape",
    "job_seconds": "--job-seconds",
}
_SWITCHES = ("allow_insecure", "read_only")
#: How long a stopping server waits for the sessions' apps to exit.
_STOP_SECONDS = 5.0

EPILOG = """\
Open the printed URL in a browser: each browser tab runs its own explorer. Ctrl-C stops the
server and every session.

There is no authentication. On loopback (the default) only this machine can connect; with
--host 0.0.0.0 anyone who can reach the port uses the API key's jobs (put it behind an SSH
tunnel or an authenticating proxy instead). The key stays in this process's environment and
is never put on a command line. With no LLAMA_CLOUD_API_KEY each session runs the embedded
simulator.
"""


def build_serve_parser() -> argparse.ArgumentParser:
    """The parser of ``extract-explorer serve``."""
    parser = new_parser(
        "serve",
        "Serve the explorer to web browsers (textual-serve): one explorer per browser tab.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL browsers use to reach this server (behind a proxy or tunnel, or with "
        "--host 0.0.0.0); default http://HOST:PORT",
    )
    return parser


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback interface (only this machine can connect)."""
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def exposure_warning(host: str, port: int) -> str | None:
    """The warning for binding ``host``, or None on loopback."""
    if is_loopback(host):
        return None
    return (
        f"serving on {host}:{port}, not loopback: there is no authentication, anyone who can "
        "reach this port can use the API key's jobs (cancel and delete too, unless --read-only)"
    )


def public_url(host: str, port: int, given: str | None = None) -> str:
    """The URL browsers open: ``given`` as it is, else ``http://HOST:PORT``."""
    if given:
        return given.rstrip("/")
    bare = host.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    return f"http://{shown}:{port}"


def app_command(args: argparse.Namespace) -> str:
    """The shell command each browser connection runs: this interpreter, the explorer's TUI,
    and the connection flags that were given (never the key: it is not a flag)."""
    argv = [sys.executable, "-m", "explorer"]
    given = vars(args)
    for dest, option in _PASSED_FLAGS.items():
        value = given.get(dest)
        if value is None or value is False:
            continue
        argv.append(option) if dest in _SWITCHES else argv.extend([option, str(value)])
    return shlex.join(argv)


def _served_server(command_line: str, host: str, port: int, url: str) -> Any:
    """A ``textual_serve`` server that says what it does in our words and closes every
    session's websocket when it stops (so each app quits at once, not at a timeout)."""
    import logging

    from aiohttp import web
    from textual_serve.server import Server

    class ExplorerServer(Server):
        """textual-serve's Server with our start-up lines and a clean stop."""

        def initialize_logging(self) -> None:
            # warnings and errors only: no banner, no access log on the user's terminal
            logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app["sessions"] = set()
            return app

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            task = asyncio.current_task()
            sessions: set[asyncio.Task[Any]] = request.app["sessions"]
            if task is not None:
                sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                if task is not None:
                    sessions.discard(task)

        async def on_startup(self, app: web.Application) -> None:
            output.write_out(f"Serving the explorer on {url}  (open it in a browser)")
            output.write_out("Press Ctrl+C to stop.")
            sys.stdout.flush()

        async def on_shutdown(self, app: web.Application) -> None:
            # each session's handler: cancelling it closes its websocket and tells its app to
            # quit, then waits for the app to exit (textual-serve's AppService.stop)
            sessions = set(app["sessions"])
            for task in sessions:
                task.cancel()
            if sessions:
                await asyncio.wait(sessions, timeout=_STOP_SECONDS)

    return ExplorerServer(
        command_line, host=host, port=port, title="extract-explorer", public_url=url
    )


def _check_port(host: str, port: int) -> None:
    """Fail now, clearly, when ``host:port`` can't be listened on (in use, no such address):
    the server itself would announce the address before it tried."""
    import socket

    try:
        infos = socket.getaddrinfo(host.strip("[]") or None, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
        try:
            probe.bind(address)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


@command
def cmd_serve(argv: Sequence[str]) -> int:
    """``extract-explorer serve``: the TUI in web browsers until Ctrl-C."""
    args = build_serve_parser().parse_args(argv)
    if not 1 <= args.port <= 65535:
        raise CommandError("--port must be 1 to 65535")
    settings = settings_for(args)  # a bad config file or profile fails here, once
    warning = exposure_warning(args.host, args.port)
    if warning:
        output.warn(warning)
    url = public_url(args.host, args.port, args.public_url)
    if args.host.strip("[]") in ("0.0.0.0", "::", "") and not args.public_url:
        # the page tells the browser where its websocket is: a wildcard address is no place
        output.note(
            f"browsers on other machines need --public-url http://THIS-HOST:{args.port} "
            "(the page's websocket address)"
        )
    if settings.demo:
        output.note("no LLAMA_CLOUD_API_KEY: each browser session runs the embedded simulator")
    _check_port(args.host, args.port)  # before "Serving …" is said, which aiohttp says first
    os.environ.update(SERVED_ENV)  # every spawned app inherits it (and the key, if any)
    server = _served_server(app_command(args), args.host, args.port, url)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        server.serve()
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from exc
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    output.note("stopped")
    return 0

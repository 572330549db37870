"""The embedded simulator in a process of its own (what ``extract-explorer`` starts with no key).

The parent opens the listening socket (so it knows the URL at once and requests can queue
before this process is up) and passes it in ``--fd``. Run apart from the app, the simulator
starts on the other core while the app imports Textual, and building a 50,000-row job never
holds the app's interpreter lock. It exits when the parent goes away: its stdin is a pipe from
the parent, and end-of-file there (exit, crash, SSH hang-up) ends it.

The per-run key comes in the environment (``EXPLORER_SIM_KEY``), not the command line, which
other local users can read.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading

KEY_ENV = "EXPLORER_SIM_KEY"


def _exit_with_parent() -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    """Serve on the inherited socket until the parent goes away."""
    parser = argparse.ArgumentParser(prog="python -m explorer.sim.child")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shape", default="current")
    parser.add_argument("--job-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    threading.Thread(target=_exit_with_parent, name="parent-watch", daemon=True).start()
    sock = socket.socket(fileno=args.fd)

    from explorer.sim.config import SimConfig
    from explorer.sim.server import serve_socket

    config = SimConfig(
        seed=args.seed,
        shape=args.shape,
        job_seconds=args.job_seconds,
        api_key=os.environ.pop(KEY_ENV, None),
    )
    serve_socket(config, sock)


if __name__ == "__main__":
    main()

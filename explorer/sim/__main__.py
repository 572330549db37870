"""`python -m explorer.sim`: run the simulator in the foreground."""

from __future__ import annotations

import argparse

from .config import KEY_KINDS, SHAPES, SimConfig
from .server import run_forever


def main(argv: list[str] | None = None) -> None:
    """Parse flags and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m explorer.sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8321)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shape", choices=SHAPES, default="current")
    parser.add_argument("--job-seconds", type=float, default=5.0)
    parser.add_argument("--api-key", default=None, help="accept only this bearer token")
    parser.add_argument("--big-rows", type=int, default=50_000)
    parser.add_argument("--running-jobs", type=int, default=0)
    parser.add_argument("--bulk-jobs", type=int, default=0)
    parser.add_argument("--key-kind", choices=KEY_KINDS, default="user")
    args = parser.parse_args(argv)
    config = SimConfig(
        seed=args.seed,
        shape=args.shape,
        job_seconds=args.job_seconds,
        api_key=args.api_key,
        big_rows=args.big_rows,
        running_jobs=args.running_jobs,
        bulk_jobs=args.bulk_jobs,
        key_kind=args.key_kind,
    )
    run_forever(config, args.host, args.port)


if __name__ == "__main__":
    main()

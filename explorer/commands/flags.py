"""The connection flags every command shares with the TUI, and moving them ahead of a command.

``--base-url``, ``--project``, ``--read-only`` and the rest say where the jobs are and what may
be done to them, whatever the command: they are built here once (for the TUI's parser in
:mod:`explorer.cli` and for each command's in :mod:`explorer.commands.base`), and
:func:`hoist_global_flags` lets them stand before the command word as well as after it
(``extract-explorer --read-only delete JOB``).
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Sequence
from functools import cache

__all__ = ["SETTING_FLAGS", "add_connection_flags", "global_flag_arity", "hoist_global_flags"]

#: The destinations of the connection flags: what settings are built from (a command's own
#: flags such as --json never reach resolve_settings).
SETTING_FLAGS = (
    "base_url",
    "project",
    "organization",
    "profile",
    "config",
    "allow_insecure",
    "seed",
    "shape",
    "job_seconds",
    "read_only",
)


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    """Add the connection flags (and ``--read-only``) to ``parser``, in a group of their own."""
    group = parser.add_argument_group("connection")
    group.add_argument("--base-url", help="API base URL (env LLAMA_CLOUD_BASE_URL)")
    group.add_argument("--project", help="project id (env LLAMA_CLOUD_PROJECT_ID)")
    group.add_argument("--organization", help="organization id (env LLAMA_CLOUD_ORGANIZATION_ID)")
    group.add_argument(
        "--profile", help="profile from the config file (env EXTRACT_EXPLORER_PROFILE)"
    )
    group.add_argument("--config", help="config file path (env EXTRACT_EXPLORER_CONFIG)")
    group.add_argument(
        "--allow-insecure",
        action="store_true",
        default=None,
        help="allow sending the key over plain http:// to a non-loopback host",
    )
    group.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="disable cancel and delete (also: read_only = true in the config file)",
    )
    group.add_argument(
        "--seed", type=int, help="embedded simulator: world seed (used with no API key)"
    )
    group.add_argument(
        "--shape",
        choices=("current", "seed"),
        help="embedded simulator: generation of field names (used with no API key)",
    )
    group.add_argument(
        "--job-seconds", type=float, help="embedded simulator: how long created jobs take"
    )


@cache
def global_flag_arity() -> dict[str, int]:
    """Each connection flag's option string -> how many values follow it (0 or 1)."""
    parser = argparse.ArgumentParser(add_help=False)
    add_connection_flags(parser)
    arity: dict[str, int] = {}
    for action in parser._actions:  # the one way argparse tells what it was given
        for option in action.option_strings:
            arity[option] = 0 if action.nargs == 0 else 1
    return arity


def _known_flag(token: str) -> tuple[str, bool] | None:
    """The connection flag ``token`` names (``--flag``, ``--flag=value`` or a unique
    abbreviation, as argparse allows) and whether its value is attached; None if none."""
    if not token.startswith("--"):
        return None
    name, eq, _ = token.partition("=")
    arity = global_flag_arity()
    if name not in arity:
        candidates = [option for option in arity if option.startswith(name)]
        if len(candidates) != 1:
            return None
        name = candidates[0]
    return name, bool(eq)


def hoist_global_flags(argv: Sequence[str], commands: Collection[str]) -> list[str]:
    """``argv`` with connection flags given before the command word moved after it.

    ``--read-only delete JOB --yes`` becomes ``delete --read-only JOB --yes``. The flags go
    right after the command word, so a ``--`` later on still ends the options. Anything else
    (no command word, or a flag that is not a connection flag before it, such as the TUI's
    ``--refresh`` or ``--help``) leaves ``argv`` as it is, for the TUI's parser to read.
    """
    argv = list(argv)
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in commands:
            return [token, *argv[:i], *argv[i + 1 :]] if i else argv
        known = _known_flag(token)
        if known is None:
            return argv
        name, attached = known
        i += 1 if attached or global_flag_arity()[name] == 0 else 2
    return argv

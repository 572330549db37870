"""Plumbing shared by the commands: parsers, settings, and turning every failure into one line.

A command is a function ``(argv) -> exit status`` wrapped by :func:`command`, which maps
:class:`CommandError`, API errors, config errors, ``--help`` and usage errors, a closed pipe and
anything unexpected to an exit status and at most one line on stderr (never a traceback).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence

from explorer.commands import output
from explorer.commands.flags import SETTING_FLAGS, add_connection_flags
from explorer.settings import ConfigError, Settings, resolve_settings

__all__ = [
    "EXIT_ERROR",
    "CommandError",
    "command",
    "new_parser",
    "settings_for",
]

#: Exit status of "could not do it": bad input, a job not found, no network, refused.
EXIT_ERROR = 2


class CommandError(Exception):
    """A failure the user can act on: ``message`` goes to stderr, ``code`` is the exit status.

    ``details`` are lines printed under the message (already terminal-safe), e.g. the jobs an
    ambiguous id could mean."""

    def __init__(self, message: str, code: int = EXIT_ERROR, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = list(details)


def new_parser(
    name: str, description: str, *, connection: bool = True, epilog: str | None = None
) -> argparse.ArgumentParser:
    """A parser for ``extract-explorer NAME``, with the connection flags unless told otherwise."""
    parser = argparse.ArgumentParser(
        prog=f"{output.PROG} {name}",
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if connection:
        add_connection_flags(parser)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings from the command's flags, the environment and the config file.

    The API key is remembered so no output can ever show it.
    """
    given = vars(args)
    flags = {k: given[k] for k in SETTING_FLAGS if given.get(k) is not None}
    settings = resolve_settings(flags)
    output.add_secret(settings.api_key)
    return settings


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    output.error(str(exc.code))
    return EXIT_ERROR


def command(func: Callable[[Sequence[str]], int]) -> Callable[[Sequence[str]], int]:
    """Wrap a command so that it always returns an exit status and never shows a traceback."""

    @functools.wraps(func)
    def run(argv: Sequence[str]) -> int:
        from explorer.api.errors import ApiError
        from explorer.core.errors import describe_api_error

        try:
            return func(argv)
        except SystemExit as exc:  # --help, usage errors
            return _exit_code(exc)
        except CommandError as exc:
            code = output.error(exc.message, exc.code)
            for line in exc.details:
                output.detail(line)
            return code
        except ApiError as exc:
            return output.error(describe_api_error(exc))
        except ConfigError as exc:
            return output.error(str(exc))
        except BrokenPipeError:
            # the reader went away (`| head`): stop quietly, and keep Python from complaining
            # about the closed pipe when it flushes stdout at exit
            _silence_stdout()
            return 1
        except KeyboardInterrupt:
            return 130
        except RecursionError:
            # JSON past the parsers' depth (from a file, a server, or a value built from one)
            from explorer.core.files import TOO_DEEP

            return output.error(TOO_DEEP)
        except Exception as exc:  # a bug: still one clear line, not a traceback
            from explorer.crash import log_crash

            log_crash(exc, f"{output.PROG} {func.__name__}")
            return output.error(f"internal error ({type(exc).__name__}): {exc}")
        finally:
            output.clear_secrets()

    return run


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def add_json_flag(parser: argparse.ArgumentParser, help_text: str) -> None:
    """The ``--json`` flag of a command."""
    parser.add_argument("--json", action="store_true", help=help_text)


def add_pick_flag(parser: argparse.ArgumentParser) -> None:
    """``--job ID``: which job of a file holding several."""
    parser.add_argument(
        "--job",
        dest="pick",
        metavar="ID",
        help="when FILE holds several jobs, the one to use (an id or a unique prefix)",
    )


def add_job_ref(parser: argparse.ArgumentParser) -> None:
    """The ``JOB|FILE`` argument, and ``--job`` to pick one job of a file holding several."""
    parser.add_argument(
        "ref",
        metavar="JOB|FILE",
        help="a job id (ext-..., a short id or a unique prefix), a job JSON file, or - for stdin",
    )
    add_pick_flag(parser)

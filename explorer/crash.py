"""What a crash leaves behind: one line on stderr, the traceback in the debug log, no key.

Used by the command line (``cli.main``) and the TUI (``tui.run``) alike. The traceback is
redacted with the log (``explorer.core.secrets``); Textual's own crash screen (a traceback with
local variables, which can hold the key) is never printed.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Iterable

from explorer.core import secrets as secret_registry

__all__ = ["EXIT_CRASH", "crash_line", "log_crash"]

#: Exit status of a crash (a bug), as Textual gives an app that died of an exception.
EXIT_CRASH = 1
_KEY_VARIABLES = ("LLAMA_CLOUD_API_KEY", "LLAMA_PARSE_API_KEY")
_MAX_LINE = 300

log = logging.getLogger("explorer.crash")


def _redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` without the key: the given secrets and the key variables are registered first
    (a crash can come before the settings registered them)."""
    for secret in [*secrets, *(os.environ.get(name) for name in _KEY_VARIABLES)]:
        secret_registry.register(secret)
    return secret_registry.redact_log(text)


def crash_line(
    exc: BaseException,
    secrets: Iterable[str | None] = (),
    *,
    logged: bool = False,
    hint: str | None = None,
) -> str:
    """One line saying what crashed, redacted and without control characters; it points at
    the debug log when the traceback went there (``logged``), else at ``hint`` if given."""
    from explorer.core.sanitize import safe_text

    try:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    except Exception:  # an exception whose __str__ fails (a 5,000-digit int in it)
        detail = ""
    what = type(exc).__name__ + (f": {detail}" if detail else "")
    what = safe_text(_redact(what, secrets), _MAX_LINE)
    where = "; the traceback is in the debug log" if logged else f"; {hint}" if hint else ""
    return f"crashed ({what}){where}"


def log_crash(exc: BaseException, context: str, report: str | None = None) -> bool:
    """Write the traceback (or ``report``, what was printed instead of one) to the debug log,
    if one is open; returns whether one is."""
    if not _debug_log_open():
        return False
    text = report
    if text is None:
        try:
            text = "".join(traceback.format_exception(exc))
        except Exception:  # a broken __str__ inside the chain
            text = f"{type(exc).__name__} (its traceback could not be formatted)"
    log.error("%s crashed:\n%s", context, secret_registry.redact_log(text))
    return True


def _debug_log_open() -> bool:
    """Whether ``--debug-log`` is on: its file handler sits on the ``explorer`` logger."""
    handlers = logging.getLogger("explorer").handlers
    return any(isinstance(h, logging.FileHandler) for h in handlers)

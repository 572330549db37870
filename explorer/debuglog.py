"""``--debug-log FILE``: requests, retries and app events, with every secret scrubbed.

Each record is redacted as a whole once formatted (message, traceback and stack included) by
:func:`explorer.core.secrets.redact_log`: every registered secret in any escaped form, and any
``Authorization`` header value, so a debug log can be attached to a bug report as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from explorer.core import secrets
from explorer.settings import ConfigError

#: The loggers the debug log listens to.
LOGGERS = ("explorer", "httpx", "httpcore")


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line has passed through the secret registry."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record (traceback included), secrets redacted."""
        return secrets.redact_log(super().format(record))


def start_debug_log(path: str, extra_secrets: Iterable[str | None] = ()) -> logging.Handler:
    """Send explorer and HTTP logs to ``path`` at DEBUG, secrets redacted.

    ``extra_secrets`` are registered too. A file that cannot be opened is a
    :class:`~explorer.settings.ConfigError` (one line for the user), not a traceback.
    """
    for secret in extra_secrets:
        secrets.register(secret)
    target = Path(path).expanduser()
    try:
        handler = logging.FileHandler(target, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot write the debug log {target}: {reason}") from None
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    return handler


def stop_debug_log(handler: logging.Handler) -> None:
    """Detach and close a handler from :func:`start_debug_log`."""
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(handler)
    handler.close()

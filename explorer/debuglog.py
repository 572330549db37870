"""``--debug-log FILE``: requests, retries and app events, with every secret scrubbed.

The API key is replaced wherever it would appear, and so is any ``Authorization`` header value,
so a debug log can be attached to a bug report as it is.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

_AUTH = re.compile(r"(authorization['\"]?\s*[:=]\s*['\"]?)(bearer\s+)?[^\s'\",}]+", re.I)


class RedactingFilter(logging.Filter):
    """Scrub the key (and any Authorization value) from every record before it is written."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return _AUTH.sub(r"\1<redacted>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.redact(record.getMessage())
        record.msg = message
        record.args = None
        return True


def start_debug_log(path: str, secrets: list[str]) -> logging.Handler:
    """Send explorer and HTTP logs to ``path`` at DEBUG, secrets redacted."""
    handler = logging.FileHandler(Path(path).expanduser(), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    for name in ("explorer", "httpx", "httpcore"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    return handler

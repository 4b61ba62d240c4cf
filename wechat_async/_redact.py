"""Masking of secrets in logs, reprs and exception messages."""

from __future__ import annotations

import logging
import re

_MASK = "***"
# Query-string and JSON spellings of every secret the SDK ever handles.
_SECRET_PATTERN = re.compile(
    r"(?P<key>access_token|secret|appsecret|app_secret|encoding_aes_key|delivery_sign)"
    r"(?P<sep>=|\"?\s*:\s*\"?)(?P<value>[^&\s\"',}]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """Replace the values of secret-named parameters with ``***``.

    >>> redact("https://x/?access_token=abc&a=1")
    'https://x/?access_token=***&a=1'
    """
    if "=" not in text and ":" not in text:
        return text
    return _SECRET_PATTERN.sub(lambda m: f"{m['key']}{m['sep']}{_MASK}", text)


def mask(value: str | None) -> str:
    """Show that a secret is set without showing it: ``'ab***'``."""
    if not value:
        return "<unset>"
    return value[:2] + _MASK


class RedactingFilter(logging.Filter):
    """Rewrites records so a URL with ``access_token=...`` never reaches a handler.

    httpx logs every request URL at INFO, and WeChat puts the token in the query string.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logger's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the filter to the loggers that can see request URLs (idempotent)."""
    for name in ("httpx", "httpcore", "wechat_async"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

"""Masking of secrets in logs, reprs and exception messages.

One function, ``redact``, masks every text the SDK builds from a URL, a response body or an
error: the values of secret-named parameters (``access_token=...``, ``"secret": "..."``) and,
wherever they appear, the secret values this process holds (access tokens, app secrets, push
tokens, AES keys), registered through ``remember_secret``. Log records of the SDK and of the
HTTP libraries under it are masked when they are created, so every handler sees the masked
text: handlers on the root, on child loggers, added before or after the client.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

_MASK = "***"
#: Names of every secret parameter the SDK ever handles (query strings and JSON keys).
SECRET_NAMES = frozenset(
    (
        "access_token",
        "secret",
        "appsecret",
        "app_secret",
        "encoding_aes_key",
        "delivery_sign",
        # a third-party platform's: authorizer_refresh_token, component_verify_ticket, the
        # one-use authorization_code (component_access_token ends in access_token)
        "refresh_token",
        "verify_ticket",
        "authorization_code",
    )
)
_SECRET_PATTERN = re.compile(
    rf"(?P<key>{'|'.join(sorted(SECRET_NAMES, key=len, reverse=True))})"
    r"(?P<sep>=|\"?\s*:\s*\"?)(?P<value>[^&\s\"',}]+)",
    re.IGNORECASE,
)
#: Shorter values are too likely to be ordinary text to be replaced wherever they appear.
_MIN_SECRET_LENGTH = 8
#: Tokens rotate every two hours: remember the recent ones, not all of them forever.
_MAX_SECRETS = 64

_secrets: OrderedDict[str, None] = OrderedDict()
_secrets_lock = threading.Lock()
#: logger names whose records are masked at creation (and their children)
_MASKED_LOGGERS = ("wechat_async", "httpx", "httpcore", "aiohttp", "hpack")


def remember_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears in text the SDK produces from now on."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        _secrets[value] = None
        _secrets.move_to_end(value)
        while len(_secrets) > _MAX_SECRETS:
            _secrets.popitem(last=False)


def redact(text: str) -> str:
    """Replace secret-named parameters' values and every remembered secret with ``***``.

    >>> redact("https://x/?access_token=abc&a=1")
    'https://x/?access_token=***&a=1'
    """
    if "=" in text or ":" in text:
        text = _SECRET_PATTERN.sub(lambda m: f"{m['key']}{m['sep']}{_MASK}", text)
    if _secrets:
        for value in tuple(_secrets):
            if value in text:
                text = text.replace(value, _MASK)
    return text


def redact_data(data: Any) -> Any:
    """A copy of decoded JSON (or a query's mapping) with secret-named keys' values masked
    and ``redact`` applied to every string."""
    if isinstance(data, dict):
        return {
            k: _MASK if str(k).lower() in SECRET_NAMES else redact_data(v) for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact_data(v) for v in data]
    if isinstance(data, str):
        return redact(data)
    return data


def mask(value: str | None) -> str:
    """Show that a secret is set without showing it: ``'ab***'``."""
    if not value:
        return "<unset>"
    return value[:2] + _MASK


def _is_masked_logger(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in _MASKED_LOGGERS)


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken record is the logger's problem, not ours
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg = cleaned
        record.args = None
    if record.exc_info and not record.exc_text:
        # Tracebacks quote exception messages (an httpx error may quote the URL): format
        # them now, masked, so handlers reuse this text instead of formatting their own.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


class _MaskingFactory:
    """Wraps the process's LogRecord factory: records of the SDK's loggers (and the HTTP
    libraries') are masked as they are made, before any filter or handler sees them."""

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        if _is_masked_logger(record.name):
            _redact_record(record)
        return record


_install_lock = threading.Lock()


def install_log_redaction() -> None:
    """Mask the SDK's and the HTTP libraries' log records at creation (idempotent; keeps any
    factory installed before or after, as long as it calls the one it replaced)."""
    with _install_lock:
        factory = logging.getLogRecordFactory()
        probe: Any = factory
        while probe is not None:
            if isinstance(probe, _MaskingFactory):
                return
            probe = getattr(probe, "inner", None)
        logging.setLogRecordFactory(_MaskingFactory(factory))

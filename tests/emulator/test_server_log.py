"""The in-process server's log: uvicorn logs every exception of an app with its traceback;
what the emulator means to happen is kept out, real errors stay."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest

from wechat_async.testing._app import DroppedConnection
from wechat_async.testing._serve import _DELIBERATE_DROPS


def _record(exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord(
        "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application", (), exc_info
    )


@pytest.mark.parametrize(
    "exc",
    [DroppedConnection("dropped"), asyncio.CancelledError()],
    ids=["an injected drop", "a request cancelled with the event loop (Ctrl-C)"],
)
def test_what_the_emulator_means_is_not_logged(exc: BaseException) -> None:
    assert not _DELIBERATE_DROPS.filter(_record(exc))


@pytest.mark.parametrize("exc", [RuntimeError("a bug"), KeyError("x"), ValueError("bad")])
def test_an_apps_real_error_is_logged(exc: BaseException) -> None:
    assert _DELIBERATE_DROPS.filter(_record(exc))

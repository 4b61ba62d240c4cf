"""What every transport shares: the send protocol, its values, and how a failure is classified.

A transport does one HTTP exchange and nothing else: no retries, tokens, deadlines or JSON.
Its failures arrive already classified (``Failure``), so the retry loop above never looks at a
library's exception types::

    response = await transport.send("POST", url, headers, body, timeouts)
"""

from __future__ import annotations

import asyncio
import enum
import select
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs
import httpx

from .. import _config
from .._errors import ClientClosedError, ConfigurationError

__all__ = [
    "Failure",
    "PoolGuard",
    "SendError",
    "Timeouts",
    "Transport",
    "TransportResponse",
    "closed_by_peer",
    "on_asyncio",
]


class Failure(enum.Enum):
    """What a failed attempt tells us about whether WeChat acted on it."""

    NEVER_SENT = "never_sent"  # retry on every endpoint
    AMBIGUOUS = "ambiguous"  # may have been applied: retry idempotent endpoints only
    TOKEN = "token"  # bad token: invalidate, replay with a new one, outside the retry count
    SLOW_DOWN = "slow_down"  # 45011, per-minute frequency limit: wait for the minute to turn
    FATAL = "fatal"  # business error, quota, carrier error: never retried


@attrs.frozen
class Timeouts:
    """Per-attempt limits in seconds (None: no limit). The call's deadline bounds them all."""

    connect: float | None = _config.DEFAULT_CONNECT_TIMEOUT
    read: float | None = _config.DEFAULT_READ_TIMEOUT
    write: float | None = _config.DEFAULT_READ_TIMEOUT
    pool: float | None = _config.DEFAULT_READ_TIMEOUT

    @classmethod
    def from_value(cls, value: float | httpx.Timeout | Timeouts | None) -> Timeouts:
        if value is None:
            return cls()
        if isinstance(value, Timeouts):
            return value
        if isinstance(value, httpx.Timeout):
            return cls(connect=value.connect, read=value.read, write=value.write, pool=value.pool)
        return cls(connect=value, read=value, write=value, pool=value)


@attrs.frozen
class TransportResponse:
    """One HTTP response, read whole. Header names are lower-case."""

    status: int
    headers: Mapping[str, str]
    content: bytes


class SendError(Exception):
    """An exchange that failed, classified: ``Failure.NEVER_SENT`` (safe to retry anywhere)
    or ``Failure.AMBIGUOUS`` (WeChat may have acted on it)."""

    def __init__(self, failure: Failure, message: str) -> None:
        self.failure = failure
        super().__init__(message)


@runtime_checkable
class Transport(Protocol):
    """What ``WeChatClient(transport=...)`` takes."""

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeouts: Timeouts,
    ) -> TransportResponse:
        """One exchange; raises ``SendError`` for every failure to get a response."""
        ...

    async def aclose(self) -> None: ...


def on_asyncio() -> bool:
    """True inside an asyncio event loop (False under trio)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _Socket(Protocol):
    def fileno(self) -> int: ...


def closed_by_peer(sock: _Socket | None) -> bool:
    """True if an idle connection's socket has something to read: between an HTTP/1.1 reply
    and the next request that is the server's FIN or reset (anything else would be a reply to
    no request: as unusable). A request written after it never reaches the server."""
    if sock is None:
        return False
    fd = sock.fileno()
    if fd < 0:
        return True
    if hasattr(select, "poll"):  # select() refuses descriptors past FD_SETSIZE
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


def _current_loop() -> object:
    """The running event loop: asyncio's loop, or the token of trio's run."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        import trio  # anyio's only other backend

        return trio.lowlevel.current_trio_token()


class PoolGuard:
    """Refuses a connection pool's use after ``aclose()``, and from any event loop but the one
    it was first used in: its sockets and waiters belong to that loop, where another loop's
    library raises a bare ``RuntimeError`` or waits for ever."""

    __slots__ = ("_loop", "_owner", "closed")

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._loop: object = None
        self.closed = False

    def check_open(self) -> None:
        if self.closed:
            raise ClientClosedError(f"this {self._owner} is closed (aclose() was called)")

    def check(self) -> None:
        """Open, and in the event loop of its first use (which this binds it to)."""
        self.check_open()
        loop = _current_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise ConfigurationError(
                f"this {self._owner} was first used in another event loop, which its "
                "connections belong to: make one client per event loop (each asyncio.run() "
                "or trio.run() is a new loop)"
            )

    def close(self) -> bool:
        """Mark closed; True the first time (then close the pool, here in its own loop)."""
        if self.closed:
            return False
        if self._loop is not None and _current_loop() is not self._loop:
            raise ConfigurationError(
                f"this {self._owner} must be closed in the event loop that used it"
            )
        self.closed = True
        return True

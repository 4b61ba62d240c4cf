"""The aiohttp send layer: the fast default on asyncio (``pip install 'wechat-async[fast]'``).

>>> WeChatClient(appid, secret, transport="aiohttp")  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Mapping
from typing import Any

import aiohttp
from yarl import URL

from .._config import DEFAULT_MAX_CONNECTIONS, KEEPALIVE_EXPIRY
from .._errors import ClientClosedError, ConfigurationError
from ._base import (
    Failure,
    PoolGuard,
    SendError,
    Timeouts,
    TransportResponse,
    closed_by_peer,
    on_asyncio,
)

__all__ = ["AiohttpTransport"]

# Connect-phase failures (DNS, refused, TLS, no pool slot in time) never reached WeChat.
_NEVER_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
)
_AMBIGUOUS: tuple[type[BaseException], ...] = (aiohttp.ClientError, asyncio.TimeoutError)


class AiohttpTransport:
    """Sends through an ``aiohttp.ClientSession``: the user's own, or one made on first use
    (a session belongs to the event loop it was made in).

    A session made here reuses a connection only ``keepalive_expiry`` seconds, and hands out
    no pooled connection its server has closed meanwhile (your own session keeps its settings).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        keepalive_expiry: float = KEEPALIVE_EXPIRY,
    ) -> None:
        self._session = session
        self._owns = session is None
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._guard = PoolGuard("aiohttp transport")
        # The last URL and timeouts, converted: a sync sends one URL page after page.
        self._url: tuple[str, URL] = ("", URL())
        self._timeouts: tuple[Timeouts | None, aiohttp.ClientTimeout | None] = (None, None)

    def __repr__(self) -> str:
        return f"AiohttpTransport(owns_session={self._owns})"

    def _open(self) -> aiohttp.ClientSession:
        if not on_asyncio():
            raise ConfigurationError("aiohttp runs on asyncio only: use transport='httpx' on trio")
        connector = _CheckedConnector(
            limit=self._max_connections,
            ttl_dns_cache=300,
            keepalive_timeout=self._keepalive_expiry,
        )
        # No cookie jar: WeChat's API sets none, and a jar costs a lookup per request.
        self._session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar()
        )
        return self._session

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeouts: Timeouts,
    ) -> TransportResponse:
        self._guard.check()
        session = self._session or self._open()
        if session.closed:  # a session of the user's, closed by them
            raise ClientClosedError("the aiohttp session of this transport is closed")
        if url != self._url[0]:
            self._url = (url, URL(url, encoded=True))  # already encoded: no second quoting
        if timeouts is not self._timeouts[0]:
            self._timeouts = (timeouts, _client_timeout(timeouts))
        try:
            async with session.request(
                method,
                self._url[1],
                data=body,
                headers=headers,
                timeout=self._timeouts[1],
                allow_redirects=False,
            ) as response:
                content = await response.read()
                return TransportResponse(response.status, response.headers, content)
        except _NEVER_SENT as exc:
            raise SendError(Failure.NEVER_SENT, _describe(exc)) from None
        except _AMBIGUOUS as exc:
            raise SendError(Failure.AMBIGUOUS, _describe(exc)) from None

    async def aclose(self) -> None:
        if self._guard.close() and self._owns and self._session is not None:
            await self._session.close()


class _CheckedConnector(aiohttp.TCPConnector):
    """Hands out no pooled connection whose server has closed it.

    aiohttp sees a server's FIN only when the event loop next reads the socket; a request
    taken from the pool before then went out on a closed connection and failed as if it might
    have been applied. The socket is checked as the connection leaves the pool: one with the
    FIN or reset already there is dropped, and the request takes another or a new one.
    (Before Python 3.12 aiohttp writes a body one event-loop turn after this check: a close
    landing in that turn still fails as ambiguous. Rare: connections are dropped well before
    servers close them.)
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        #: transports that have carried a request: handed out again, they come from the pool
        self._carried: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()

    async def connect(self, req: Any, traces: Any, timeout: Any) -> aiohttp.connector.Connection:
        # Ends: each turn drops one pooled connection; a new one is handed out unchecked.
        while True:
            conn = await super().connect(req, traces, timeout)
            transport = conn.transport
            if transport is None:
                return conn
            try:
                if transport not in self._carried:
                    self._carried.add(transport)
                    return conn  # new: not idle yet (and TLS may still be finishing its handshake)
            except TypeError:  # a loop whose transports take no weak reference
                return conn
            if not closed_by_peer(transport.get_extra_info("socket")):
                return conn
            conn.close()


@functools.lru_cache(maxsize=32)  # a client has a few settings: convert each once
def _client_timeout(timeouts: Timeouts) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None,
        connect=_sum(timeouts.pool, timeouts.connect),
        sock_connect=timeouts.connect,
        sock_read=timeouts.read,
    )


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _describe(exc: BaseException) -> str:
    # TransportError masks secrets in this text (aiohttp's messages may quote the URL).
    return f"{type(exc).__name__}: {exc}"

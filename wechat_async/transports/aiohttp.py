"""The aiohttp send layer: the fast default on asyncio (``pip install 'wechat-async[fast]'``).

>>> WeChatClient(appid, secret, transport="aiohttp")  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping

import aiohttp
from yarl import URL

from .._config import DEFAULT_MAX_CONNECTIONS
from .._errors import ClientClosedError, ConfigurationError
from .._retry import Failure
from .._transport import PoolGuard, SendError, Timeouts, TransportResponse, on_asyncio

__all__ = ["AiohttpTransport"]

# Connect-phase failures (DNS, refused, TLS, no pool slot in time) never reached WeChat.
_NEVER_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
)
_AMBIGUOUS: tuple[type[BaseException], ...] = (aiohttp.ClientError, asyncio.TimeoutError)


class AiohttpTransport:
    """Sends through an ``aiohttp.ClientSession``: the user's own, or one made on first use
    (a session belongs to the event loop it was made in)."""

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self._session = session
        self._owns = session is None
        self._max_connections = max_connections
        self._guard = PoolGuard("aiohttp transport")

    def __repr__(self) -> str:
        return f"AiohttpTransport(owns_session={self._owns})"

    def _open(self) -> aiohttp.ClientSession:
        if not on_asyncio():
            raise ConfigurationError("aiohttp runs on asyncio only: use transport='httpx' on trio")
        connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
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
        try:
            async with session.request(
                method,
                URL(url, encoded=True),  # already encoded once: no second quoting pass
                data=body,
                headers=headers,
                timeout=_client_timeout(timeouts),
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

"""The httpx transport: always available (asyncio and trio, respx, your own
``httpx.AsyncClient``)."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Iterable, Mapping
from typing import Any

import anyio
import httpcore
import httpx

from .. import _config
from .._errors import ClientClosedError
from ._base import (
    Failure,
    PoolGuard,
    SendError,
    Timeouts,
    TransportResponse,
    closed_by_peer,
)

__all__ = ["HttpxTransport", "classify_httpx"]


# Order matters: subclasses before their bases (ConnectTimeout is a TimeoutException).
_HTTPX_FAILURES: tuple[tuple[type[BaseException], Failure], ...] = (
    (httpx.ConnectTimeout, Failure.NEVER_SENT),
    (httpx.PoolTimeout, Failure.NEVER_SENT),
    (httpx.ConnectError, Failure.NEVER_SENT),
    (httpx.UnsupportedProtocol, Failure.NEVER_SENT),
    (httpx.TransportError, Failure.AMBIGUOUS),
)


def classify_httpx(exc: httpx.TransportError) -> Failure:
    for exc_type, failure in _HTTPX_FAILURES:
        if isinstance(exc, exc_type):
            return failure
    return Failure.AMBIGUOUS


#: Connections per ``httpx.AsyncClient`` this transport makes: on every request httpcore's pool
#: scans its connections, and for each idle one all of them again, so one pool of 20 spent a
#: fifth of a sync's CPU there; pools of 5 (as many as needed) keep each scan short.
_LANE = 5


class HttpxTransport:
    """Sends through an ``httpx.AsyncClient``: the user's own, or clients this transport owns.

    At most ``max_connections`` requests are handed to httpx at once (by default 20 on the
    clients made here, as many as your own client's pool has connections); the rest wait in a
    first-come queue here. httpcore's pool rescans every waiting request on each change, so
    thousands of waiters there stall the event loop (and every deadline with it); here each
    waiter costs the same however many there are. The connections it makes are spread over
    clients of at most five (``_LANE``): httpcore's pool does work per request that grows with
    the square of its connections.

    A client this transport makes reuses a connection only ``keepalive_expiry`` seconds, and
    checks it just before writing a request on it: one the server has closed meanwhile is
    replaced, the request never sent on it (your own client keeps httpx's settings and checks).
    """

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        max_connections: int | None = None,
        keepalive_expiry: float = _config.KEEPALIVE_EXPIRY,
    ) -> None:
        self._owns = client is None
        if client is None:
            max_connections = max_connections or _config.HTTPX_MAX_CONNECTIONS
            sizes = [_LANE] * (max_connections // _LANE)
            if max_connections % _LANE:
                sizes.append(max_connections % _LANE)
            lanes = [_owned_client(size, keepalive_expiry) for size in sizes]
        else:
            max_connections = max_connections or _pool_size(client)
            lanes, sizes = [client], [max_connections or 0]
        self._client = lanes[0]
        #: the clients sent through, how many requests each may carry, and carries
        self._lanes = lanes
        self._sizes = sizes
        self._busy = [0] * len(lanes)
        #: None for a client without httpcore's pool (respx, a mock): it queues nothing
        self._slots = (
            None if max_connections is None else anyio.Semaphore(max_connections, fast_acquire=True)
        )
        self._guard = PoolGuard("httpx transport")
        # The last URL and timeouts, converted: a sync sends one URL page after page, and
        # httpx parses a URL given as text anew on every request.
        self._url: tuple[str, httpx.URL] = ("", httpx.URL())
        self._timeout: tuple[Timeouts | None, httpx.Timeout] = (None, httpx.Timeout(None))

    @property
    def client(self) -> httpx.AsyncClient:
        """The client sent through (the first of those made here)."""
        return self._client

    def __repr__(self) -> str:
        return f"HttpxTransport(owns_client={self._owns})"

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeouts: Timeouts,
    ) -> TransportResponse:
        self._guard.check()
        if self._client.is_closed:  # a client of the user's, closed by them
            raise ClientClosedError("the httpx client of this transport is closed")
        slots = self._slots
        if slots is not None:
            await _take_slot(slots, timeouts.pool)
        # A slot taken, a client with a free connection exists: the first one (it keeps the
        # connections a light load needs warm).
        lane = 0
        busy, sizes = self._busy, self._sizes
        while lane < len(busy) - 1 and busy[lane] >= sizes[lane]:
            lane += 1
        client = self._lanes[lane]
        busy[lane] += 1
        if url != self._url[0]:
            self._url = (url, httpx.URL(url))
        if timeouts is not self._timeout[0]:
            self._timeout = (timeouts, _httpx_timeout(timeouts))
        try:
            request = client.build_request(
                method, self._url[1], content=body, headers=headers, timeout=self._timeout[1]
            )
            if body is not None:
                request.stream = _Body(body)
            response = await client.send(request)
        except httpx.TransportError as exc:
            raise SendError(classify_httpx(exc), f"{type(exc).__name__}: {exc}") from None
        finally:
            busy[lane] -= 1
            if slots is not None:
                slots.release()
        return TransportResponse(response.status_code, response.headers, response.content)

    async def aclose(self) -> None:
        if self._guard.close() and self._owns:
            for client in self._lanes:
                await client.aclose()


def _owned_client(connections: int, keepalive_expiry: float) -> httpx.AsyncClient:
    # Every connection may stay idle in the pool: httpcore closes an idle connection as soon
    # as the pool holds more than max_keepalive_connections of any kind, so a lower number
    # churns connections under load.
    client = httpx.AsyncClient(
        limits=httpx.Limits(
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=keepalive_expiry,
        ),
        verify=_ssl_context(),
    )
    _check_reused_connections(client)
    return client


async def _take_slot(slots: anyio.Semaphore, wait: float | None) -> None:
    try:
        slots.acquire_nowait()  # a free slot: no timer to set up (fast_acquire: no yield)
    except anyio.WouldBlock:
        pass
    else:
        return
    try:
        with anyio.fail_after(wait):
            await slots.acquire()
    except TimeoutError:
        raise SendError(
            Failure.NEVER_SENT, f"PoolTimeout: no free connection within {wait:g} s"
        ) from None


@functools.cache
def _ssl_context() -> ssl.SSLContext | bool:
    """One TLS context for every client made here (loading the CA bundle costs ~20 ms a
    client), made as httpx makes its default one; True (httpx's own) where httpx is too old to
    make it for us."""
    create = getattr(httpx, "create_ssl_context", None)
    return create() if create is not None else True


def _httpcore_pool(client: httpx.AsyncClient) -> httpcore.AsyncConnectionPool | None:
    """The pool of a client's default transport (httpx keeps it private), if httpcore's."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    return pool if isinstance(pool, httpcore.AsyncConnectionPool) else None


def _pool_size(client: httpx.AsyncClient) -> int | None:
    pool = _httpcore_pool(client)
    size = getattr(pool, "_max_connections", None)
    return size if isinstance(size, int) else None


def _check_reused_connections(client: httpx.AsyncClient) -> None:
    """Give the pool of a client made here streams that check a reused connection before a
    request is written on it. httpx takes no network backend: this wraps the one its default
    pool (httpcore's) was given; proxies from the environment keep theirs."""
    pool = _httpcore_pool(client)
    if pool is not None:
        pool._network_backend = _CheckedBackend(pool._network_backend)


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _CheckedStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(path, timeout, socket_options)
        return _CheckedStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _CheckedStream(httpcore.AsyncNetworkStream):
    """A connection that refuses to carry a new request once its server has closed it.

    httpcore checks an idle connection when it assigns it, and writes a few event-loop turns
    later; a FIN landing in between made a request that never reached the server look as if
    it might have been applied. Checked again here, at the first write after a reply, the
    connection is given up with ``ConnectionNotAvailable`` and httpcore's pool sends the
    request on another one.
    """

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._reused = False  # a reply was read: the next write starts another request
        # Asked for once: httpcore asks "is_readable" of every idle connection each time it
        # assigns a request, and anyio builds its attribute table anew on every question.
        self._socket = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        data = await self._stream.read(max_bytes, timeout)
        self._reused = True
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if self._reused:
            self._reused = False
            if closed_by_peer(self._socket):
                raise httpcore.ConnectionNotAvailable()
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _CheckedStream(stream)

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            return self._socket
        if info == "is_readable":
            # As httpcore reads it: no socket is as good as closed.
            return self._socket is None or closed_by_peer(self._socket)
        return self._stream.get_extra_info(info)


@functools.lru_cache(maxsize=32)  # a client has a few settings: convert each once
def _httpx_timeout(timeouts: Timeouts) -> httpx.Timeout:
    return httpx.Timeout(
        connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
    )


class _Body(httpx.AsyncByteStream):
    """A request body sent as one chunk by a plain iterator. httpx's own is an async
    generator, which trio reports (ResourceWarning) when a request is cancelled mid-send,
    e.g. when a task group cancels its other fetches (encode/httpx#3686)."""

    def __init__(self, content: bytes) -> None:
        self._content = content
        self._sent = False

    def __aiter__(self) -> _Body:
        self._sent = False
        return self

    async def __anext__(self) -> bytes:
        if self._sent:
            raise StopAsyncIteration
        self._sent = True
        return self._content

"""An ASGI app around a CallbackRouter: serve it with any ASGI server, or route it in a
framework with ``wechat_async.integrations``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

from ._http import MAX_BODY, TOO_LARGE, answer, declared_over
from ._replies import JSON, TEXT, XML
from ._router import CallbackRouter

__all__ = ["CallbackApp"]


class _Disconnected(Exception):
    """The client went away before the whole body arrived."""


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class CallbackApp:
    """``uvicorn module:app`` with ``app = CallbackApp(router)``: answers every path it is
    given. In Starlette or FastAPI route it with ``wechat_async.integrations.starlette`` (a
    ``Mount`` answers the bare path with a 307 redirect, which WeChat does not follow)."""

    def __init__(self, router: CallbackRouter, *, max_body: int = MAX_BODY) -> None:
        self.router = router
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1003})
            return
        if scope["type"] != "http":
            return
        headers = _wanted_headers(scope["headers"])
        if declared_over(headers.get("content-length"), self.max_body):
            # Answered unread, so the connection cannot carry another request: say so, or
            # the client may send its next one on a connection the server is closing.
            unread = {**TOO_LARGE.headers, "connection": "close"}
            await _respond(send, TOO_LARGE.status, unread, TOO_LARGE.body)
            return
        try:
            body = await self._read_body(receive)
        except _Disconnected:
            return  # half a push is no push; WeChat will retry it
        reply = await answer(
            self.router, scope["method"], scope.get("query_string", b""), headers, body
        )
        await _respond(send, reply.status, reply.headers, reply.body)

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The request body, or None when it is over ``max_body``."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                chunks.clear()  # keep draining without keeping: memory stays flat
            else:
                chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks) if size <= self.max_body else None


# What the router reads of a request's headers (the last of each, whatever its case).
_WANTED = frozenset({b"content-length", b"content-type"})


def _wanted_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    wanted = {}
    for name, value in raw:
        name = name.lower()
        if name in _WANTED:
            wanted[name.decode("latin-1")] = value.decode("latin-1")
    return wanted


def _raw(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in dict(headers).items()]


# Nearly every reply carries one of the shared header mappings of ``_replies``: encoded once.
_ENCODED = {id(headers): (headers, _raw(headers)) for headers in (TEXT, XML, JSON)}


def _encoded(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    known = _ENCODED.get(id(headers))
    return known[1] if known is not None and known[0] is headers else _raw(headers)


async def _respond(send: Send, status: int, headers: Mapping[str, str], body: bytes) -> None:
    raw_headers = [*_encoded(headers), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

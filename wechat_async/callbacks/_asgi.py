"""An ASGI app around a CallbackRouter: serve it with uvicorn or mount it in Starlette/FastAPI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from ._parse import MAX_BODY
from ._router import CallbackRouter

__all__ = ["CallbackApp"]


class _Disconnected(Exception):
    """The client went away before the whole body arrived."""


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class CallbackApp:
    """``uvicorn module:app`` with ``app = CallbackApp(router)``, or
    ``starlette_app.mount("/wechat/push", CallbackApp(router))``."""

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
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_body:
            # Refused before reading: a 10 MB body never reaches memory.
            await _respond(send, 413, {"content-type": "text/plain"}, b"push too large")
            return
        try:
            body = await self._read_body(receive)
        except _Disconnected:
            return  # half a push is no push; WeChat will retry it
        if body is None:
            await _respond(send, 413, {"content-type": "text/plain"}, b"push too large")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        reply = await self.router.handle(scope["method"], query, body, headers)
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


async def _respond(send: Send, status: int, headers: Any, body: bytes) -> None:
    raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in dict(headers).items()]
    raw_headers.append((b"content-length", str(len(body)).encode()))
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

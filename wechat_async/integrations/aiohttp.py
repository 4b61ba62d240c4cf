"""Pushes in an aiohttp.web app (``pip install 'wechat-async[aiohttp]'``)::

    app.add_subapp("/wechat/push", callback_subapp(router))

answers ``/wechat/push`` and ``/wechat/push/``; or route the handler yourself, at every path
WeChat may be given: ``app.router.add_route("*", "/wechat/push", callback_handler(router))``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

try:
    from aiohttp import StreamReader, web
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "wechat_async.integrations.aiohttp needs the aiohttp extra: "
        "pip install 'wechat-async[aiohttp]'"
    ) from exc

from ..callbacks import CallbackRouter
from ..callbacks._http import MAX_BODY, TOO_LARGE, answer, declared_over

__all__ = ["callback_handler", "callback_subapp"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def callback_handler(router: CallbackRouter, *, max_body: int = MAX_BODY) -> Handler:
    """An aiohttp handler giving each request to ``router`` and its reply back verbatim;
    route it for every method (``"*"``): the router answers 405 to all but GET and POST."""

    async def handle(request: web.Request) -> web.StreamResponse:
        if declared_over(request.headers.get("Content-Length"), max_body):
            reply = TOO_LARGE
        else:
            body = await _read(request.content, max_body)
            # raw: the router decodes the query once, as from every other server
            query = request.rel_url.raw_query_string
            reply = await answer(router, request.method, query, request.headers.items(), body)
        return web.Response(status=reply.status, headers=reply.headers, body=reply.body)

    return handle


def callback_subapp(router: CallbackRouter, *, max_body: int = MAX_BODY) -> web.Application:
    """A sub-application answering pushes at the prefix it is added under, with and without
    a trailing slash (``app.add_subapp(prefix, callback_subapp(router))``)."""
    app = web.Application()
    handler = callback_handler(router, max_body=max_body)
    app.router.add_route("*", "", handler)  # the prefix itself, as WeChat is given it
    app.router.add_route("*", "/", handler)
    return app


async def _read(stream: StreamReader, max_body: int) -> bytes | None:
    """The body, or None when it is over ``max_body`` (read to its end, not kept)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream.iter_any():
        size += len(chunk)
        if size <= max_body:
            chunks.append(chunk)
    return b"".join(chunks) if size <= max_body else None

"""Pushes in a Flask app (``pip install 'wechat-async[flask]'``, Flask's async views)::

    app.register_blueprint(callback_blueprint(router, "/wechat/push"))

answers ``/wechat/push`` and ``/wechat/push/`` each by its own rule, so neither gets
Werkzeug's 308 slash redirect, which WeChat does not follow. Flask runs each async view in an
event loop of its own, in its request's thread; the router's in-memory dedupe store is
thread-safe, and several processes need a shared ``dedupe=`` store, as with any server.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import IO, Any

try:
    from flask import Blueprint, Response, request
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "wechat_async.integrations.flask needs the flask extra: pip install 'wechat-async[flask]'"
    ) from exc

from ..callbacks import CallbackRouter
from ..callbacks._http import MAX_BODY, TOO_LARGE, answer, declared_over
from ._paths import push_paths

__all__ = ["callback_blueprint", "callback_view"]

View = Callable[[], Coroutine[Any, Any, Response]]
#: What WeChat sends; Flask itself answers 405 to the rest.
METHODS = ["GET", "POST"]
_CHUNK = 64 * 1024


def callback_view(router: CallbackRouter, *, max_body: int = MAX_BODY) -> View:
    """An async view giving each request to ``router`` and its reply back verbatim; route it
    with ``methods=["GET", "POST"]`` at the path and at the path with a trailing slash."""

    async def view() -> Response:
        if declared_over(request.headers.get("Content-Length"), max_body):
            reply = TOO_LARGE
        else:
            body = _read(request.stream, max_body)
            reply = await answer(
                router, request.method, request.query_string, request.headers.items(), body
            )
        return Response(reply.body, status=reply.status, headers=dict(reply.headers))

    return view


def callback_blueprint(
    router: CallbackRouter, path: str, *, max_body: int = MAX_BODY, name: str = "wechat_push"
) -> Blueprint:
    """A blueprint answering pushes at ``path`` and ``path + "/"``
    (``url_for("wechat_push.push")`` gives the first)."""
    blueprint = Blueprint(name, __name__)
    view = callback_view(router, max_body=max_body)
    for rule in push_paths(path):
        blueprint.add_url_rule(rule, "push", view, methods=METHODS)
    return blueprint


def _read(stream: IO[bytes], max_body: int) -> bytes | None:
    """The body, or None when it is over ``max_body`` (read to its end, not kept)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size <= max_body:
            chunks.append(chunk)
    return b"".join(chunks) if size <= max_body else None

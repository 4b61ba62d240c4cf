"""Pushes in a Django project (``pip install 'wechat-async[django]'``), served by an ASGI
server (``uvicorn myproject.asgi:application``) so the router runs on one event loop::

    urlpatterns = [callback_path(router, "wechat/push"), ...]

answers ``/wechat/push`` and ``/wechat/push/`` itself: neither reaches ``APPEND_SLASH``,
whose 301 WeChat does not follow. The view is exempt from CSRF (pushes are signed instead).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

try:
    from django.http import HttpRequest, HttpResponse
    from django.urls import URLPattern, re_path
    from django.views.decorators.csrf import csrf_exempt
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "wechat_async.integrations.django needs the django extra: "
        "pip install 'wechat-async[django]'"
    ) from exc

from ..callbacks import CallbackRouter
from ..callbacks._http import MAX_BODY, TOO_LARGE, answer, declared_over

__all__ = ["callback_path", "callback_view"]

View = Callable[[HttpRequest], Coroutine[Any, Any, HttpResponse]]


def callback_view(router: CallbackRouter, *, max_body: int = MAX_BODY) -> View:
    """An async view giving each request to ``router`` and its reply back verbatim (every
    method: the router answers 405 to all but GET and POST)."""

    @csrf_exempt
    async def view(request: HttpRequest) -> HttpResponse:
        if declared_over(request.META.get("CONTENT_LENGTH"), max_body):
            reply = TOO_LARGE
        else:
            body = request.read(max_body + 1)  # the ASGI handler has received it already
            reply = await answer(
                router,
                request.method or "GET",
                request.META.get("QUERY_STRING", ""),
                request.headers.items(),
                body if len(body) <= max_body else None,
            )
        response = HttpResponse(reply.body, status=reply.status, headers=dict(reply.headers))
        response["Content-Length"] = str(len(reply.body))
        return response

    return view


def callback_path(
    router: CallbackRouter, route: str, *, max_body: int = MAX_BODY, name: str = "wechat_push"
) -> URLPattern:
    """A URL pattern for ``urlpatterns`` (or an ``include``) matching ``route`` (as in
    ``path()``: ``"wechat/push"``) with and without a trailing slash."""
    bare = re.escape(route.strip("/"))
    pattern = rf"^{bare}/?\Z" if bare else r"^\Z"
    return re_path(pattern, callback_view(router, max_body=max_body), name=name)

"""Pushes in a Starlette app (``pip install 'wechat-async[starlette]'``)::

    app = Starlette(routes=[*callback_routes(router, "/wechat/push"), ...])
    # or, on an app that exists: app.router.routes.extend(callback_routes(router, "/wechat/push"))

Routes, not a ``Mount``: a mount at ``/wechat/push`` matches only ``/wechat/push/...``, so
Starlette answers the bare path with a 307 redirect to ``/wechat/push/``, and WeChat does not
follow redirects.
"""

from __future__ import annotations

try:
    from starlette.routing import Route
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "wechat_async.integrations.starlette needs the starlette extra: "
        "pip install 'wechat-async[starlette]'"
    ) from exc

from ..callbacks import CallbackApp, CallbackRouter
from ..callbacks._http import MAX_BODY
from ._paths import push_paths

__all__ = ["callback_routes"]


def callback_routes(
    router: CallbackRouter, path: str, *, max_body: int = MAX_BODY, name: str = "wechat_push"
) -> list[Route]:
    """Two routes serving ``router`` (as a ``CallbackApp``): ``path`` and ``path + "/"``, every
    method (the router answers 405 to all but GET and POST)."""
    app = CallbackApp(router, max_body=max_body)
    return [Route(p, app, name=name, include_in_schema=False) for p in push_paths(path)]

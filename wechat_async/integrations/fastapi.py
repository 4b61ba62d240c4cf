"""Pushes in a FastAPI app (``pip install 'wechat-async[fastapi]'``)::

    app.include_router(callback_api_router(router, "/wechat/push"))

The push URL is answered at its exact path and with a trailing slash, never redirected (a
``Mount`` would answer the bare path 307, which WeChat does not follow); it stays out of the
OpenAPI schema.
"""

from __future__ import annotations

try:
    from fastapi import APIRouter
    from starlette.routing import BaseRoute
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "wechat_async.integrations.fastapi needs the fastapi extra: "
        "pip install 'wechat-async[fastapi]'"
    ) from exc

from ..callbacks import CallbackRouter
from ..callbacks._http import MAX_BODY
from .starlette import callback_routes

__all__ = ["callback_api_router"]


def callback_api_router(
    router: CallbackRouter, path: str, *, max_body: int = MAX_BODY, name: str = "wechat_push"
) -> APIRouter:
    """An ``APIRouter`` answering pushes at ``path`` and ``path + "/"``."""
    routes: list[BaseRoute] = [*callback_routes(router, path, max_body=max_body, name=name)]
    return APIRouter(routes=routes)

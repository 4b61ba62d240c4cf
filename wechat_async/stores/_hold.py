"""Keeping an owned hold (a push claim, a token refresh lock) while work runs under it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio

from .._errors import StoreError, StoreUnavailableError

__all__ = ["keep_held"]

logger = logging.getLogger("wechat_async.stores")


async def keep_held(renew: Callable[[], Awaitable[bool]], ttl: float, what: str) -> str:
    """Renew a hold of ``ttl`` seconds every third of it, for as long as it is held; return
    why it was lost: ``"taken over"`` (renew said no), not renewed before it would lapse (the
    store unreachable or too slow), or refused by the store. Run it beside the work and
    cancel it when done.

    >>> await keep_held(lambda: store.renew(ticket, 60), 60, "push claim")  # doctest: +SKIP
    """
    held_until = anyio.current_time() + ttl
    while True:
        await anyio.sleep(ttl / 3)
        asked_at = anyio.current_time()
        with anyio.move_on_after(held_until - asked_at):
            try:
                if await renew():
                    held_until = asked_at + ttl
                    continue
                return "taken over"
            except StoreUnavailableError as exc:
                if anyio.current_time() + ttl / 3 < held_until:
                    logger.warning("%s not renewed, retrying: %s", what, exc)
                    continue
                return f"not renewed: {exc}"
            except StoreError as exc:  # refused credentials, an unexpected reply
                return f"not renewed: {exc}"
        return "not renewed in time"

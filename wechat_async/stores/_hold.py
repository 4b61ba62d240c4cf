"""Owned holds (a push claim, a token refresh lock): taking one so that no cancellation
leaves it held by nobody, and keeping it while work runs under it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import anyio.lowlevel

from .._errors import StoreError, StoreUnavailableError
from ._breaker import NotSent

__all__ = ["keep_held", "take_hold"]

logger = logging.getLogger("wechat_async.stores")

T = TypeVar("T")


async def take_hold(
    take: Callable[[], Awaitable[T]], give_back: Callable[[], Awaitable[object]]
) -> T:
    """Take a hold so that it is never left held by nobody: either the caller gets what
    ``take`` answered (and so can release it), or what it may have taken is given back.

    ``take`` runs shielded: a taker cancelled mid-command could not know whether it holds the
    hold (the store's own timeout bounds the wait). ``give_back`` (a compare-and-delete by the
    owner: nothing when not held) runs when the caller was cancelled meanwhile, before the
    cancellation is raised, and when the store failed to answer: the command may have taken
    the hold before its reply was lost (``give_back`` is then sent even though the breaker
    counts the store as down). The caller must reach the code that releases the hold
    before its next checkpoint.
    """
    try:
        with anyio.CancelScope(shield=True):
            taken = await take()
        await anyio.lowlevel.checkpoint_if_cancelled()
    except NotSent:
        raise  # the breaker kept it from Redis: nothing was taken
    except (StoreUnavailableError, anyio.get_cancelled_exc_class()):
        with anyio.CancelScope(shield=True), contextlib.suppress(StoreError):
            await give_back()  # else its TTL frees it
        raise
    return taken


async def keep_held(
    renew: Callable[[], Awaitable[bool]], ttl: float, what: str, *, taken_at: float | None = None
) -> str:
    """Renew a hold of ``ttl`` seconds every third of it, for as long as it is held; return
    why it was lost: ``"taken over"`` (renew said no), not renewed before it would lapse (the
    store unreachable or too slow), or refused by the store. Run it beside the work and
    cancel it when done. ``taken_at`` (``anyio.current_time()`` when the hold was taken;
    default: now) lets a renewal started late renew at once and know when the hold lapses.

    >>> await keep_held(lambda: store.renew(ticket, 60), 60, "push claim")  # doctest: +SKIP
    """
    held_until = (anyio.current_time() if taken_at is None else taken_at) + ttl
    next_at = held_until - ttl * 2 / 3
    while True:
        await anyio.sleep_until(next_at)
        asked_at = anyio.current_time()
        with anyio.move_on_after(held_until - asked_at):
            try:
                if await renew():
                    held_until, next_at = asked_at + ttl, asked_at + ttl / 3
                    continue
                return "taken over"
            except StoreUnavailableError as exc:
                if anyio.current_time() + ttl / 3 < held_until:
                    logger.warning("%s not renewed, retrying: %s", what, exc)
                    next_at = anyio.current_time() + ttl / 3
                    continue
                return f"not renewed: {exc}"
            except StoreError as exc:  # refused credentials, an unexpected reply
                return f"not renewed: {exc}"
        return "not renewed in time"

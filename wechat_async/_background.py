"""Work that must outlive whichever call started it (the token fetch shared by many callers,
the read-ahead of an ``async for`` over an order sync): a task of the event loop's own, not
of the caller's cancel scope.

anyio has no detached task; each backend has one: an asyncio task of the running loop, a trio
system task. Either is cancelled when the loop (the run) ends.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable

from .transports._base import on_asyncio

__all__ = ["spawn"]

# Strong references: the event loop keeps only weak ones to its tasks.
_running: set[asyncio.Task[None]] = set()


def spawn(work: Callable[[], Awaitable[None]], name: str) -> None:
    """Start ``work`` beside the caller, not under it. ``work`` must catch its own errors (a
    trio system task that raises crashes the run) and bound itself in time."""
    if on_asyncio():
        task = asyncio.get_running_loop().create_task(_run(work), name=name)
        _running.add(task)
        task.add_done_callback(_running.discard)
        return
    import trio

    trio.lowlevel.spawn_system_task(_run, work, name=name, context=contextvars.copy_context())


async def _run(work: Callable[[], Awaitable[None]]) -> None:
    await work()

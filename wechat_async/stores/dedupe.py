"""Push de-duplication: WeChat retries a push up to 30 times in 24 hours until it is
acknowledged, so handlers must run once per push, across processes when the store is shared.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["Claim", "DedupeStore", "MemoryDedupeStore"]

#: How long a finished push is remembered: WeChat's retries stop after 24 hours.
DONE_TTL = 25 * 3600.0
#: How long a claim holds while its handler runs; a crashed worker's claim expires.
RUNNING_TTL = 60.0


class Claim(enum.Enum):
    NEW = "new"  # run the handler
    RUNNING = "running"  # another delivery is being handled right now
    DONE = "done"  # already handled: acknowledge, do nothing


@runtime_checkable
class DedupeStore(Protocol):
    """Redis-shaped: ``claim`` is ``SET key running NX PX ttl`` (on failure, ``GET`` tells
    RUNNING from DONE), ``complete`` a ``SET key done PX ttl``, ``release`` a ``DEL``.

    Every method must be atomic with respect to the others: two concurrent ``claim`` calls for
    one key get one ``Claim.NEW``.
    """

    async def claim(self, key: str, ttl: float = RUNNING_TTL) -> Claim: ...

    async def complete(self, key: str, ttl: float = DONE_TTL) -> None: ...

    async def release(self, key: str) -> None: ...


class MemoryDedupeStore:
    """In-process store, bounded to ``max_keys`` (oldest dropped first). No awaits inside,
    so each method is atomic under any event loop."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self._entries: OrderedDict[str, tuple[bool, float]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def __len__(self) -> int:
        return len(self._entries)

    async def claim(self, key: str, ttl: float = RUNNING_TTL) -> Claim:
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[1] > now:
            return Claim.DONE if entry[0] else Claim.RUNNING
        self._entries[key] = (False, now + ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_keys:
            self._entries.popitem(last=False)
        return Claim.NEW

    async def complete(self, key: str, ttl: float = DONE_TTL) -> None:
        self._entries[key] = (True, self._clock() + ttl)
        self._entries.move_to_end(key)

    async def release(self, key: str) -> None:
        self._entries.pop(key, None)

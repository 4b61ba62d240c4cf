"""Push de-duplication: WeChat retries a push up to 30 times in 24 hours until it is
acknowledged, so handlers must run once per push, across processes when the store is shared.

A claim is owned. ``claim`` answers a ``Ticket`` to the one delivery that should run the
handler, and ``Claim.RUNNING`` / ``Claim.DONE`` to the others; ``renew``, ``complete`` and
``release`` act only with that ticket, so a delivery whose claim lapsed can never complete or
free the claim of the delivery that took over.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ._base import Ticket, new_ticket

__all__ = ["DONE_TTL", "RUNNING_TTL", "Claim", "DedupeStore", "MemoryDedupeStore", "Ticket"]

#: How long a finished push is remembered: WeChat's retries stop after 24 hours.
DONE_TTL = 25 * 3600.0
#: How long a claim holds unless renewed; a crashed worker's claim expires after it.
RUNNING_TTL = 60.0


class Claim(enum.Enum):
    """What ``claim`` answers when the caller does not get the push."""

    RUNNING = "running"  # another delivery holds it now: answer a retryable status
    DONE = "done"  # already handled: acknowledge, do nothing


@runtime_checkable
class DedupeStore(Protocol):
    """Owned push claims. Redis-shaped: ``claim`` is ``SET key <owner> NX PX ttl`` (on
    failure ``GET`` tells RUNNING from DONE); ``renew`` a compare-and-``PEXPIRE``; ``complete``
    sets ``done`` if the key is ours or gone (never over another owner's claim); ``release``
    a compare-and-delete. Each method is atomic with respect to the others: two concurrent
    ``claim`` calls for one key get one ticket.
    """

    async def claim(self, key: str, ttl: float = RUNNING_TTL) -> Ticket | Claim:
        """A ticket if this delivery should run the handler, else what holds the push. Atomic
        with respect to cancellation: a caller cancelled meanwhile gets its cancellation,
        never a claim held by nobody (``stores._hold.take_hold``)."""
        ...

    async def renew(self, ticket: Ticket, ttl: float = RUNNING_TTL) -> bool:
        """Extend a claim still held; False when it lapsed or is someone else's now."""
        ...

    async def complete(self, ticket: Ticket, ttl: float = DONE_TTL) -> bool:
        """Mark the push done (for ``ttl``) unless another delivery holds it now."""
        ...

    async def release(self, ticket: Ticket) -> bool:
        """Free a claim still held, so WeChat's next retry runs the handler."""
        ...


_DONE = ""  # the owner field of a finished push


class MemoryDedupeStore:
    """In-process store, bounded to ``max_keys`` (oldest dropped first). No awaits inside,
    and a lock for servers running an event loop per thread (Flask's async views), so each
    method is atomic."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        # key -> (owner of the running claim, or _DONE; expiry on ``clock``)
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _live(self, key: str, now: float) -> tuple[str, float] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[1] <= now:
            del self._entries[key]
            return None
        return entry

    def _put(self, key: str, owner: str, expires: float) -> None:
        entries = self._entries
        if key in entries:
            entries.move_to_end(key)
        entries[key] = (owner, expires)
        if len(entries) > self._max_keys:
            entries.popitem(last=False)

    async def claim(self, key: str, ttl: float = RUNNING_TTL) -> Ticket | Claim:
        entries = self._entries
        with self._lock:  # the hot path (every push takes one to three): inlined
            now = self._clock()
            entry = entries.get(key)
            if entry is not None:
                if entry[1] > now:
                    return Claim.DONE if entry[0] == _DONE else Claim.RUNNING
                del entries[key]
            ticket = new_ticket(key)
            entries[key] = (ticket.owner, now + ttl)  # a new key: the newest, last
            if len(entries) > self._max_keys:
                entries.popitem(last=False)
            return ticket

    async def renew(self, ticket: Ticket, ttl: float = RUNNING_TTL) -> bool:
        with self._lock:
            now = self._clock()
            entry = self._live(ticket.key, now)
            if entry is None or entry[0] != ticket.owner:
                return False
            self._put(ticket.key, ticket.owner, now + ttl)
            return True

    async def complete(self, ticket: Ticket, ttl: float = DONE_TTL) -> bool:
        with self._lock:
            now = self._clock()
            entry = self._live(ticket.key, now)
            if entry is not None and entry[0] != ticket.owner and entry[0] != _DONE:
                return False
            self._put(ticket.key, _DONE, now + ttl)
            return True

    async def release(self, ticket: Ticket) -> bool:
        with self._lock:
            entry = self._live(ticket.key, self._clock())
            if entry is None or entry[0] != ticket.owner:
                return False
            del self._entries[ticket.key]
            return True

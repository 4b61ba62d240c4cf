"""Push de-duplication: WeChat retries a push up to 30 times in 24 hours until it is
acknowledged, so handlers must run once per push, across processes when the store is shared.

A claim is owned. ``claim`` answers a ``Ticket`` to the one delivery that should run the
handler, and ``Claim.RUNNING`` / ``Claim.DONE`` to the others; ``renew``, ``complete`` and
``release`` act only with that ticket, so a delivery whose claim lapsed can never complete or
free the claim of the delivery that took over.

A claim may carry a ``Mark``: a second key that keeps the first value it is given (a plain
push's signed ``(timestamp, nonce)`` pair keeps the digest of the one body it carried). It is
checked and set in the same atomic step as the claim, so a push costs one store call.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple, Protocol, runtime_checkable

from ._base import Ticket, new_ticket

__all__ = [
    "DONE_TTL",
    "RUNNING_TTL",
    "Claim",
    "DedupeStore",
    "Mark",
    "MemoryDedupeStore",
    "Ticket",
]

#: How long a finished push is remembered: WeChat's retries stop after 24 hours.
DONE_TTL = 25 * 3600.0
#: How long a claim holds unless renewed; a crashed worker's claim expires after it.
RUNNING_TTL = 60.0


class Claim(enum.Enum):
    """What ``claim`` answers when the caller does not get the push."""

    RUNNING = "running"  # another delivery holds it now: answer a retryable status
    DONE = "done"  # already handled: acknowledge, do nothing
    MARKED = "marked"  # the claim's mark holds another value: nothing was claimed or marked


class Mark(NamedTuple):
    """A key ``claim`` sets to ``value`` for ``ttl`` seconds where it holds nothing, and
    refuses the claim (``Claim.MARKED``) where it holds another value."""

    key: str
    value: str
    ttl: float


@runtime_checkable
class DedupeStore(Protocol):
    """Owned push claims. Redis-shaped: ``claim`` is ``SET key <owner> NX PX ttl`` (on
    failure ``GET`` tells RUNNING from DONE); ``renew`` a compare-and-``PEXPIRE``; ``complete``
    sets ``done`` if the key is ours or gone (never over another owner's claim); ``release``
    a compare-and-delete. Each method is atomic with respect to the others: two concurrent
    ``claim`` calls for one key get one ticket.
    """

    async def claim(
        self, key: str, ttl: float = RUNNING_TTL, *, mark: Mark | None = None
    ) -> Ticket | Claim:
        """A ticket if this delivery should run the handler, else what holds the push. Atomic
        with respect to cancellation: a caller cancelled meanwhile gets its cancellation,
        never a claim held by nobody (``stores._hold.take_hold``).

        With ``mark``, in the same atomic step: ``Claim.MARKED`` (and nothing written) when
        ``mark.key`` holds another value than ``mark.value``; else the mark is set where it
        held nothing (kept ``mark.ttl`` seconds, apart from the claims) and the claim goes on.
        """
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
    """In-process store: claims and marks each bounded to ``max_keys`` (oldest dropped first),
    apart, so short-lived marks never evict the claims of pushes WeChat is still retrying. No
    awaits inside, and a lock for servers running an event loop per thread (Flask's async
    views), so each method is atomic."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        # key -> (owner of the running claim, or _DONE; expiry on ``clock``)
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()
        # mark key -> (its value, expiry on ``clock``)
        self._marks: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries) + len(self._marks)

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

    async def claim(
        self, key: str, ttl: float = RUNNING_TTL, *, mark: Mark | None = None
    ) -> Ticket | Claim:
        entries = self._entries
        with self._lock:  # the hot path (every push takes one): inlined
            now = self._clock()
            if mark is not None and not self._set_mark(mark, now):
                return Claim.MARKED
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

    def _set_mark(self, mark: Mark, now: float) -> bool:
        """False when the mark holds another value; else it holds ``mark.value``."""
        marks = self._marks
        held = marks.get(mark.key)
        if held is not None:
            if held[1] > now:
                return held[0] == mark.value
            del marks[mark.key]
        marks[mark.key] = (mark.value, now + mark.ttl)
        if len(marks) > self._max_keys:
            marks.popitem(last=False)
        return True

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

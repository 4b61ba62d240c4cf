from __future__ import annotations

import time
from collections.abc import Callable

from ._base import AccessToken, Ticket, new_ticket

__all__ = ["MemoryTokenStore"]


class MemoryTokenStore:
    """Tokens (and durable credentials) in this process's memory (the default). No awaits
    inside: each method is atomic under any event loop. Lock TTLs run on ``monotonic``."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._tokens: dict[str, AccessToken] = {}
        self._locks: dict[str, tuple[str, float]] = {}
        self._credentials: dict[str, str] = {}
        self._monotonic = monotonic

    async def get(self, key: str) -> AccessToken | None:
        return self._tokens.get(key)

    async def set(self, key: str, token: AccessToken) -> None:
        self._tokens[key] = token

    async def invalidate(self, key: str, value: str) -> bool:
        current = self._tokens.get(key)
        if current is not None and current.value == value:
            del self._tokens[key]
            return True
        return False

    async def lock(self, key: str, ttl: float) -> Ticket | None:
        now = self._monotonic()
        held = self._locks.get(key)
        if held is not None and held[1] > now:
            return None
        ticket = new_ticket(key)
        self._locks[key] = (ticket.owner, now + ttl)
        return ticket

    def _holds(self, ticket: Ticket) -> bool:
        held = self._locks.get(ticket.key)
        return held is not None and held[0] == ticket.owner and held[1] > self._monotonic()

    async def renew_lock(self, ticket: Ticket, ttl: float) -> bool:
        if not self._holds(ticket):
            return False
        self._locks[ticket.key] = (ticket.owner, self._monotonic() + ttl)
        return True

    async def unlock(self, ticket: Ticket) -> bool:
        if not self._holds(ticket):
            return False
        del self._locks[ticket.key]
        return True

    async def get_credential(self, key: str) -> str | None:
        return self._credentials.get(key)

    async def swap_credential(self, key: str, expected: str | None, value: str | None) -> bool:
        current = self._credentials.get(key)
        if current == value:
            return True
        if current != expected:
            return False
        if value is None:
            del self._credentials[key]
        else:
            self._credentials[key] = value
        return True

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={sorted(self._tokens)})"

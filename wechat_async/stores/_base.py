from __future__ import annotations

import itertools
import math
import os
import secrets
from typing import Protocol, runtime_checkable

import attrs

from .._redact import mask, remember_secret

__all__ = ["AccessToken", "CredentialStore", "Ticket", "TokenStore", "new_ticket"]


def _check_value(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"AccessToken.value must be a non-empty str, got {type(value).__name__}")


def _check_expiry(_: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(
            f"AccessToken.expires_at must be a finite number of Unix seconds, got {value!r}"
        )


@attrs.frozen
class AccessToken:
    """A token and the wall-clock time (Unix seconds) it expires at."""

    value: str = attrs.field(repr=mask, validator=_check_value)
    expires_at: float = attrs.field(validator=_check_expiry)

    def __attrs_post_init__(self) -> None:
        # Any token this process holds, however it got it (fetch, shared store, provider),
        # is masked wherever it would appear in a log line or an error.
        remember_secret(self.value)


@attrs.frozen
class Ticket:
    """Proof of holding something owned (a refresh lock, a push claim): the key it holds and a
    random owner id. Releasing needs the ticket, so a holder whose hold expired and was taken
    by someone else cannot release the new holder's."""

    key: str
    owner: str


# Owner ids: a random prefix per process and a counter, unique like a random id each without
# a system call each. A forked child draws a prefix of its own: it would repeat its parent's ids.
_owner_prefix = secrets.token_hex(8)
_owner_count = itertools.count()


def _new_owner_prefix() -> None:
    global _owner_prefix
    _owner_prefix = secrets.token_hex(8)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_owner_prefix)


def new_ticket(key: str) -> Ticket:
    return Ticket(key, f"{_owner_prefix}{next(_owner_count):x}")


@runtime_checkable
class TokenStore(Protocol):
    """Storage for access tokens, keyed by appid, and the refresh lock that makes one holder
    at a time fetch a new one. Implementations must be safe for concurrent use (across
    processes, for a shared store) and raise ``StoreUnavailableError`` when unreachable (or
    refusing writes: ``StoreWritesRefusedError``), ``StoreCredentialsError`` when it refuses
    the credentials."""

    async def get(self, key: str) -> AccessToken | None: ...

    async def set(self, key: str, token: AccessToken) -> None:
        """Store token and expiry together (one write: a reader never sees one without the
        other)."""
        ...

    async def invalidate(self, key: str, value: str) -> bool:
        """Delete the token only if it still equals ``value`` (a late 40001 cannot drop a newer
        token); True when something was deleted."""
        ...

    async def lock(self, key: str, ttl: float) -> Ticket | None:
        """Take the refresh lock of ``key`` for ``ttl`` seconds, or None while another holder
        has it. A holder that dies frees it when ``ttl`` runs out. Atomic with respect to
        cancellation: a caller cancelled meanwhile gets its cancellation, never a lock held by
        nobody (``stores._hold.take_hold``)."""
        ...

    async def renew_lock(self, ticket: Ticket, ttl: float) -> bool:
        """Hold the lock ``ttl`` seconds from now, only if ``ticket`` still holds it
        (compare-and-extend): a holder renews while it fetches, so a slow fetch keeps the
        lock and a dead holder's lock still frees by its TTL."""
        ...

    async def unlock(self, ticket: Ticket) -> bool:
        """Release the lock only if ``ticket`` still holds it (compare-and-delete)."""
        ...


@runtime_checkable
class CredentialStore(TokenStore, Protocol):
    """A ``TokenStore`` that also keeps durable credentials: values without an expiry that
    must never be lost, only replaced (a third-party platform's authorizer refresh tokens).
    ``MemoryTokenStore`` and ``RedisTokenStore`` are both; the same outage rule holds
    (``StoreUnavailableError`` when unreachable)."""

    async def get_credential(self, key: str) -> str | None: ...

    async def swap_credential(self, key: str, expected: str | None, value: str | None) -> bool:
        """Compare-and-set: make ``key`` hold ``value`` (None: delete it) only if it holds
        ``expected`` (None: nothing). True when ``key`` now holds ``value``, also when it
        already did (a command re-sent after a lost reply finds its own write); False when
        another value is there."""
        ...

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from .._redact import mask

__all__ = ["AccessToken", "TokenStore"]


@attrs.frozen
class AccessToken:
    """A token and the wall-clock time (Unix seconds) it expires at."""

    value: str = attrs.field(repr=mask)
    expires_at: float


@runtime_checkable
class TokenStore(Protocol):
    """Storage for access tokens, keyed by appid. Implementations must be safe for concurrent
    use; ``invalidate`` is a compare-and-delete so a late 40001 cannot drop a newer token."""

    async def get(self, key: str) -> AccessToken | None: ...

    async def set(self, key: str, token: AccessToken) -> None: ...

    async def invalidate(self, key: str, value: str) -> bool:
        """Delete the token only if it still equals ``value``; True when something was deleted."""
        ...

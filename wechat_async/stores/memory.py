from __future__ import annotations

from ._base import AccessToken

__all__ = ["MemoryTokenStore"]


class MemoryTokenStore:
    """Tokens in this process's memory (the default). No awaits inside: each method is atomic
    under any event loop."""

    def __init__(self) -> None:
        self._tokens: dict[str, AccessToken] = {}

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

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={sorted(self._tokens)})"

"""TokenManager: one valid access token per appid, fetched once however many callers ask."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import anyio

from . import _config
from ._errors import ConfigurationError, WeChatError
from .stores import AccessToken, TokenStore

__all__ = ["TokenManager"]

logger = logging.getLogger("wechat_async.token")

Fetch = Callable[[], Awaitable[AccessToken]]


class TokenManager:
    """Single-flight token cache.

    Fresh token: returned with no lock and no await. Inside the advisory window (``advisory``
    seconds before expiry) one caller refreshes while the others keep the current token; inside
    the mandatory window every caller waits for that one refresh. A failed refresh is remembered
    for ``failure_ttl`` seconds so a crowd of waiters does not make a crowd of failing calls.
    """

    def __init__(
        self,
        key: str,
        fetch: Fetch,
        store: TokenStore,
        *,
        clock: Callable[[], float] = time.time,
        advisory: float = _config.TOKEN_ADVISORY_WINDOW,
        mandatory: float = _config.TOKEN_MANDATORY_WINDOW,
        failure_ttl: float = _config.TOKEN_FAILURE_TTL,
    ) -> None:
        self._key = key
        self._fetch = fetch
        self._store = store
        self._clock = clock
        self._advisory = advisory
        self._mandatory = mandatory
        self._failure_ttl = failure_ttl
        self._current: AccessToken | None = None
        self._lock = anyio.Lock()
        self._failure: WeChatError | None = None
        self._failure_until = 0.0
        self._rejected: str | None = None
        # stable_token hands back the same token until it expires: once a refresh has said so,
        # keep using it to the end instead of asking again on every call.
        self._hold_until = 0.0
        #: how many times the token endpoint (or provider) was actually called
        self.fetch_count = 0

    def __repr__(self) -> str:
        return f"TokenManager(key={self._key!r}, fetches={self.fetch_count})"

    async def get(self) -> str:
        current = self._current
        if current is not None:
            now = self._clock()
            if now < current.expires_at - self._advisory or now < self._hold_until:
                return current.value
        return await self._get_slow(current)

    async def invalidate(self, value: str) -> None:
        """Drop ``value`` if it is still the current token (compare-and-swap)."""
        if self._current is not None and self._current.value == value:
            self._current = None
            self._hold_until = 0.0
        self._rejected = value
        await self._store.invalidate(self._key, value)

    async def _get_slow(self, seen: AccessToken | None) -> str:
        if seen is not None and self._clock() < seen.expires_at - self._mandatory:
            # Advisory window: someone is already refreshing, keep using what we have.
            if self._lock.locked():
                return seen.value
            async with self._lock:
                current = self._current
                if current is not None and self._clock() < current.expires_at - self._advisory:
                    return current.value
                try:
                    return (await self._refresh()).value
                except ConfigurationError:
                    raise
                except WeChatError as exc:
                    logger.warning("advisory token refresh failed, keeping current: %s", exc)
                    return seen.value
        async with self._lock:
            current = self._current
            if current is not None:
                now = self._clock()
                if now < current.expires_at - self._mandatory or now < self._hold_until:
                    return current.value
            return (await self._refresh()).value

    async def _refresh(self) -> AccessToken:
        now = self._clock()
        if self._failure is not None and now < self._failure_until:
            raise self._failure
        stored = await self._store.get(self._key)
        if (
            stored is not None
            and stored.value != self._rejected
            and now < stored.expires_at - self._advisory
            and (self._current is None or stored.value != self._current.value)
        ):
            # Another process (shared store) refreshed already.
            self._current = stored
            return stored
        self.fetch_count += 1
        try:
            token = await self._fetch()
        except WeChatError as exc:
            self._failure = exc
            self._failure_until = self._clock() + self._failure_ttl
            raise
        self._failure = None
        previous = self._current
        if previous is not None and token.value == previous.value:
            self._hold_until = token.expires_at
        self._current = token
        await self._store.set(self._key, token)
        return token

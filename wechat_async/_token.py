"""TokenManager: one valid access token per appid, fetched once however many callers ask."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import anyio

from . import _config
from ._errors import ConfigurationError, StoreError, StoreUnavailableError, WeChatError
from .stores import AccessToken, Ticket, TokenStore
from .stores._hold import keep_held

__all__ = ["TokenManager"]

logger = logging.getLogger("wechat_async.token")

Fetch = Callable[[], Awaitable[AccessToken]]

# Longest share of a token's life that the advisory / mandatory windows may take.
_ADVISORY_SHARE = 0.1
_MANDATORY_SHARE = 0.05


class TokenManager:
    """Single-flight token cache.

    Fresh token: returned with no lock and no await. Inside the advisory window (``advisory``
    seconds before expiry) one caller refreshes while the others keep the current token; inside
    the mandatory window every caller waits for that one refresh and takes its outcome, whatever
    the token's lifetime or the error. A failed refresh is remembered for ``failure_ttl``
    seconds so a crowd of waiters does not make a crowd of failing calls.

    Expiry instants are wall-clock (``clock``, Unix seconds: they come from the server and may
    be shared with other processes); durations are measured on ``monotonic``, so a clock step
    neither extends nor cuts them.
    """

    def __init__(
        self,
        key: str,
        fetch: Fetch,
        store: TokenStore,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        advisory: float = _config.TOKEN_ADVISORY_WINDOW,
        mandatory: float = _config.TOKEN_MANDATORY_WINDOW,
        failure_ttl: float = _config.TOKEN_FAILURE_TTL,
        lock_ttl: float = _config.TOKEN_LOCK_TTL,
        lock_wait: float = _config.TOKEN_LOCK_WAIT,
    ) -> None:
        self._key = key
        self._fetch = fetch
        self._store = store
        self._clock = clock
        self._monotonic = monotonic
        self._advisory = advisory
        self._mandatory = mandatory
        self._failure_ttl = failure_ttl
        self._lock_ttl = lock_ttl
        self._lock_wait = lock_wait
        self._current: AccessToken | None = None
        # Wall-clock instants of the current token: refresh ahead from the first (one caller),
        # everyone waits for a new one from the second.
        self._refresh_at = self._must_refresh_at = 0.0
        self._lock = anyio.Lock()
        # Bumped when a refresh ends: a caller that waited for the lock across a bump takes
        # that refresh's outcome instead of starting another one.
        self._generation = 0
        self._failure: Exception | None = None
        self._failure_until = 0.0  # on the monotonic clock
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
            if now < self._refresh_at or now < self._hold_until:
                return current.value
        return await self._get_slow(current)

    async def invalidate(self, value: str) -> None:
        """Drop ``value`` if it is still the current token (compare-and-swap)."""
        if self._current is not None and self._current.value == value:
            self._current = None
            self._hold_until = 0.0
        self._rejected = value
        try:
            await self._store.invalidate(self._key, value)
        except StoreUnavailableError as exc:
            # The refresh that follows will not adopt the rejected token from the store.
            logger.warning("token store unavailable (%s): rejected token dropped here only", exc)

    async def _get_slow(self, seen: AccessToken | None) -> str:
        if seen is not None and self._clock() < self._must_refresh_at:
            # Advisory window: someone is already refreshing, keep using what we have.
            if self._lock.locked():
                return seen.value
            async with self._lock:
                current = self._current
                if current is not None and self._clock() < self._refresh_at:
                    return current.value
                if self._failure is not None and self._monotonic() < self._failure_until:
                    return seen.value  # that failure was logged once, when it happened
                try:
                    return (await self._refresh(advisory=True)).value
                except _RefreshingElsewhere:
                    return seen.value
                except ConfigurationError:
                    raise
                except Exception as exc:
                    logger.warning("advisory token refresh failed, keeping current: %s", exc)
                    return seen.value
        generation = self._generation
        async with self._lock:
            if generation != self._generation:
                # A refresh ended while we waited for it: its outcome is ours too, even a token
                # already inside the mandatory window (asking again would only repeat it) ...
                if self._failure is not None:
                    raise _fresh(self._failure)
                if self._current is not None:
                    return self._current.value
                # ... unless WeChat has rejected that token since: then refresh again.
            current = self._current
            if current is not None:
                now = self._clock()
                if now < self._must_refresh_at or now < self._hold_until:
                    return current.value
            return (await self._refresh()).value

    async def _refresh(self, *, advisory: bool = False) -> AccessToken:
        if self._failure is not None and self._monotonic() < self._failure_until:
            raise _fresh(self._failure)
        try:
            token = await self._refresh_once(advisory)
        except _RefreshingElsewhere:
            raise
        except Exception as exc:
            # Not cancellation (a BaseException on every backend): the next waiter tries again.
            self._failure = exc
            self._failure_until = self._monotonic() + self._failure_ttl
            self._generation += 1
            raise _fresh(exc) from exc
        self._failure = None
        self._generation += 1
        return token

    async def _refresh_once(self, advisory: bool) -> AccessToken:
        try:
            return await self._refresh_shared(advisory)
        except StoreUnavailableError as exc:
            logger.warning("token store unavailable (%s): refreshing in this process only", exc)
            return await self._fetch_new(share=False)

    async def _refresh_shared(self, advisory: bool) -> AccessToken:
        """Adopt the token another process stored, or fetch holding the refresh lock, or (its
        holder taking too long) fetch unlocked. An advisory refresh does not wait: the current
        token is still good while another process refreshes."""
        give_up = self._monotonic() + self._lock_wait
        pause = 0.01
        while True:
            stored = await self._store.get(self._key)
            if stored is not None and self._adoptable(stored):
                self._use(stored)
                return stored
            # Taken atomically with respect to cancellation (the TokenStore contract), and
            # released by the finally below: no checkpoint between the two.
            ticket = await self._store.lock(self._key, self._lock_ttl)
            if ticket is not None:
                try:
                    # The holder before us may have stored its token between our get and lock.
                    stored = await self._store.get(self._key)
                    if stored is not None and self._adoptable(stored):
                        self._use(stored)
                        return stored
                    return await self._fetch_holding(ticket)
                finally:
                    with anyio.CancelScope(shield=True):
                        await self._unlock(ticket)
            if advisory:
                raise _RefreshingElsewhere
            if self._monotonic() >= give_up:
                logger.warning(
                    "token refresh lock held by another process for %.0f s: fetching here",
                    self._lock_wait,
                )
                return await self._fetch_new(share=True)
            await anyio.sleep(pause)
            pause = min(pause * 2, 0.25)

    async def _fetch_holding(self, ticket: Ticket) -> AccessToken:
        """Fetch while renewing the lock: a fetch may take longer than the lock's TTL (retries,
        a slow token endpoint), and a lapsed lock would let another process fetch too, killing
        this token under ``cgi-bin/token``. A holder that dies stops renewing, so its lock
        still frees within one TTL."""
        fetched: list[AccessToken] = []
        failed: list[Exception] = []

        async def fetch(scope: anyio.CancelScope) -> None:
            try:
                fetched.append(await self._fetch_new(share=True))
            except Exception as exc:  # raised below as itself, not inside an ExceptionGroup
                failed.append(exc)
            finally:
                scope.cancel()

        async with anyio.create_task_group() as tg:
            tg.start_soon(fetch, tg.cancel_scope)
            await self._renew_lock(ticket)
        if failed:
            raise failed[0]
        return fetched[0]

    async def _renew_lock(self, ticket: Ticket) -> None:
        """Renew until cancelled (the fetch ended), or until the lock is lost."""
        reason = await keep_held(
            lambda: self._store.renew_lock(ticket, self._lock_ttl),
            self._lock_ttl,
            "token refresh lock",
        )
        logger.warning("token refresh lock %s during a fetch: it goes on unlocked", reason)

    def _use(self, token: AccessToken) -> None:
        # Windows shrink with a short-lived token (a provider's, an emulator's), so it is
        # still used for most of its life instead of being refreshed on every call.
        life = max(0.0, token.expires_at - self._clock())
        self._current = token
        self._refresh_at = token.expires_at - min(self._advisory, life * _ADVISORY_SHARE)
        self._must_refresh_at = token.expires_at - min(self._mandatory, life * _MANDATORY_SHARE)

    def _adoptable(self, stored: AccessToken) -> bool:
        """A token another process stored that this one has not seen or rejected."""
        return (
            stored.value != self._rejected
            and self._clock() < stored.expires_at
            and (self._current is None or stored.value != self._current.value)
        )

    async def _unlock(self, ticket: Ticket) -> None:
        with contextlib.suppress(StoreError):  # else the lock's TTL frees it
            await self._store.unlock(ticket)

    async def _fetch_new(self, *, share: bool) -> AccessToken:
        self.fetch_count += 1
        token = await self._fetch()
        previous = self._current
        if previous is not None and token.value == previous.value:
            self._hold_until = token.expires_at
        self._use(token)
        if share:
            try:
                await self._store.set(self._key, token)
            except StoreUnavailableError as exc:
                logger.warning("token store unavailable (%s): token kept here", exc)
        return token


class _RefreshingElsewhere(Exception):
    """Another process holds the refresh lock (advisory refresh: keep the current token)."""


def _fresh(cause: BaseException) -> Exception:
    """A new error like ``cause`` for one caller, chained to it.

    Raising the one cached object to every caller would grow its traceback with each raise (and
    share it between tasks); a copy starts clean and ``__cause__`` keeps the fetch's own trace.
    """
    cls = type(cause)
    try:
        fresh = cls.__new__(cls, *cause.args)
        fresh.__dict__.update(cause.__dict__)
    except Exception:  # an exception type that cannot be rebuilt from its args
        fresh = WeChatError(f"access token refresh failed ({cls.__name__})")
    assert isinstance(fresh, Exception)
    fresh.__cause__ = cause
    fresh.__suppress_context__ = True
    return fresh

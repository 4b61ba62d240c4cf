"""TokenManager: one valid access token per appid, fetched once however many callers ask."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import anyio

from . import _config
from ._background import spawn
from ._errors import StoreError, StoreUnavailableError, WeChatError
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
    seconds before expiry) one refresh starts while every caller keeps the current token; inside
    the mandatory window every caller waits for that one refresh and takes its outcome, whatever
    the token's lifetime or the error. A failed refresh is remembered for ``failure_ttl``
    seconds so a crowd of waiters does not make a crowd of failing calls.

    The refresh runs in a task of its own, not in the caller that started it: a caller's
    deadline or cancellation ends its own wait, never the fetch the others wait for. The
    refresh has its own deadline (``lock_wait`` for another process's lock, ``fetch_deadline``
    for the fetch itself); ``aclose`` stops one in flight.

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
        fetch_deadline: float = _config.TOKEN_FETCH_DEADLINE,
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
        self._fetch_deadline = fetch_deadline
        self._current: AccessToken | None = None
        # Wall-clock instants of the current token: refresh ahead from the first (one caller),
        # everyone waits for a new one from the second.
        self._refresh_at = self._must_refresh_at = 0.0
        self._refreshing: _Refresh | None = None  # the one refresh in flight
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

    async def aclose(self) -> None:
        """Stop a refresh in flight (its waiters get a ``WeChatError``) and wait for it to
        end (a refresh lock it holds is released)."""
        refresh = self._refreshing
        if refresh is not None:
            refresh.closed = True
            refresh.scope.cancel()
            await refresh.done.wait()

    async def _get_slow(self, seen: AccessToken | None) -> str:
        if seen is not None and self._clock() < self._must_refresh_at:
            # Advisory window: the current token is good while one refresh runs beside us.
            if self._refreshing is None and not self._failing():
                self._start(advisory=True)
            return seen.value
        for round_ in range(_ROUNDS):
            current = self._current
            if current is not None:
                now = self._clock()
                if now < self._must_refresh_at or now < self._hold_until:
                    return current.value
            if self._failure is not None and self._failing():
                raise _fresh(self._failure)
            refresh = self._refreshing or self._start(advisory=False)
            token = await refresh.outcome()
            # Its outcome is ours, even a token already inside the mandatory window (asking
            # again would only repeat it), unless WeChat has rejected that token since, or an
            # advisory refresh found another process refreshing: then one more round.
            if token is not None and (token.value != self._rejected or round_ == _ROUNDS - 1):
                return token.value
        raise WeChatError("no access token: every refresh was rejected")

    def _failing(self) -> bool:
        return self._failure is not None and self._monotonic() < self._failure_until

    def _start(self, *, advisory: bool) -> _Refresh:
        # Bounded as a whole too: a store that never answers cannot hold every caller's
        # refresh for ever.
        bound = self._lock_wait + 2 * self._fetch_deadline
        refresh = self._refreshing = _Refresh(advisory, bound)
        spawn(lambda: self._run(refresh), name=f"wechat_async token refresh ({self._key})")
        return refresh

    async def _run(self, refresh: _Refresh) -> None:
        """One refresh, in a task of its own; its outcome goes to every waiter."""
        try:
            with refresh.scope:
                try:
                    refresh.token = await self._refresh_once(refresh.advisory)
                except _RefreshingElsewhere:
                    pass
                except Exception as exc:
                    if refresh.advisory:
                        logger.warning("advisory token refresh failed, keeping current: %s", exc)
                    self._fail(refresh, exc)
                else:
                    self._failure = None
            if refresh.scope.cancelled_caught:
                if refresh.closed:
                    refresh.error = WeChatError("access token refresh stopped: client closed")
                else:
                    seconds = refresh.scope.deadline - refresh.started
                    self._fail(
                        refresh, WeChatError(f"access token refresh took over {seconds:.0f} s")
                    )
        finally:
            if self._refreshing is refresh:
                self._refreshing = None
            refresh.done.set()

    def _fail(self, refresh: _Refresh, exc: Exception) -> None:
        refresh.error = exc
        self._failure = exc
        self._failure_until = self._monotonic() + self._failure_ttl

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
        token: AccessToken | None = None
        with anyio.move_on_after(self._fetch_deadline):
            token = await self._fetch()
        if token is None:
            raise WeChatError(f"access token fetch took over {self._fetch_deadline:g} s")
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


#: Refreshes one caller waits for: its token rejected, or the other process refreshing, meanwhile.
_ROUNDS = 3


class _Refresh:
    """One refresh in flight: started once, waited for by every caller until it is done."""

    __slots__ = ("advisory", "closed", "done", "error", "scope", "started", "token")

    def __init__(self, advisory: bool, bound: float) -> None:
        self.advisory = advisory
        self.started = anyio.current_time()
        self.scope = anyio.CancelScope(deadline=self.started + bound)
        self.done = anyio.Event()
        self.token: AccessToken | None = None
        self.error: Exception | None = None
        self.closed = False

    async def outcome(self) -> AccessToken | None:
        """The refreshed token (None: another process is refreshing), or its error raised.
        Waiting is bounded by the caller's own deadline, whatever the refresh's."""
        await self.done.wait()
        if self.error is not None:
            raise _fresh(self.error)
        return self.token


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

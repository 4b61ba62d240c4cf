"""Shared state in Redis for many processes on many hosts (``pip install
'wechat-async[redis]'``): access tokens, push dedupe marks and the request rate.

Every store takes a ``redis://`` URL (then ``async with store:`` or ``await store.aclose()``
closes its connections) or a ``redis.Redis`` client of your own::

    async with RedisTokenStore("redis://cache:6379/0") as tokens:
        async with WeChatClient(appid, secret, token_store=tokens) as client:
            ...

Commands run on redis-py's synchronous client in worker threads, so the stores work the same
under asyncio and trio. Every failure is a ``StoreError``: ``StoreUnavailableError`` when
Redis cannot be reached or answers too slowly, and its subclass ``StoreWritesRefusedError``
when it refuses writes (OOM under noeviction, MISCONF, READONLY). Either way the
``TokenManager`` refreshes in its own process (one fetch per process, with a WARNING), the
rate limiter limits each process alone, and the push router answers a retryable 503.
``StoreCredentialsError`` (a ``ConfigurationError``) is raised where the credentials are
refused: a wrong password is said at once, not worked around.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from .._errors import StoreUnavailableError
from .._ratelimit import (
    Grouping,
    MemoryRateLimiter,
    limit_key,
    patience,
    spacing,
    wait_for_slot,
)
from ._base import AccessToken, Ticket, new_ticket
from ._hold import take_hold
from ._redis_connection import COMMAND_TIMEOUT, RedisClient, RedisConnection, text
from .dedupe import DONE_TTL, RUNNING_TTL, Claim, Mark

__all__ = ["RedisDedupeStore", "RedisRateLimiter", "RedisTokenStore"]

logger = logging.getLogger("wechat_async.stores")

DEFAULT_PREFIX = "wechat_async:"
# A token claiming a longer life (a provider's bug) is still dropped by Redis after a day: the
# worst it costs is an early refresh.
_LONGEST_KEY_MS = 86_400_000


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


# Take a hold: SET NX, or find it already ours. Idempotent per owner: a client's retry that
# re-sends it after a lost reply finds its own hold instead of locking itself out.
_TAKE_LOCK = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
"""
# Compare-and-delete: only the value (token, or lock owner) we were given is removed.
_DELETE_IF_EQUAL = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# Compare-and-extend: only the holder we were given keeps its hold longer.
_EXPIRE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
# The token is stored as "<expires_at> <value>": compare the value part only.
_DELETE_TOKEN_IF_EQUAL = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local space = string.find(current, ' ', 1, true)
if space and string.sub(current, space + 1) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


# Compare-and-set of a durable credential (no TTL): ARGV[1] '1' when a value is expected,
# ARGV[2] that value; ARGV[3] '1' to set ARGV[4], '0' to delete. Holding the new value already
# counts as done: a command re-sent after a lost reply finds its own write.
_SWAP_CREDENTIAL = """
local current = redis.call('GET', KEYS[1])
if ARGV[3] == '1' and current == ARGV[4] then return 1 end
if ARGV[3] == '0' and not current then return 1 end
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '1' then redis.call('SET', KEYS[1], ARGV[4]) else redis.call('DEL', KEYS[1]) end
return 1
"""


_Self = TypeVar("_Self", bound="_RedisStore")


class _RedisStore:
    def __init__(self, url_or_client: str | RedisClient, *, prefix: str, timeout: float) -> None:
        self._redis = RedisConnection(
            url_or_client, prefix=prefix, timeout=timeout, name=type(self).__name__
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prefix={self._redis.prefix!r})"

    async def __aenter__(self: _Self) -> _Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (only one this store built from a URL)."""
        await self._redis.aclose()


class RedisTokenStore(_RedisStore):
    """One access token per appid for every process, and the lock that lets one of them
    refresh it at a time (``SET NX PX`` in Lua, idempotent per owner; released by
    compare-and-delete). Durable credentials (authorizer refresh tokens) are keys without a
    TTL, changed by compare-and-set: run Redis with persistence (AOF) where they live."""

    def __init__(
        self,
        url_or_client: str | RedisClient,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = COMMAND_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(url_or_client, prefix=prefix, timeout=timeout)
        self._clock = clock

    def _token_key(self, key: str) -> str:
        return f"{self._redis.prefix}token:{key}"

    def _lock_key(self, key: str) -> str:
        return f"{self._redis.prefix}token-lock:{key}"

    def _credential_key(self, key: str) -> str:
        return f"{self._redis.prefix}credential:{key}"

    async def get(self, key: str) -> AccessToken | None:
        raw = text(await self._redis.run("GET token", lambda r: r.get(self._token_key(key))))
        if raw is None:
            return None
        expires_at, _, value = raw.partition(" ")
        try:
            return AccessToken(value, float(expires_at))
        except (TypeError, ValueError):
            return None  # not written by us: treat as absent, the next set() replaces it

    async def set(self, key: str, token: AccessToken) -> None:
        # One string holds both, so token and expiry are written together; Redis drops it
        # when it expires.
        ttl_ms = math.ceil((token.expires_at - self._clock()) * 1000)
        if ttl_ms <= 0:
            return
        ttl_ms = min(ttl_ms, _LONGEST_KEY_MS)
        data = f"{token.expires_at!r} {token.value}"
        await self._redis.run("SET token", lambda r: r.set(self._token_key(key), data, px=ttl_ms))

    async def invalidate(self, key: str, value: str) -> bool:
        deleted = await self._redis.script(
            "invalidate token", _DELETE_TOKEN_IF_EQUAL, [self._token_key(key)], [value]
        )
        return bool(deleted)

    async def lock(self, key: str, ttl: float) -> Ticket | None:
        ticket = new_ticket(key)

        async def take() -> bool:
            return bool(
                await self._redis.script(
                    "take refresh lock",
                    _TAKE_LOCK,
                    [self._lock_key(key)],
                    [ticket.owner, _ms(ttl)],
                )
            )

        return ticket if await take_hold(take, lambda: self._unlock(ticket, always=True)) else None

    async def renew_lock(self, ticket: Ticket, ttl: float) -> bool:
        renewed = await self._redis.script(
            "renew refresh lock",
            _EXPIRE_IF_EQUAL,
            [self._lock_key(ticket.key)],
            [ticket.owner, _ms(ttl)],
        )
        return bool(renewed)

    async def unlock(self, ticket: Ticket) -> bool:
        return await self._unlock(ticket)

    async def get_credential(self, key: str) -> str | None:
        return text(
            await self._redis.run("GET credential", lambda r: r.get(self._credential_key(key)))
        )

    async def swap_credential(self, key: str, expected: str | None, value: str | None) -> bool:
        args = ["0" if expected is None else "1", expected or "", "0" if value is None else "1"]
        swapped = await self._redis.script(
            "swap credential",
            _SWAP_CREDENTIAL,
            [self._credential_key(key)],
            [*args, value or ""],
        )
        return bool(swapped)

    async def _unlock(self, ticket: Ticket, *, always: bool = False) -> bool:
        deleted = await self._redis.script(
            "release refresh lock",
            _DELETE_IF_EQUAL,
            [self._lock_key(ticket.key)],
            [ticket.owner],
            always=always,
        )
        return bool(deleted)


# GCRA on Redis's own clock (one clock for every host): reserve the next slot if it comes
# within the caller's patience (ARGV[3] microseconds, -1: any), answer how many microseconds
# the caller waits for it, or -1: none taken.
_RESERVE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local within = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if within >= 0 and wait > within then return -1 end
local new_tat = tat + interval
local keep_ms = math.ceil((new_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', keep_ms)
return wait
"""


class RedisRateLimiter(_RedisStore):
    """At most ``rate`` calls per ``per`` seconds (bursts of ``burst``) across every process,
    per appid, or per ``group(path)`` when given (None from it: not limited). Pass it as
    ``WeChatClient(rate_limiter=...)``.

    One Lua script reserves each caller's slot (GCRA on Redis's clock), only one it can wait
    for before its deadline, then the caller sleeps until it. If Redis cannot be reached, this
    process limits itself to the same rate alone (a WARNING says so) rather than failing calls
    or sending unlimited.
    """

    def __init__(
        self,
        url_or_client: str | RedisClient,
        rate: float,
        *,
        per: float = 1.0,
        burst: int = 1,
        group: Grouping | None = None,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        super().__init__(url_or_client, prefix=prefix, timeout=timeout)
        interval, tolerance = spacing(rate, per, burst)
        self._args = (round(interval * 1_000_000), round(tolerance * 1_000_000))
        self._group = group
        self._fallback = MemoryRateLimiter(rate, per=per, burst=burst, group=group)
        self._warned = False

    async def acquire(self, appid: str, path: str) -> None:
        key = limit_key(appid, path, self._group)
        if key is None:
            return
        within = patience()
        within_us = -1 if math.isinf(within) else max(0, math.floor(within * 1_000_000))
        wait: float | None
        try:
            wait_us = int(
                await self._redis.script(
                    "reserve rate slot",
                    _RESERVE_SLOT,
                    [f"{self._redis.prefix}rate:{key}"],
                    [*self._args, within_us],
                )
            )
        except StoreUnavailableError as exc:
            if not self._warned:
                logger.warning("rate limiter: %s; limiting this process alone", exc)
                self._warned = True
            wait = self._fallback.reserve(key, within)
        else:
            self._warned = False
            wait = None if wait_us < 0 else wait_us / 1_000_000
        await wait_for_slot(wait)


# A push key holds "running:<owner>" while a handler runs, then "done". Idempotent per owner,
# like _TAKE_LOCK: a re-sent claim finds its own. KEYS[2], when given, is the claim's mark
# (ARGV[3] its value, ARGV[4] its TTL): set where absent, and the claim refused, nothing
# written, where it holds another value.
_CLAIM_PUSH = """
if KEYS[2] then
  local marked = redis.call('GET', KEYS[2])
  if not marked then
    redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  elseif marked ~= ARGV[3] then
    return 'marked'
  end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'new' end
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then return 'new' end
if current == 'done' then return 'done' end
return 'running'
"""
# Done when the claim is still ours, or lapsed with no one else holding it: the handler ran.
_COMPLETE_PUSH = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or current == 'done' or not current then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
  return 1
end
return 0
"""


class RedisDedupeStore(_RedisStore):
    """Push claims shared by every process (``CallbackRouter(dedupe=...)``): a push retried
    to another host runs once.

    A claim is ``SET key running:<owner> NX PX ttl`` and its ``Ticket`` carries the owner;
    ``renew``, ``complete`` and ``release`` compare it first (Lua), so a late failure of a
    delivery whose claim lapsed never frees the claim of the delivery that took over. A
    handler that crashes its process leaves its claim to expire, then a retry runs it again.
    Redis unreachable: ``StoreUnavailableError`` (the router answers a retryable status;
    nothing runs unguarded).
    """

    def __init__(
        self,
        url_or_client: str | RedisClient,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        super().__init__(url_or_client, prefix=prefix, timeout=timeout)

    def _key(self, key: str) -> str:
        return f"{self._redis.prefix}push:{key}"

    async def claim(
        self, key: str, ttl: float = RUNNING_TTL, *, mark: Mark | None = None
    ) -> Ticket | Claim:
        ticket = new_ticket(key)
        keys, args = [self._key(key)], [_owner(ticket), _ms(ttl)]
        if mark is not None:  # one round trip for both
            keys.append(self._key(mark.key))
            args += [mark.value, _ms(mark.ttl)]

        async def take() -> str | None:
            return text(await self._redis.script("claim push", _CLAIM_PUSH, keys, args))

        answer = await take_hold(take, lambda: self._release(ticket, always=True))
        if answer == "new":
            return ticket
        return _ANSWERS.get(answer or "", Claim.RUNNING)

    async def renew(self, ticket: Ticket, ttl: float = RUNNING_TTL) -> bool:
        renewed = await self._redis.script(
            "renew push", _EXPIRE_IF_EQUAL, [self._key(ticket.key)], [_owner(ticket), _ms(ttl)]
        )
        return bool(renewed)

    async def complete(self, ticket: Ticket, ttl: float = DONE_TTL) -> bool:
        done = await self._redis.script(
            "complete push", _COMPLETE_PUSH, [self._key(ticket.key)], [_owner(ticket), _ms(ttl)]
        )
        return bool(done)

    async def release(self, ticket: Ticket) -> bool:
        return await self._release(ticket)

    async def _release(self, ticket: Ticket, *, always: bool = False) -> bool:
        deleted = await self._redis.script(
            "release push",
            _DELETE_IF_EQUAL,
            [self._key(ticket.key)],
            [_owner(ticket)],
            always=always,
        )
        return bool(deleted)


_ANSWERS = {"done": Claim.DONE, "marked": Claim.MARKED}


def _owner(ticket: Ticket) -> str:
    return f"running:{ticket.owner}"

"""Client-side rate limiting: callers wait here before each attempt is sent.

WeChat counts quotas per appid across every process (45011 per minute, 45009 per day), so a
useful limiter is shared (``wechat_async.stores.redis.RedisRateLimiter``); any object with an
``acquire`` coroutine fits. ``MemoryRateLimiter`` is the same limit for one process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import anyio

from ._errors import ConfigurationError

__all__ = ["MemoryRateLimiter", "RateLimiter", "limit_key", "patience", "spacing", "wait_for_slot"]


@runtime_checkable
class RateLimiter(Protocol):
    """Waits until one more call to ``path`` for ``appid`` may be sent.

    ``WeChatClient(rate_limiter=...)`` awaits it before every attempt, retries included.
    Implementations group paths as they like (one limit per appid, or per endpoint group).
    """

    async def acquire(self, appid: str, path: str) -> None: ...


#: Which limit a path counts against: a group name, or None for a path that is not limited.
Grouping = Callable[[str], "str | None"]


def spacing(rate: float, per: float, burst: int) -> tuple[float, float]:
    """GCRA parameters: seconds between calls, and how far ahead of that a burst may go."""
    if not (isinstance(rate, (int, float)) and 0 < rate < float("inf")):
        raise ConfigurationError(f"rate must be a positive number, got {rate!r}")
    if not (isinstance(per, (int, float)) and 0 < per < float("inf")):
        raise ConfigurationError(f"per must be a positive number of seconds, got {per!r}")
    if not (isinstance(burst, int) and burst >= 1):
        raise ConfigurationError(f"burst must be an int >= 1, got {burst!r}")
    interval = per / rate
    return interval, (burst - 1) * interval


def limit_key(appid: str, path: str, group: Grouping | None) -> str | None:
    if group is None:
        return appid
    name = group(path)
    return None if name is None else f"{appid}:{name}"


#: Share of a caller's time left that a slot may take; the rest is kept for the call itself,
#: so a slot at the very edge of a deadline (cut off mid-request, or wasted) is not taken.
_PATIENCE_SHARE = 0.9


def patience() -> float:
    """How long the caller may wait for a slot: most of the time to the nearest deadline
    around it (inf without one)."""
    return (anyio.current_effective_deadline() - anyio.current_time()) * _PATIENCE_SHARE


async def wait_for_slot(wait: float | None) -> None:
    """Sleep until a reserved slot; None (no slot within the caller's patience): the caller's
    deadline passes first, so it waits for that, holding no slot."""
    if wait is None:
        await anyio.sleep_forever()  # a finite deadline around us cancels it
    elif wait > 0:
        await anyio.sleep(wait)


class MemoryRateLimiter:
    """At most ``rate`` calls per ``per`` seconds (bursts of ``burst``) in this process, per
    appid or per ``group(path)``. GCRA: each caller reserves the next free slot and sleeps
    until it, and only a slot it can wait for: a caller whose deadline comes first takes none
    (under overload the slots still go to the callers who can use them, at the rate). A caller
    cancelled otherwise while waiting leaves its slot unused (never a burst)."""

    def __init__(
        self,
        rate: float,
        *,
        per: float = 1.0,
        burst: int = 1,
        group: Grouping | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval, self._tolerance = spacing(rate, per, burst)
        self._group = group
        self._monotonic = monotonic
        self._tat: dict[str, float] = {}  # theoretical arrival time of the next call, per key

    def __repr__(self) -> str:
        return f"MemoryRateLimiter(interval={self._interval:g}s, keys={len(self._tat)})"

    def reserve(self, key: str, within: float = math.inf) -> float | None:
        """Take the next slot of ``key`` if it comes within ``within`` seconds; how long to
        wait for it, or None (nothing taken). No await: atomic."""
        now = self._monotonic()
        tat = max(self._tat.get(key, now), now)
        wait = max(0.0, tat - self._tolerance - now)
        if wait > within:
            return None
        self._tat[key] = tat + self._interval
        return wait

    async def acquire(self, appid: str, path: str) -> None:
        key = limit_key(appid, path, self._group)
        if key is None:
            return
        await wait_for_slot(self.reserve(key, patience()))

"""Client-side rate limiting: callers wait here before each attempt is sent.

WeChat counts quotas per appid across every process (45011 per minute, 45009 per day), so a
useful limiter is shared (``wechat_async.stores.redis.RedisRateLimiter``); any object with an
``acquire`` coroutine fits. ``MemoryRateLimiter`` is the same limit for one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import anyio

from ._errors import ConfigurationError

__all__ = ["MemoryRateLimiter", "RateLimiter", "limit_key", "spacing"]


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


class MemoryRateLimiter:
    """At most ``rate`` calls per ``per`` seconds (bursts of ``burst``) in this process, per
    appid or per ``group(path)``. GCRA: each caller reserves the next free slot and sleeps
    until it; a caller cancelled while waiting leaves its slot unused (never a burst)."""

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

    def reserve(self, key: str) -> float:
        """Take the next slot of ``key``; how long to wait for it (no await: atomic)."""
        now = self._monotonic()
        tat = max(self._tat.get(key, now), now)
        self._tat[key] = tat + self._interval
        return max(0.0, tat - self._tolerance - now)

    async def acquire(self, appid: str, path: str) -> None:
        key = limit_key(appid, path, self._group)
        if key is None:
            return
        wait = self.reserve(key)
        if wait > 0:
            await anyio.sleep(wait)

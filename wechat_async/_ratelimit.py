"""Client-side rate limiting: callers wait here before each attempt is sent.

WeChat counts quotas per appid across every process (45011 per minute, 45009 per day), so a
useful limiter is shared (``wechat_async.stores.redis.RedisRateLimiter``); any object with an
``acquire`` coroutine fits.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["RateLimiter"]


@runtime_checkable
class RateLimiter(Protocol):
    """Waits until one more call to ``path`` for ``appid`` may be sent.

    ``WeChatClient(rate_limiter=...)`` awaits it before every attempt, retries included.
    Implementations group paths as they like (one limit per appid, or per endpoint group).
    """

    async def acquire(self, appid: str, path: str) -> None: ...

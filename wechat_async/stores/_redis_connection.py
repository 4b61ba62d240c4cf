"""The one place that talks to Redis: redis-py's synchronous client, each command run in a
worker thread (``anyio.to_thread``), so the stores work the same under asyncio and trio.

Why not an async client: redis-py's asyncio client is asyncio-only, and coredis (built on
anyio) leaked unclosed streams and logged errors on every failed connection attempt, the very
path a Redis outage takes. A thread hop costs about as much as the round trip it wraps, and a
token refresh, a push or a rate-limit slot needs one or a few of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread

from .._errors import (
    ConfigurationError,
    StoreCredentialsError,
    StoreError,
    StoreUnavailableError,
    StoreWritesRefusedError,
)
from ._breaker import Breaker, Pass

try:
    import redis
    import redis.backoff
    import redis.exceptions
    import redis.retry
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "wechat_async.stores.redis needs the redis extra: pip install 'wechat-async[redis]'"
    ) from exc

__all__ = ["COMMAND_TIMEOUT", "RedisClient", "RedisConnection", "store_error", "text"]

T = TypeVar("T")

RedisClient = redis.Redis

#: Seconds one Redis command (or connecting) may take before Redis counts as unavailable.
COMMAND_TIMEOUT = 2.0

# One classification of what Redis answers, by error code: the reply's own, or the one a
# script's redis.call failed with (Redis 6 wraps it: "Error running script ...: -OOM ...").
_CREDENTIAL_CODES = frozenset({"NOAUTH", "WRONGPASS", "NOPERM"})
_REFUSED_WRITE_CODES = frozenset({"OOM", "MISCONF", "READONLY"})
_BUSY_CODES = frozenset({"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"})
_CODE = re.compile(r"(?:^|: -)([A-Z]{2,}) ")
_CREDENTIAL_ERRORS = (
    redis.exceptions.AuthenticationError,
    redis.exceptions.AuthorizationError,
    redis.exceptions.AuthenticationWrongNumberOfArgsError,
    redis.exceptions.NoPermissionError,
)
# Redis down, restarting, failing over or too slow (BusyLoadingError is a ConnectionError).
_UNREACHABLE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def store_error(what: str, exc: Exception) -> StoreError:
    """The WeChatError for what Redis (or the way to it) answered: unavailable, refusing writes,
    refusing the credentials, or (anything else: a bug or a misconfiguration) a ``StoreError``."""
    codes = {getattr(exc, "status_code", None), *_CODE.findall(str(exc))}
    detail = f"Redis {what} failed: {type(exc).__name__}: {exc}"
    if isinstance(exc, _CREDENTIAL_ERRORS) or codes & _CREDENTIAL_CODES:
        return StoreCredentialsError(f"{detail} (check the Redis password, user and ACL)")
    if isinstance(exc, (redis.exceptions.OutOfMemoryError, redis.exceptions.ReadOnlyError)) or (
        codes & _REFUSED_WRITE_CODES
    ):
        return StoreWritesRefusedError(detail)
    if isinstance(exc, _UNREACHABLE_ERRORS) or codes & _BUSY_CODES:
        return StoreUnavailableError(detail)
    return StoreError(detail)


class RedisConnection:
    """A client given by the caller (theirs to configure and close) or built from a URL, with
    ``timeout`` seconds for connecting and for each reply (closed by ``aclose``), behind a
    circuit breaker (``_breaker``)."""

    def __init__(
        self,
        url_or_client: str | RedisClient,
        *,
        prefix: str,
        timeout: float = COMMAND_TIMEOUT,
        name: str = "Redis store",
    ) -> None:
        if isinstance(url_or_client, str):
            self._client: RedisClient = redis.Redis.from_url(
                url_or_client,
                decode_responses=True,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                # One quick retry of a connection error: after a Redis restart the first
                # command on a pooled connection fails, and a new connection succeeds. Not of
                # a timeout: a Redis that stalled once stalls the retry too (the breaker
                # takes over). Whatever is re-sent is idempotent per owner.
                retry=redis.retry.Retry(
                    redis.backoff.ConstantBackoff(0.01),
                    1,
                    supported_errors=(redis.exceptions.ConnectionError,),
                ),
                # redis-py 5 retries only the errors named here too (6 and later, any the
                # Retry supports); arq, for one, pins redis-py below 6.
                retry_on_error=[redis.exceptions.ConnectionError],
            )
            self._owned = True
        elif isinstance(url_or_client, redis.Redis):
            self._client = url_or_client
            self._owned = False
        else:
            raise ConfigurationError(
                f"expected a redis:// URL or a redis.Redis client, got "
                f"{type(url_or_client).__name__}"
            )
        self.prefix = prefix
        self._scripts: dict[str, Any] = {}
        self._breaker = Breaker(f"{name} (prefix {prefix!r})")

    def __repr__(self) -> str:
        # The URL may carry a password: show neither.
        return f"RedisConnection(prefix={self.prefix!r}, owned={self._owned})"

    async def aclose(self) -> None:
        if self._owned:
            try:
                await anyio.to_thread.run_sync(self._client.close)
            except (redis.exceptions.RedisError, OSError) as exc:
                raise store_error("close", exc) from exc

    async def run(
        self, what: str, command: Callable[[RedisClient], T], *, always: bool = False
    ) -> T:
        """Run one command in a worker thread, unless the breaker says Redis is not answering
        (``always``: send it anyway, to give back a hold its taker may have). A cancelled
        caller stops waiting at once (the socket timeout bounds the thread); what must know
        its outcome (taking a hold) shields it."""
        admitted = Pass.ALWAYS if always else self._breaker.admit(what)
        return await anyio.to_thread.run_sync(
            partial(self._send, what, admitted, command), abandon_on_cancel=True
        )

    def _send(self, what: str, admitted: Pass, command: Callable[[RedisClient], T]) -> T:
        """In the worker thread: send, classify what came back, and tell the breaker."""
        self._breaker.still_admitted(admitted, what)
        try:
            result = command(self._client)
        except (redis.exceptions.RedisError, OSError) as exc:
            error = store_error(what, exc)
            if isinstance(error, StoreUnavailableError) and not isinstance(
                error, StoreWritesRefusedError
            ):
                self._breaker.failed(admitted, error)
            else:
                self._breaker.answered()
            raise error from exc
        self._breaker.answered()
        return result

    async def script(
        self,
        what: str,
        source: str,
        keys: Sequence[str],
        args: Sequence[Any],
        *,
        always: bool = False,
    ) -> Any:
        """Run a Lua script (EVALSHA, loaded again if Redis lost it in a restart)."""
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self._client.register_script(source)
        return await self.run(
            what, lambda _client: script(keys=list(keys), args=list(args)), always=always
        )


def text(value: str | bytes | None) -> str | None:
    """A reply as text, whether the client decodes responses or not."""
    if isinstance(value, bytes):
        return value.decode()
    return value

"""RedisTokenStore beyond the shared contract: what lands in Redis, and Redis unreachable."""

from __future__ import annotations

import time

import anyio
import pytest
import redis

from tests.redis._server import RedisServer, free_port
from wechat_async import AccessToken, ConfigurationError, StoreUnavailableError
from wechat_async.stores.redis import RedisTokenStore


async def test_token_and_expiry_are_one_key_that_redis_expires_with_the_token(
    redis_server: RedisServer, prefix: str
) -> None:
    with redis.Redis.from_url(redis_server.url, decode_responses=True) as raw:
        store = RedisTokenStore(raw, prefix=prefix)
        await store.set("wx", AccessToken("T1", time.time() + 60))
        assert raw.keys(f"{prefix}*") == [f"{prefix}token:wx"]
        assert 55_000 < raw.pttl(f"{prefix}token:wx") <= 60_000
        await store.set("gone", AccessToken("T0", time.time() - 1))  # already expired
        assert raw.exists(f"{prefix}token:gone") == 0
        for junk in ("not a token", "nan T", "inf T", "1e400 T", "123 "):
            raw.set(f"{prefix}token:junk", junk)
            assert await store.get("junk") is None
        await store.set("long", AccessToken("T9", time.time() + 10**12))  # a provider's bug
        assert 0 < raw.pttl(f"{prefix}token:long") <= 86_400_000


async def test_lock_key_expires_by_its_ttl(redis_server: RedisServer, prefix: str) -> None:
    with redis.Redis.from_url(redis_server.url) as raw:  # bytes replies: decoded by the store
        store = RedisTokenStore(raw, prefix=prefix)
        ticket = await store.lock("wx", ttl=20)
        assert ticket is not None
        assert raw.get(f"{prefix}token-lock:wx") == ticket.owner.encode()
        assert 19_000 < raw.pttl(f"{prefix}token-lock:wx") <= 20_000
        await store.set("wx", AccessToken("T1", time.time() + 60))
        assert (await store.get("wx")) == AccessToken("T1", (await store.get("wx")).expires_at)
        assert await store.unlock(ticket) is True


async def test_unreachable_redis_raises_store_unavailable_fast_without_the_password() -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    async with RedisTokenStore(url) as store:
        assert "hunter2" not in repr(store)
        started = time.monotonic()
        for call in (
            store.get("wx"),
            store.set("wx", AccessToken("T", time.time() + 60)),
            store.invalidate("wx", "T"),
            store.lock("wx", 10),
        ):
            with pytest.raises(StoreUnavailableError) as caught:
                await call
            assert "hunter2" not in str(caught.value)
        assert time.monotonic() - started < 5


async def test_store_from_a_url_works_without_async_with_and_closes(
    redis_server: RedisServer, prefix: str
) -> None:
    store = RedisTokenStore(redis_server.url, prefix=prefix)
    await store.set("wx", AccessToken("T1", time.time() + 60))
    assert (await store.get("wx")) is not None
    await store.aclose()


def test_store_refuses_what_is_neither_url_nor_client() -> None:
    with pytest.raises(ConfigurationError, match=r"redis\.Redis"):
        RedisTokenStore(6379)  # type: ignore[arg-type]


@pytest.mark.slow
async def test_a_command_that_hangs_is_bounded() -> None:
    # A listener that accepts and never answers: Redis "up" but stuck.
    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener:
        port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
        async with anyio.create_task_group() as tg:
            accepted: list[anyio.abc.SocketStream] = []

            async def hold(stream: anyio.abc.SocketStream) -> None:
                async with stream:
                    accepted.append(stream)
                    await anyio.sleep_forever()

            tg.start_soon(listener.serve, hold)
            async with RedisTokenStore(f"redis://127.0.0.1:{port}/0", timeout=0.2) as store:
                started = time.monotonic()
                with pytest.raises(StoreUnavailableError, match="Timeout"):
                    await store.get("wx")
                assert time.monotonic() - started < 2  # 0.2 s, one retry
            tg.cancel_scope.cancel()

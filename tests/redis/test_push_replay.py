"""Push authentication across processes: a (timestamp, nonce) pair used at one router is known
to every router sharing the Redis store, for as long as its timestamp can pass."""

from __future__ import annotations

import time

import redis

from tests.redis._server import RedisServer
from tests.redis._signed_push import PUSH_TOKEN, signed_push
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.stores.redis import RedisDedupeStore

WINDOW = 300.0


def _router(url: str, prefix: str, seen: list[str]) -> CallbackRouter:
    router = CallbackRouter(
        PUSH_TOKEN, dedupe=RedisDedupeStore(url, prefix=prefix), replay_window=WINDOW
    )

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        seen.append(event.order_id)

    return router


async def test_a_nonce_used_at_one_process_is_refused_with_another_body_at_the_next(
    redis_server: RedisServer, prefix: str
) -> None:
    seen_a: list[str] = []
    seen_b: list[str] = []
    first = _router(redis_server.url, prefix, seen_a)
    second = _router(redis_server.url, prefix, seen_b)
    timestamp, nonce = int(time.time()), "1514711492"
    query, genuine = signed_push("GENUINE", nonce=nonce, timestamp=timestamp)
    _, forged_body = signed_push("FORGED", nonce=nonce, timestamp=timestamp)
    assert (await first.handle("POST", query, genuine)).status == 200
    forged = await second.handle("POST", query, forged_body)
    assert (forged.status, forged.body) == (403, b"nonce already used")
    retry = await second.handle("POST", query, genuine)  # WeChat's retry, as it was
    assert (retry.status, retry.body) == (200, b"<xml>ok</xml>")
    assert (seen_a, seen_b) == (["GENUINE"], [])
    with redis.Redis.from_url(redis_server.url) as raw:
        markers = list(raw.scan_iter(match=f"{prefix}push:nonce*"))
        assert len(markers) == 1  # the pair, keeping the genuine body's digest
        for key in markers:
            assert 0 < raw.pttl(key) <= 2 * WINDOW * 1000  # gone once the timestamp is stale


async def test_a_push_with_a_512_kb_identity_keeps_a_small_key_in_redis(
    redis_server: RedisServer, prefix: str
) -> None:
    """Before: the claim's key was the identity's text, 512 KB per push kept 25 hours."""
    seen: list[str] = []
    router = _router(redis_server.url, prefix, seen)
    query, body = signed_push("HUGE", FromUserName="o" * (512 * 1024))
    assert (await router.handle("POST", query, body)).status == 200
    assert seen == ["HUGE"]
    with redis.Redis.from_url(redis_server.url) as raw:
        keys = list(raw.scan_iter(match=f"{prefix}*"))
        assert len(keys) == 2  # the pair's mark and the push, done
        for key in keys:
            assert len(key) <= len(prefix) + 64
            assert (raw.memory_usage(key) or 0) < 1024

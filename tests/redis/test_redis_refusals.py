"""Redis answering with an error instead of a result: refusing writes (out of memory under
noeviction, MISCONF after a failed save, a read-only replica), refusing the credentials, or
anything else. Every one is a WeChatError; refused writes are handled like an outage (nothing
fails for them alone), refused credentials are a configuration error said at once."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator

import anyio
import httpx
import pytest
import redis
import respx

from tests.helpers import APPID, SECRET, fast_retry, mock_token
from tests.redis._authority import CALL, SEND
from tests.redis._server import RedisServer, free_port
from tests.redis._signed_push import push_router, signed_push
from wechat_async import (
    AccessToken,
    ConfigurationError,
    StoreCredentialsError,
    StoreError,
    StoreUnavailableError,
    StoreWritesRefusedError,
    TokenManager,
    WeChatClient,
    WeChatError,
)
from wechat_async.stores._redis_connection import store_error
from wechat_async.stores.redis import RedisDedupeStore, RedisRateLimiter, RedisTokenStore

_SCRIPT = "Error running script (call to f_0): @user_script:1: @user_script: 1: -{} no."


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (redis.exceptions.OutOfMemoryError("command not allowed"), StoreWritesRefusedError),
        (redis.exceptions.ResponseError(_SCRIPT.format("OOM")), StoreWritesRefusedError),
        (redis.exceptions.ResponseError("MISCONF unable to persist"), StoreWritesRefusedError),
        (redis.exceptions.ResponseError(_SCRIPT.format("MISCONF")), StoreWritesRefusedError),
        (redis.exceptions.ReadOnlyError("read only replica"), StoreWritesRefusedError),
        (redis.exceptions.ResponseError(_SCRIPT.format("READONLY")), StoreWritesRefusedError),
        (redis.exceptions.AuthenticationError("invalid username-password"), StoreCredentialsError),
        (redis.exceptions.NoPermissionError("no permissions"), StoreCredentialsError),
        (redis.exceptions.ResponseError(_SCRIPT.format("NOPERM")), StoreCredentialsError),
        (redis.exceptions.ConnectionError("Connection refused"), StoreUnavailableError),
        (redis.exceptions.TimeoutError("Timeout reading"), StoreUnavailableError),
        (redis.exceptions.BusyLoadingError("loading"), StoreUnavailableError),
        (redis.exceptions.ResponseError("BUSY running a script"), StoreUnavailableError),
        (ConnectionResetError(104, "reset"), StoreUnavailableError),
        (redis.exceptions.ResponseError("WRONGTYPE Operation against a key"), StoreError),
        (redis.exceptions.ResponseError(_SCRIPT.format("ERR")), StoreError),
    ],
)
def test_one_classification_of_what_redis_answers(
    raised: Exception, expected: type[StoreError]
) -> None:
    error = store_error("GET token", raised)
    assert type(error) is expected
    assert isinstance(error, WeChatError)
    assert "GET token" in str(error)


def _wait_for(check: Callable[[], bool]) -> None:
    for _ in range(200):
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in 10 s")


def _refuse_writes(raw: redis.Redis, how: str) -> Callable[[], None]:
    """Make the server refuse writes the way ``how`` says; return what undoes it."""
    if how == "oom":
        raw.config_set("maxmemory-policy", "noeviction")
        raw.config_set("maxmemory", 1)
        return lambda: raw.config_set("maxmemory", 0)
    if how == "misconf":
        # A background save into a directory that is gone fails; with a save point set, Redis
        # then refuses writes until a save succeeds.
        gone = tempfile.mkdtemp(prefix="redis-gone-")
        raw.config_set("dir", gone)
        os.rmdir(gone)
        raw.config_set("save", "900 1")
        raw.config_set("stop-writes-on-bgsave-error", "yes")
        raw.bgsave()
        _wait_for(lambda: raw.info("persistence")["rdb_last_bgsave_status"] == "err")

        def undo() -> None:
            raw.config_set("stop-writes-on-bgsave-error", "no")
            # No save point: a server stopping would try to save, fail, and linger.
            raw.config_set("save", "")

        return undo
    assert how == "readonly"  # a replica of a master that is not there
    raw.execute_command("REPLICAOF", "127.0.0.1", str(free_port()))
    return lambda: raw.execute_command("REPLICAOF", "NO", "ONE")


@pytest.fixture(params=["oom", "misconf", "readonly"])
def refusing(
    request: pytest.FixtureRequest, own_redis_server: RedisServer
) -> Iterator[tuple[RedisServer, Callable[[], None]]]:
    """A server that refuses writes, and what makes it accept them again."""
    with redis.Redis.from_url(own_redis_server.url) as raw:
        undo = _refuse_writes(raw, request.param)
        yield own_redis_server, undo
        undo()


async def test_writes_refused_are_a_store_unavailable_error_and_reads_still_work(
    refusing: tuple[RedisServer, Callable[[], None]], prefix: str
) -> None:
    server, _ = refusing
    async with (
        RedisTokenStore(server.url, prefix=prefix) as tokens,
        RedisDedupeStore(server.url, prefix=prefix) as pushes,
    ):
        assert await tokens.get("wx") is None
        for call in (
            tokens.set("wx", AccessToken("T", time.time() + 60)),
            tokens.lock("wx", 10),
            pushes.claim("k"),
        ):
            with pytest.raises(StoreWritesRefusedError) as caught:
                await call
            assert isinstance(caught.value, StoreUnavailableError)
            assert caught.value.__cause__ is not None  # redis-py's own error, chained


async def test_token_refresh_works_alone_while_redis_refuses_writes_and_is_not_cached_as_failed(
    refusing: tuple[RedisServer, Callable[[], None]],
    prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, undo = refusing
    fetched = 0

    async def fetch() -> AccessToken:
        nonlocal fetched
        fetched += 1
        return AccessToken(f"T{fetched}", time.time() + 7200)

    async with RedisTokenStore(server.url, prefix=prefix) as store:
        first = TokenManager(APPID, fetch, store)
        with caplog.at_level(logging.WARNING, logger="wechat_async.token"):
            assert await first.get() == "T1"
        assert "refreshing in this process only" in caplog.text
        await anyio.to_thread.run_sync(undo)
        # Another process, once Redis takes writes again, refreshes and shares as usual.
        second = TokenManager(APPID, fetch, store)
        assert await second.get() == "T2"
        assert await store.get(APPID) is not None


async def test_calls_go_on_while_redis_refuses_writes(
    refusing: tuple[RedisServer, Callable[[], None]],
    prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, _ = refusing
    router = respx.Router()
    mock_token(router)
    send = router.post(SEND).respond(json={"errcode": 0, "errmsg": "ok"})
    transport = httpx.MockTransport(router.async_handler)
    async with (
        RedisTokenStore(server.url, prefix=prefix) as tokens,
        RedisRateLimiter(server.url, 1000, prefix=prefix) as limiter,
        httpx.AsyncClient(transport=transport) as http,
        WeChatClient(
            APPID,
            SECRET,
            http_client=http,
            token_store=tokens,
            rate_limiter=limiter,
            retry=fast_retry(),
        ) as client,
    ):
        with caplog.at_level(logging.WARNING):
            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(lambda: client.cityservice.send_msg_data(**CALL))
    assert send.call_count == 20
    limited_alone = [r for r in caplog.records if "limiting this process alone" in r.message]
    assert len(limited_alone) == 1


async def test_a_push_is_answered_503_and_not_run_while_redis_refuses_writes_then_runs_once(
    refusing: tuple[RedisServer, Callable[[], None]], prefix: str
) -> None:
    server, undo = refusing
    async with RedisDedupeStore(server.url, prefix=prefix) as store:
        router, runs = push_router(store)
        reply = await router.handle("POST", *signed_push("ORDER-R"))
        assert (reply.status, runs) == (503, [])
        await anyio.to_thread.run_sync(undo)
        for _ in range(3):  # WeChat's retries: the first runs the handler, the rest are done
            assert (await router.handle("POST", *signed_push("ORDER-R"))).status == 200
        assert runs == ["ORDER-R"]


@pytest.fixture
def password_server(own_redis_server: RedisServer) -> RedisServer:
    with redis.Redis.from_url(own_redis_server.url) as raw:
        raw.config_set("requirepass", "right-password")
    return own_redis_server


@pytest.mark.parametrize("password", ["", "hunter2"], ids=["noauth", "wrongpass"])
async def test_refused_credentials_are_a_configuration_error_everywhere(
    password_server: RedisServer, prefix: str, password: str
) -> None:
    url = password_server.url
    if password:
        url = url.replace("redis://", f"redis://:{password}@")

    async def fetch() -> AccessToken:
        return AccessToken("T", time.time() + 7200)

    async with (
        RedisTokenStore(url, prefix=prefix) as tokens,
        RedisRateLimiter(url, 100, prefix=prefix) as limiter,
        RedisDedupeStore(url, prefix=prefix) as pushes,
    ):
        for call in (
            TokenManager(APPID, fetch, tokens).get(),  # not refreshed alone: said at once
            tokens.get("wx"),
            limiter.acquire(APPID, "/cgi-bin/x"),  # not limited alone
            pushes.claim("k"),
        ):
            with pytest.raises(StoreCredentialsError) as caught:
                await call
            assert isinstance(caught.value, ConfigurationError)
            assert "hunter2" not in str(caught.value)


async def test_any_other_error_reply_is_a_store_error(
    redis_server: RedisServer, prefix: str
) -> None:
    with redis.Redis.from_url(redis_server.url) as raw:
        raw.lpush(f"{prefix}token:wx", "not a string")  # a key of another type under the prefix
        async with RedisTokenStore(raw, prefix=prefix) as store:
            with pytest.raises(StoreError, match="WRONGTYPE"):
                await store.get("wx")

"""RedisDedupeStore: the claim semantics on a real Redis, owned claims across processes, and
whole processes receiving one push at once, or crashing mid-handler."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from subprocess import Popen

import anyio
import pytest
import redis

from tests.redis._processes import spawn, start_together
from tests.redis._push_worker import make_router, push
from tests.redis._server import RedisServer, free_port
from tests.stores.dedupe_contract import *  # noqa: F403 - the shared contract suite
from wechat_async import StoreUnavailableError
from wechat_async.stores.dedupe import Claim, Ticket
from wechat_async.stores.redis import RedisDedupeStore


@pytest.fixture
def dedupe_store(
    redis_server: RedisServer, prefix: str
) -> Callable[[], AbstractAsyncContextManager[RedisDedupeStore]]:
    """The shared contract suite runs on Redis: each store its own client, one key prefix."""
    return lambda: RedisDedupeStore(redis_server.url, prefix=prefix)


async def test_two_processes_claims_have_one_winner(redis_server: RedisServer, prefix: str) -> None:
    outcomes: list[Ticket | Claim] = []
    async with (
        RedisDedupeStore(redis_server.url, prefix=prefix) as a,
        RedisDedupeStore(redis_server.url, prefix=prefix) as b,
    ):

        async def claim(store: RedisDedupeStore) -> None:
            outcomes.append(await store.claim("k"))

        async with anyio.create_task_group() as tg:
            for i in range(50):
                tg.start_soon(claim, a if i % 2 else b)
    assert sum(isinstance(o, Ticket) for o in outcomes) == 1
    assert outcomes.count(Claim.RUNNING) == 49


async def test_done_is_kept_for_its_ttl(redis_server: RedisServer, prefix: str) -> None:
    with redis.Redis.from_url(redis_server.url) as raw:
        async with RedisDedupeStore(raw, prefix=prefix) as store:
            ticket = await store.claim("k")
            assert isinstance(ticket, Ticket)
            await store.complete(ticket)
            assert await store.claim("k") is Claim.DONE
            assert 25 * 3600 * 1000 - 5000 < raw.pttl(f"{prefix}push:k") <= 25 * 3600 * 1000


async def test_redis_unreachable_refuses_to_claim() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    async with RedisDedupeStore(url, timeout=0.2) as store:
        with pytest.raises(StoreUnavailableError):
            await store.claim("k")


def _deliverer(redis_url: str, prefix: str, mode: str, order_id: str, backend: str) -> Popen[str]:
    return spawn("tests.redis._push_worker", redis_url, prefix, mode, order_id, backend)


@pytest.mark.slow
def test_one_push_delivered_to_4_processes_at_once_runs_once(
    redis_server: RedisServer, prefix: str
) -> None:
    workers = [
        _deliverer(redis_server.url, prefix, "run", "ORDER-1", backend)
        for backend in ("asyncio", "trio", "asyncio", "trio")
    ]
    start_together(workers)
    statuses = []
    for worker in workers:
        out, err = worker.communicate(timeout=30)
        assert worker.returncode == 0, err
        statuses.append(int(out))
    with redis.Redis.from_url(redis_server.url) as raw:
        runs = int(raw.get(f"{prefix}runs:ORDER-1") or 0)
    print(f"4 concurrent deliveries: statuses {sorted(statuses)}, handler runs {runs}")
    assert runs == 1
    # 200 for the one that ran (and any that arrived after it finished); 503 "push in
    # progress" for those that arrived while it ran, which WeChat retries.
    assert set(statuses) <= {200, 503}
    # At least one found the claim running: the deliveries did overlap, so the single run
    # above came from the claim, not from the processes arriving one after another.
    assert statuses.count(503) >= 1


@pytest.mark.slow
async def test_a_handler_that_crashes_its_process_runs_again_once_after_its_claim_expires(
    redis_server: RedisServer, prefix: str
) -> None:
    crashing = _deliverer(redis_server.url, prefix, "crash", "ORDER-2", "asyncio")
    await anyio.to_thread.run_sync(start_together, [crashing])
    _, err = await anyio.to_thread.run_sync(crashing.communicate, None, 30)
    assert crashing.returncode == 17, err  # died mid-handler, claim left behind
    router = make_router(redis_server.url, prefix, claim_ttl=0.5, crash=False)
    query, body = push("ORDER-2")
    with redis.Redis.from_url(redis_server.url) as raw:
        runs = f"{prefix}runs:ORDER-2"
        assert raw.get(runs) == b"1"
        if raw.pttl(f"{prefix}push:ORDER-2") > 0:  # the claim has not expired yet
            assert (await router.handle("POST", query, body)).status == 503
        await anyio.sleep(0.6)  # the crashed claim's TTL has run out
        assert (await router.handle("POST", query, body)).status == 200
        assert raw.get(runs) == b"2"
        for _ in range(3):  # WeChat's later retries: acknowledged, not run
            assert (await router.handle("POST", query, body)).status == 200
        assert raw.get(runs) == b"2"

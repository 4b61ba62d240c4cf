"""Handlers run in the request's task, watched by one task per event loop: a handler that
turns slow after many quick ones still has its claim renewed and its timeout enforced, the
watcher ends when pushes stop and comes back with the next one, and each loop has its own."""

from __future__ import annotations

import os
from typing import Any

import anyio
import pytest

from tests.callbacks.test_router import NOW, TOKEN, pay_done, signed
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone, parse_event
from wechat_async.callbacks._router import _digest
from wechat_async.stores._base import new_ticket
from wechat_async.stores._hold import keep_held
from wechat_async.stores.dedupe import MemoryDedupeStore, Ticket


class _CountingStore(MemoryDedupeStore):
    """Counts renewals, and can refuse them (the claim taken over)."""

    def __init__(self) -> None:
        super().__init__()
        self.renewals: list[str] = []
        self.refuse = False

    async def renew(self, ticket: Ticket, ttl: float = 60.0) -> bool:
        self.renewals.append(ticket.key)
        if self.refuse:
            return False
        return await super().renew(ticket, ttl)


def _router(store: Any = None, **options: Any) -> CallbackRouter:
    return CallbackRouter(TOKEN, clock=lambda: NOW, dedupe=store, **options)


def _push(i: int) -> tuple[dict[str, str], bytes]:
    return signed(nonce=f"n{i}"), pay_done(f"ORDER-{i}")


async def test_a_handler_slow_after_many_quick_ones_keeps_its_claim_and_runs_once() -> None:
    store = _CountingStore()
    router = _router(store, claim_ttl=0.3)
    runs: list[str] = []
    slow = {"ORDER-20"}

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        runs.append(event.order_id)
        if event.order_id in slow:
            await anyio.sleep(1.0)  # over three claim TTLs

    for i in range(20):  # quick handlers: no renewal is ever started for them
        assert (await router.handle("POST", *_push(i))).status == 200
    assert store.renewals == []
    statuses: list[int] = []

    async def deliver(after: float) -> None:
        await anyio.sleep(after)
        statuses.append((await router.handle("POST", *_push(20))).status)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for after in (0.0, 0.45, 0.8):  # WeChat's retries while it runs
                tg.start_soon(deliver, after)
    assert sorted(statuses) == [200, 503, 503]
    assert runs.count("ORDER-20") == 1
    assert len(store.renewals) >= 3  # renewed from a third of its TTL on, until it ended
    renewed = len(store.renewals)
    await anyio.sleep(0.25)
    assert len(store.renewals) == renewed  # its renewal stopped with it


async def test_the_timeout_cuts_off_a_handler_slow_after_quick_ones() -> None:
    router = _router(handler_timeout=0.2)
    hang = {"ORDER-10"}
    runs: list[str] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        runs.append(event.order_id)
        if event.order_id in hang:
            await anyio.sleep_forever()

    for i in range(10):
        assert (await router.handle("POST", *_push(i))).status == 200
    with anyio.fail_after(5):
        reply = await router.handle("POST", *_push(10))
    assert (reply.status, reply.body) == (503, b"handler timed out")
    hang.clear()
    assert (await router.handle("POST", *_push(10))).status == 200  # its claim was released
    assert runs.count("ORDER-10") == 2


async def test_the_watcher_ends_when_pushes_stop_and_the_next_push_brings_it_back() -> None:
    router = _router(handler_timeout=0.1, claim_ttl=0.3)
    hang = True

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        if hang and event.order_id == "ORDER-1":
            await anyio.sleep_forever()

    assert (await router.handle("POST", *_push(0))).status == 200
    assert router._runs.watches  # one watcher for this loop
    for _ in range(100):  # a quiet period (0.1 s here) ends it
        if not router._runs.watches:
            break
        await anyio.sleep(0.05)
    assert not router._runs.watches
    with anyio.fail_after(5):
        reply = await router.handle("POST", *_push(1))  # a new watcher times this one out
    assert (reply.status, reply.body) == (503, b"handler timed out")


async def test_concurrent_slow_handlers_lose_only_their_own_claim() -> None:
    lost = _digest(parse_event(pay_done("ORDER-1")).identity())  # the claim's store key

    class _LosesOne(_CountingStore):
        async def renew(self, ticket: Ticket, ttl: float = 60.0) -> bool:
            return ticket.key != lost and await super().renew(ticket, ttl)

    router = _router(_LosesOne(), claim_ttl=0.3)
    finished: list[str] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        await anyio.sleep(0.6)
        finished.append(event.order_id)

    replies: dict[int, tuple[int, bytes]] = {}

    async def deliver(i: int) -> None:
        reply = await router.handle("POST", *_push(i))
        replies[i] = (reply.status, reply.body)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(deliver, i)
    assert replies[1] == (503, b"claim lost")
    assert replies[0][0] == replies[2][0] == 200
    assert sorted(finished) == ["ORDER-0", "ORDER-2"]


async def test_a_delivery_cancelled_while_its_claim_is_renewed_releases_it_and_stops_renewing() -> (
    None
):
    store = _CountingStore()
    router = _router(store, claim_ttl=0.15)
    calls = 0

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await anyio.sleep(10)

    with anyio.fail_after(5):
        with anyio.move_on_after(0.3):  # after its renewal started
            await router.handle("POST", signed(), pay_done())
    assert store.renewals
    renewed = len(store.renewals)
    assert (await router.handle("POST", signed(), pay_done())).status == 200  # released
    await anyio.sleep(0.15)
    assert len(store.renewals) == renewed
    assert calls == 2


def test_each_event_loop_has_its_own_watcher() -> None:
    """One router serving several loops in turn (Flask runs each request in a loop of its
    own): the timeout is enforced in each, and no watcher outlives its loop."""
    router = _router(handler_timeout=0.1)

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        await anyio.sleep_forever()

    for backend in ("asyncio", "trio", "asyncio"):
        reply = anyio.run(router.handle, "POST", signed(), pay_done(), backend=backend)
        assert (reply.status, reply.body) == (503, b"handler timed out")
    assert router._runs.watches == {}


def test_pushes_that_run_no_handler_leave_no_watch_behind() -> None:
    """Before: a duplicate, answered from the store, left a watch keyed by its event loop;
    with a loop a request (Flask) that was one loop kept a push."""
    router = _router()

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        pass

    assert anyio.run(router.handle, "POST", signed(), pay_done()).status == 200
    for backend in ("asyncio", "trio", "asyncio"):
        duplicate = anyio.run(router.handle, "POST", signed(), pay_done(), backend=backend)
        assert duplicate.status == 200
    assert router._runs.watches == {}


async def test_a_renewal_started_late_renews_at_once_and_knows_when_the_hold_lapses() -> None:
    asked: list[float] = []

    async def renew() -> bool:
        asked.append(anyio.current_time())
        return len(asked) < 2

    started = anyio.current_time()
    with anyio.fail_after(5):
        reason = await keep_held(renew, 0.3, "test hold", taken_at=started - 0.2)
    assert reason == "taken over"
    assert asked[0] - started < 0.05  # a third of the TTL had passed: renewed at once
    assert 0.08 < asked[1] - asked[0] < 0.3  # then every third of it


def test_owner_ids_are_unique_and_a_forked_child_draws_its_own() -> None:
    owners = {new_ticket("k").owner for _ in range(1000)}
    assert len(owners) == 1000
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, new_ticket("k").owner.encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    mine = new_ticket("k").owner
    assert child[:16] != mine[:16]  # not the parent's next ids

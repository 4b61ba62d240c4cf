"""A handler is cancelled (timed out, or its claim lost) the way a cancel scope would cancel
it: on asyncio without a scope of its own (its request's task is cancelled by the watcher),
on trio in one. Either way: never inside a scope the handler shielded, again until it stops,
and an outside cancellation stays the caller's."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from tests.callbacks.test_router import NOW, TOKEN, pay_done, signed
from wechat_async import _cancel
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone


def _router(**options: Any) -> CallbackRouter:
    return CallbackRouter(TOKEN, clock=lambda: NOW, **options)


async def test_a_handler_shielding_its_work_finishes_it_then_is_cut_off() -> None:
    router = _router(handler_timeout=0.1)
    done: list[str] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        with anyio.CancelScope(shield=True):
            await anyio.sleep(0.3)  # past the timeout, shielded
            done.append("shielded work")
        await anyio.sleep(10)  # the timeout reaches it here
        done.append("never")

    with anyio.fail_after(5):
        reply = await router.handle("POST", signed(), pay_done())
    assert (reply.status, reply.body) == (503, b"handler timed out")
    assert done == ["shielded work"]


async def test_a_handler_swallowing_its_cancellation_is_cancelled_again() -> None:
    router = _router(handler_timeout=0.1)
    caught: list[str] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        try:
            await anyio.sleep(10)
        except anyio.get_cancelled_exc_class():
            caught.append("first")
        await anyio.sleep(10)  # not cancelled once only: stopped here as well

    with anyio.fail_after(5):
        reply = await router.handle("POST", signed(), pay_done())
    assert (reply.status, reply.body) == (503, b"handler timed out")
    assert caught == ["first"]


async def test_a_handler_cut_off_that_returns_anyway_is_recorded_done() -> None:
    router = _router(handler_timeout=0.1)
    runs: list[str] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        runs.append("run")
        try:
            await anyio.sleep(10)
        except anyio.get_cancelled_exc_class():
            return  # it ran, and says so

    with anyio.fail_after(5):
        first = await router.handle("POST", signed(), pay_done())
        second = await router.handle("POST", signed(), pay_done())
    assert first.status == second.status == 200
    assert runs == ["run"]  # the retry found it done


async def test_an_outside_cancellation_during_a_shielded_overrun_stays_the_callers() -> None:
    """Timed out and cancelled from outside at once: the caller's cancellation wins (it is
    not taken for the router's own), and the claim is released for WeChat's retry."""
    router = _router(handler_timeout=0.1)
    runs: list[str] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        runs.append("run")
        if len(runs) == 1:
            with anyio.CancelScope(shield=True):
                await anyio.sleep(0.4)  # both cancellations wait for this
            await anyio.sleep(10)

    replies = []
    with anyio.fail_after(5):
        with anyio.move_on_after(0.2) as outside:
            replies.append(await router.handle("POST", signed(), pay_done()))
            await anyio.sleep(10)  # the reply, if any, came before the outside scope's turn
    assert outside.cancelled_caught
    assert [(r.status, r.body) for r in replies] in ([], [(503, b"handler timed out")])
    assert (await router.handle("POST", signed(), pay_done())).status == 200  # released
    assert runs == ["run", "run"]


def test_on_asyncio_a_handler_runs_in_no_cancel_scope_of_the_routers() -> None:
    """What makes a push cheap: the request's task enters no anyio scope for it."""
    router = _router(handler_timeout=0.2)
    scopes: list[object] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        task = asyncio.current_task()
        assert task is not None
        scopes.append(_cancel.enclosing_scope(task))
        if event.order_id == "HANG":
            await asyncio.sleep(10)

    async def main() -> tuple[int, int]:
        quick = await router.handle("POST", signed(nonce="n1"), pay_done("QUICK"))
        hung = await router.handle("POST", signed(nonce="n2"), pay_done("HANG"))
        return quick.status, hung.status

    assert _cancel.current_task() is None  # no loop here
    assert asyncio.run(asyncio.wait_for(main(), 5)) == (200, 503)
    assert scopes == [None, None]


async def _waiting(future: asyncio.Future[None]) -> None:
    await future


def test_deliverable_only_where_a_scope_would_cancel() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[None] = loop.create_future()
        task = loop.create_task(_waiting(pending))
        await asyncio.sleep(0)
        assert _cancel.deliverable(task, None)  # waits on a future not yet done
        pending.set_result(None)  # woken, not yet run: cancelling would lose the result
        assert not _cancel.deliverable(task, None)
        await task
        assert not _cancel.deliverable(task, None)  # over

        release = asyncio.Event()

        async def shielded() -> None:
            with anyio.CancelScope(shield=True):
                await release.wait()
            await asyncio.sleep(10)

        shielding = loop.create_task(shielded())
        await asyncio.sleep(0)
        assert not _cancel.deliverable(shielding, None)
        release.set()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert _cancel.deliverable(shielding, None)  # out of the shield: cancellable
        shielding.cancel()
        with pytest.raises(asyncio.CancelledError):
            await shielding

    asyncio.run(main())


def test_a_shield_entered_before_the_handler_does_not_stop_its_cancellation() -> None:
    """Shields around the router (a framework's) are not the handler's: a scope of the
    router's own would be cancelled inside them too."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[None] = loop.create_future()
        since: list[object] = []

        async def handler_task() -> None:
            with anyio.CancelScope(shield=True) as outer:
                since.append(outer)
                await pending

        task = loop.create_task(handler_task())
        await asyncio.sleep(0)
        assert _cancel.deliverable(task, since[0])
        assert not _cancel.deliverable(task, None)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


async def test_shielded_is_a_real_shield_inside_anyio_scopes() -> None:
    with anyio.CancelScope():
        shield = _cancel.shielded()
        await anyio.lowlevel.checkpoint()
    assert isinstance(shield, anyio.CancelScope)  # asyncio or trio
    assert shield.shield


def test_shielded_enters_no_scope_in_a_task_no_anyio_scope_can_cancel() -> None:
    async def bare() -> object:
        return _cancel.shielded()

    assert not isinstance(asyncio.run(bare()), anyio.CancelScope)

"""A push runs once even when its handler is slow (the claim is renewed while it runs), a
hung handler is cut off with a retryable reply, and every refusal says what was refused."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest

from tests.callbacks.test_router import NOW, TOKEN, pay_done, signed
from wechat_async import StoreUnavailableError
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.stores.dedupe import Claim, Mark, MemoryDedupeStore, Ticket


def _router(store: Any = None, **options: Any) -> tuple[CallbackRouter, list[str]]:
    router = CallbackRouter(TOKEN, clock=lambda: NOW, dedupe=store, **options)
    runs: list[str] = []
    return router, runs


@pytest.mark.slow
async def test_a_handler_outliving_its_claim_ttl_still_runs_once() -> None:
    """Before claims were renewed: the 0.3 s claim lapsed mid-handler, the redelivery ran the
    handler again, and the first run's failure released the second's claim (3 runs)."""
    router, runs = _router(claim_ttl=0.3)
    fail_first = True

    @router.on(GiftCardPayDone)
    async def slow(event: GiftCardPayDone) -> None:
        nonlocal fail_first
        runs.append(event.order_id)
        await anyio.sleep(1.0)
        if fail_first:
            fail_first = False
            raise RuntimeError("failed late")

    statuses: list[int] = []

    async def deliver(after: float) -> None:
        await anyio.sleep(after)
        statuses.append((await router.handle("POST", signed(), pay_done())).status)

    async with anyio.create_task_group() as tg:
        for after in (0.0, 0.5, 0.8):  # WeChat's retries while the first still runs
            tg.start_soon(deliver, after)
    assert runs == ["Z2y2rY74ksZX1ceuGA"]  # once, despite a 1 s handler and a 0.3 s claim
    assert sorted(statuses) == [500, 503, 503]  # the failure is retried by WeChat...
    final = await router.handle("POST", signed(), pay_done())
    assert final.status == 200  # ...and the retry runs it
    assert runs == ["Z2y2rY74ksZX1ceuGA"] * 2


async def test_a_hung_handler_gets_a_retryable_reply_and_its_claim_back() -> None:
    router, runs = _router(handler_timeout=0.2)
    hang = True

    @router.on(GiftCardPayDone)
    async def stuck(event: GiftCardPayDone) -> None:
        runs.append(event.order_id)
        if hang:
            await anyio.sleep_forever()

    with anyio.fail_after(5):
        reply = await router.handle("POST", signed(), pay_done())
    assert (reply.status, reply.body) == (503, b"handler timed out")
    hang = False
    assert (await router.handle("POST", signed(), pay_done())).status == 200  # claim released
    assert len(runs) == 2


class _LosingStore(MemoryDedupeStore):
    """A store where the claim is taken over while the handler runs."""

    async def renew(self, ticket: Ticket, ttl: float = 60.0) -> bool:
        return False


async def test_a_lost_claim_cancels_the_handler_and_never_marks_done() -> None:
    store = _LosingStore()
    router, runs = _router(store, claim_ttl=0.15)

    @router.on(GiftCardPayDone)
    async def slow(event: GiftCardPayDone) -> None:
        runs.append("started")
        await anyio.sleep(2)
        runs.append("finished")

    reply = await router.handle("POST", signed(), pay_done())
    assert (reply.status, reply.body) == (503, b"claim lost")
    assert runs == ["started"]


class _DownStore(MemoryDedupeStore):
    async def claim(
        self, key: str, ttl: float = 60.0, *, mark: Mark | None = None
    ) -> Ticket | Claim:
        raise StoreUnavailableError("redis down")


async def test_store_unavailable_answers_retryable_and_runs_nothing() -> None:
    router, runs = _router(_DownStore())

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        runs.append(event.order_id)

    reply = await router.handle("POST", signed(), pay_done())
    assert reply.status == 503
    assert runs == []


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        (signed(timestamp=NOW - 3600), 403, "stale or missing timestamp"),
        ({**signed(), "signature": "0" * 40}, 403, "signature check failed"),
    ],
    ids=["stale", "bad-signature"],
)
async def test_refusals_say_what_was_refused(
    query: dict[str, str], status: int, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wechat_async.callbacks")
    router, _ = _router()
    reply = await router.handle("POST", query, pay_done())
    assert (reply.status, reply.body.decode()) == (status, reason)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"push refused ({reason}") for m in messages), messages
    assert not any("text_replyd" in m for m in messages)
    assert all(TOKEN not in m for m in messages)


async def test_a_wrong_method_is_logged_as_refused(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="wechat_async.callbacks")
    router, _ = _router()
    reply = await router.handle("PUT\nx", signed(), pay_done())
    assert (reply.status, reply.body) == (405, b"method not allowed")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["push refused (method not allowed, HTTP 405): 'PUT\\nX'"]


def test_settings_are_checked() -> None:
    from wechat_async import ConfigurationError

    with pytest.raises(ConfigurationError):
        CallbackRouter(TOKEN, handler_timeout=0)


class _RenewDownStore(MemoryDedupeStore):
    """Claims work, renewals cannot reach the store while ``down`` (a Redis blip)."""

    down = True

    async def renew(self, ticket: Ticket, ttl: float = 60.0) -> bool:
        if self.down:
            raise StoreUnavailableError("redis down")
        return await super().renew(ticket, ttl)


@pytest.mark.slow
async def test_an_unconfirmed_claim_stops_its_handler_before_a_redelivery_can_run_it() -> None:
    """Before: a renewal that failed was ignored, the claim lapsed, a redelivery claimed it
    and ran the handler while the first run was still going (two runs at once)."""
    store = _RenewDownStore()
    router, runs = _router(store, claim_ttl=0.3)
    running = 0
    most = 0

    @router.on(GiftCardPayDone)
    async def slow(event: GiftCardPayDone) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            runs.append("started")
            await anyio.sleep(0.6)
            runs.append("finished")
        finally:
            running -= 1

    statuses: list[tuple[int, bytes]] = []

    async def deliver(after: float) -> None:
        await anyio.sleep(after)
        if after:
            store.down = False  # the blip is over when WeChat retries
        reply = await router.handle("POST", signed(), pay_done())
        statuses.append((reply.status, reply.body))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(deliver, 0.0)
            tg.start_soon(deliver, 0.45)  # after the 0.3 s claim would have lapsed
    assert most == 1
    assert sorted(statuses) == [(200, b"<xml>ok</xml>"), (503, b"claim lost")]
    assert runs == ["started", "started", "finished"]  # the redelivery ran it to the end, once


async def test_a_handlers_own_timeout_error_is_a_failure_not_a_handler_timeout() -> None:
    router, _ = _router(handler_timeout=30)

    @router.on(GiftCardPayDone)
    async def gives_up(event: GiftCardPayDone) -> None:
        raise TimeoutError("upstream took too long")

    reply = await router.handle("POST", signed(), pay_done())
    assert (reply.status, reply.body) == (500, b"handler failed")


class _CompleteDownStore(MemoryDedupeStore):
    async def complete(self, ticket: Ticket, ttl: float = 60.0) -> bool:
        raise StoreUnavailableError("redis down")


async def test_a_handler_that_ran_is_acknowledged_even_when_done_cannot_be_recorded() -> None:
    """Before: 503, so WeChat retried, and once the claim expired the handler ran again."""
    router, runs = _router(_CompleteDownStore())

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        runs.append(event.order_id)

    reply = await router.handle("POST", signed(), pay_done())
    assert reply.status == 200
    assert reply.body == b"<xml>ok</xml>"
    assert runs == ["Z2y2rY74ksZX1ceuGA"]


class _ReleaseDownStore(MemoryDedupeStore):
    async def release(self, ticket: Ticket) -> bool:
        raise StoreUnavailableError("redis down")


async def test_cancelling_a_delivery_stays_a_cancellation_when_release_fails() -> None:
    """Before: the store error raised while releasing replaced the cancellation, and the
    cancelled request answered 503 as if nothing had cancelled it."""
    router, _ = _router(_ReleaseDownStore())

    @router.on(GiftCardPayDone)
    async def stuck(event: GiftCardPayDone) -> None:
        await anyio.sleep_forever()

    with anyio.fail_after(5):
        with anyio.move_on_after(0.1) as scope:
            await router.handle("POST", signed(), pay_done())
    assert scope.cancelled_caught

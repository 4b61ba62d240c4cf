"""The DedupeStore contract: one suite that every store runs (memory here, Redis in
tests/redis). Import its tests into a module that provides a ``dedupe_store`` fixture (an
async context manager factory: ``async with dedupe_store() as store``)."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest

from wechat_async.stores.dedupe import Claim, DedupeStore, Mark, Ticket


async def test_contract_claim_running_done(dedupe_store: Any) -> None:
    async with dedupe_store() as store:
        assert isinstance(store, DedupeStore)
        ticket = await store.claim("k")
        assert isinstance(ticket, Ticket)
        assert await store.claim("k") is Claim.RUNNING
        assert await store.complete(ticket)
        assert await store.claim("k") is Claim.DONE
        assert isinstance(await store.claim("other"), Ticket)  # keys are independent


async def test_contract_release_lets_the_next_delivery_run(dedupe_store: Any) -> None:
    async with dedupe_store() as store:
        ticket = await store.claim("k")
        assert await store.release(ticket)
        assert not await store.release(ticket)  # once
        assert isinstance(await store.claim("k"), Ticket)


async def test_contract_concurrent_claims_have_one_winner(dedupe_store: Any) -> None:
    results: list[Ticket | Claim] = []
    async with dedupe_store() as store:

        async def claim() -> None:
            await anyio.lowlevel.checkpoint()
            results.append(await store.claim("k"))

        async with anyio.create_task_group() as tg:
            for _ in range(50):
                tg.start_soon(claim)
    assert sum(isinstance(r, Ticket) for r in results) == 1
    assert results.count(Claim.RUNNING) == 49


async def test_contract_a_lapsed_claim_cannot_touch_the_one_that_took_over(
    dedupe_store: Any,
) -> None:
    """The hardening issue's 3-runs bug: a slow handler outlives its claim, a redelivery
    claims and runs, then the slow one's late failure must not free the second's claim."""
    async with dedupe_store() as store:
        slow = await store.claim("k", ttl=0.1)
        assert isinstance(slow, Ticket)
        await anyio.sleep(0.2)
        second = await store.claim("k", ttl=30)
        assert isinstance(second, Ticket)
        assert second != slow
        assert not await store.release(slow)  # late failure: nothing freed
        assert not await store.renew(slow)  # and no way back in
        assert not await store.complete(slow)  # late success: the running one decides
        assert await store.claim("k") is Claim.RUNNING
        assert await store.complete(second)
        assert await store.claim("k") is Claim.DONE


@pytest.mark.slow
async def test_contract_renew_keeps_a_running_claim(dedupe_store: Any) -> None:
    async with dedupe_store() as store:
        ticket = await store.claim("k", ttl=0.3)
        assert isinstance(ticket, Ticket)
        for _ in range(3):
            await anyio.sleep(0.15)
            assert await store.renew(ticket, 0.3)
        assert await store.claim("k") is Claim.RUNNING  # 0.45 s in: held by renewal
        await anyio.sleep(0.4)
        assert isinstance(await store.claim("k"), Ticket)  # unrenewed: expired


async def test_contract_completing_a_lapsed_unclaimed_push_marks_it_done(
    dedupe_store: Any,
) -> None:
    async with dedupe_store() as store:
        ticket = await store.claim("k", ttl=0.05)
        assert isinstance(ticket, Ticket)
        await anyio.sleep(0.1)
        assert await store.complete(ticket)  # the handler ran: no retry should run it again
        assert await store.claim("k") is Claim.DONE


async def test_contract_a_foreign_ticket_touches_nothing(dedupe_store: Any) -> None:
    async with dedupe_store() as store:
        ticket = await store.claim("k")
        assert isinstance(ticket, Ticket)
        forged = Ticket("k", "0" * 32)  # the right key, not the owner
        assert not await store.renew(forged)
        assert not await store.release(forged)
        assert not await store.complete(forged)
        assert await store.claim("k") is Claim.RUNNING
        assert await store.release(ticket)


async def test_contract_everything_stored_expires(dedupe_store: Any) -> None:
    """Memory stays bounded: an unfinished claim and a DONE mark both go after their TTL."""
    async with dedupe_store() as store:
        running = await store.claim("running", ttl=0.1)
        done = await store.claim("done", ttl=30)
        assert isinstance(running, Ticket)
        assert isinstance(done, Ticket)
        assert await store.complete(done, ttl=0.1)
        assert await store.claim("done") is Claim.DONE
        await anyio.sleep(0.25)
        assert isinstance(await store.claim("running"), Ticket)
        assert isinstance(await store.claim("done"), Ticket)


async def test_contract_a_mark_keeps_its_first_value(dedupe_store: Any) -> None:
    """A plain push's (timestamp, nonce) pair carries one body: the same pair with the same
    body passes (a retry), with another body its claim is refused and nothing is written."""
    async with dedupe_store() as store:
        mark = Mark("pair", "body-1", 30)
        first = await store.claim("push-1", mark=mark)
        assert isinstance(first, Ticket)
        assert await store.claim("push-1", mark=mark) is Claim.RUNNING  # the same push again
        assert await store.claim("push-2", mark=Mark("pair", "body-2", 30)) is Claim.MARKED
        assert isinstance(await store.claim("push-2"), Ticket)  # MARKED took nothing
        assert await store.complete(first)
        assert await store.claim("push-1", mark=mark) is Claim.DONE  # a retry, answered
        assert await store.claim("push-3", mark=Mark("pair", "body-3", 30)) is Claim.MARKED
        assert isinstance(await store.claim("push-3", mark=Mark("other", "body-3", 30)), Ticket)


async def test_contract_a_marked_claim_writes_nothing(dedupe_store: Any) -> None:
    async with dedupe_store() as store:
        assert isinstance(await store.claim("push-1", mark=Mark("pair", "body-1", 30)), Ticket)
        refused = await store.claim("push-2", mark=Mark("pair", "body-2", 30))
        assert refused is Claim.MARKED
        ticket = await store.claim("push-2", mark=Mark("pair-2", "body-2", 30))
        assert isinstance(ticket, Ticket)  # push-2 was never claimed
        # and the refused value was not written over the first: body-1 still passes
        assert isinstance(await store.claim("push-9", mark=Mark("pair", "body-1", 30)), Ticket)


async def test_contract_a_mark_is_kept_for_its_own_ttl(dedupe_store: Any) -> None:
    async with dedupe_store() as store:
        ticket = await store.claim("push-1", ttl=30, mark=Mark("pair", "body-1", 0.1))
        assert isinstance(ticket, Ticket)
        await anyio.sleep(0.25)
        assert await store.claim("push-1") is Claim.RUNNING  # the claim outlives its mark
        again = await store.claim("push-2", mark=Mark("pair", "body-2", 30))
        assert isinstance(again, Ticket)  # the mark lapsed: the pair takes a value again


async def test_contract_concurrent_bodies_under_one_mark_have_one_winner(
    dedupe_store: Any,
) -> None:
    results: list[Ticket | Claim] = []
    async with dedupe_store() as store:

        async def claim(i: int) -> None:
            await anyio.lowlevel.checkpoint()
            results.append(await store.claim(f"push-{i}", mark=Mark("pair", f"body-{i}", 30)))

        async with anyio.create_task_group() as tg:
            for i in range(20):
                tg.start_soon(claim, i)
    assert sum(isinstance(r, Ticket) for r in results) == 1
    assert results.count(Claim.MARKED) == 19

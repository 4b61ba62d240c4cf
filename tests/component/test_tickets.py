"""The verify ticket: pushed by the emulator, encrypted for the platform, through the router
(signature, decryption, dedupe) into the store every process reads; a missing or stale one
says what to check."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from tests.redis._server import RedisServer
from wechat_async import MemoryTokenStore, StoreUnavailableError, TokenStore
from wechat_async.callbacks import CallbackApp, CallbackRouter, ComponentVerifyTicket
from wechat_async.component._tickets import VerifyTickets
from wechat_async.errors import VerifyTicketError, VerifyTicketMissingError
from wechat_async.stores.redis import RedisTokenStore
from wechat_async.testing import Emulator

TOKEN = "platform-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
COMPONENT = "wxplatform000000"


class Clock:
    """Starts at the real time: a Redis store expires keys on its own clock."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, redis_server: RedisServer, prefix: str
) -> AsyncIterator[TokenStore]:
    if request.param == "memory":
        yield MemoryTokenStore()
    else:
        async with RedisTokenStore(redis_server.url, prefix=prefix) as redis_store:
            yield redis_store


def _ticket(ticket: str, create_time: int, *, app_id: str = COMPONENT) -> ComponentVerifyTicket:
    """A ``component_verify_ticket`` push as the router hands it over."""
    return ComponentVerifyTicket(
        app_id=app_id,
        create_time=create_time,
        info_type="component_verify_ticket",
        component_verify_ticket=ticket,
    )


def _platform(wx: Emulator, tickets: VerifyTickets) -> CallbackRouter:
    router = CallbackRouter(TOKEN, encoding_aes_key=AES_KEY, app_id=COMPONENT, clock=wx._clock)
    router.on(ComponentVerifyTicket)(tickets.record)
    wx.platform.push_to(token=TOKEN, encoding_aes_key=AES_KEY, app=CallbackApp(router))
    return router


async def test_pushed_ticket_is_stored_for_every_process(store: TokenStore) -> None:
    wx = Emulator(clock=Clock())
    receiver = VerifyTickets(COMPONENT, store, clock=wx._clock)
    _platform(wx, receiver)
    pushed = await wx.platform.push_ticket()
    other_process = VerifyTickets(COMPONENT, store, clock=wx._clock)
    assert await other_process.current() == pushed
    newer = await wx.platform.push_ticket()
    assert await other_process.current() == newer
    assert wx.platform.pusher.log[-1].accepted


async def test_a_redelivered_older_ticket_does_not_replace_a_newer_one(store: TokenStore) -> None:
    wx = Emulator(clock=Clock())
    tickets = VerifyTickets(COMPONENT, store, clock=wx._clock)
    _platform(wx, tickets)
    wx._clock.now += 600  # type: ignore[attr-defined]
    newer = await wx.platform.push_ticket()
    old = _ticket("ticket@@@older", int(wx._clock.now) - 600)  # type: ignore[attr-defined]
    await tickets.record(old)
    assert await VerifyTickets(COMPONENT, store, clock=wx._clock).current() == newer


async def test_no_ticket_yet_says_what_to_check() -> None:
    with pytest.raises(VerifyTicketMissingError) as caught:
        await VerifyTickets(COMPONENT, MemoryTokenStore()).current()
    message = str(caught.value)
    assert "no component_verify_ticket has been received for wxplatform000000" in message
    assert "authorisation event URL" in message
    assert "CallbackApp(platform.router)" in message
    assert "start_push_ticket" in message
    assert isinstance(caught.value, VerifyTicketError)


async def test_a_ticket_over_12_hours_old_is_not_used() -> None:
    clock = Clock()
    tickets = VerifyTickets(COMPONENT, MemoryTokenStore(), clock=clock)
    await tickets.record(_ticket("ticket@@@a", int(clock.now)))
    clock.now += 11 * 3600
    assert await tickets.current() == "ticket@@@a"
    clock.now += 2 * 3600
    with pytest.raises(VerifyTicketMissingError, match="is 13 h old"):
        await tickets.current()


async def test_a_ticket_addressed_to_another_platform_is_not_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tickets = VerifyTickets(COMPONENT, MemoryTokenStore())
    await tickets.record(_ticket("ticket@@@theirs", 1, app_id="wxanotherplatform"))
    with pytest.raises(VerifyTicketMissingError):
        await tickets.current()
    assert "ignored" in caplog.text


class DownStore(MemoryTokenStore):
    down = False

    async def get(self, key: str):  # type: ignore[no-untyped-def]
        if self.down:
            raise StoreUnavailableError("Redis GET token failed: connection refused")
        return await super().get(key)


async def test_store_down_uses_the_ticket_this_process_last_saw(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock = DownStore(), Clock()
    tickets = VerifyTickets(COMPONENT, store, clock=clock)
    await tickets.record(_ticket("ticket@@@seen", int(clock.now)))
    store.down = True
    assert await tickets.current() == "ticket@@@seen"
    assert "using this process's ticket" in caplog.text


async def test_a_store_that_lost_the_ticket_gets_this_processs_copy_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock = MemoryTokenStore(), Clock()
    receiver = VerifyTickets(COMPONENT, store, clock=clock)
    await receiver.record(_ticket("ticket@@@kept", int(clock.now)))
    await store.invalidate(f"component-ticket:{COMPONENT}", "ticket@@@kept")  # a Redis restart
    assert await receiver.current() == "ticket@@@kept"
    assert "put back" in caplog.text
    assert await VerifyTickets(COMPONENT, store, clock=clock).current() == "ticket@@@kept"

"""Push authentication: a router with an AES key takes encrypted pushes only, and a signed
``(timestamp, nonce)`` pair carries one push; WeChat's retries of that push still get through
to the dedupe layer, which answers them."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest

from wechat_async.callbacks import CallbackRouter, GiftCardPayDone, MessageCrypto
from wechat_async.callbacks._signature import sign
from wechat_async.stores.dedupe import MemoryDedupeStore

TOKEN, KEY, APPID = "auth-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxauth0000001"
NOW = 1_700_000_000


def pay_done(order_id: str = "GENUINE-1") -> str:
    return (
        "<xml><ToUserName>gh_1</ToUserName><FromUserName>o_buyer</FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType>event</MsgType>"
        f"<Event>giftcard_pay_done</Event><OrderId>{order_id}</OrderId></xml>"
    )


def plain_query(nonce: str = "1514711492", timestamp: int = NOW) -> dict[str, str]:
    return {
        "signature": sign(TOKEN, str(timestamp), nonce),
        "timestamp": str(timestamp),
        "nonce": nonce,
    }


def safe_push(
    order_id: str = "GENUINE-1", nonce: str = "1492329384"
) -> tuple[dict[str, str], bytes]:
    """A safe-mode push as WeChat sends it: both signatures in the URL, only Encrypt inside."""
    box = MessageCrypto(TOKEN, KEY, APPID)
    encrypt, msg_signature, _, _ = box.encrypt(pay_done(order_id), nonce=nonce, timestamp=str(NOW))
    query = {**plain_query(nonce), "encrypt_type": "aes", "msg_signature": msg_signature}
    return query, f"<xml><ToUserName>gh_1</ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()


def make_router(
    seen: list[str], *, safe: bool = False, dedupe: Any = None, **options: Any
) -> CallbackRouter:
    keys = {"encoding_aes_key": KEY, "app_id": APPID} if safe else {}
    router = CallbackRouter(TOKEN, clock=lambda: NOW, dedupe=dedupe, **keys, **options)

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        seen.append(event.order_id)

    return router


async def test_a_safe_mode_router_refuses_forged_plain_bodies_on_a_genuine_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The attack: one genuine safe-mode push's URL, then plain bodies under it. Before: the
    plain ``signature`` (token, timestamp, nonce only) passed, both ran the handler."""
    caplog.set_level(logging.WARNING, logger="wechat_async.callbacks")
    seen: list[str] = []
    router = make_router(seen, safe=True)
    query, body = safe_push()
    assert (await router.handle("POST", query, body)).status == 200
    for forged in ("FORGED-1", "FORGED-2"):
        reply = await router.handle("POST", query, pay_done(forged).encode())
        assert (reply.status, reply.body) == (403, b"encrypted push required")
    assert seen == ["GENUINE-1"]
    assert any("push refused (encrypted push required" in r.getMessage() for r in caplog.records)


async def test_a_safe_mode_router_refuses_a_plain_push_without_msg_signature() -> None:
    seen: list[str] = []
    router = make_router(seen, safe=True)
    reply = await router.handle("POST", plain_query(), pay_done().encode())
    assert (reply.status, reply.body) == (403, b"encrypted push required")
    assert seen == []


async def test_compatibility_mode_plain_fields_are_not_trusted_when_a_key_is_set() -> None:
    """Compatibility mode sends plain fields beside Encrypt; only Encrypt is signed. Before:
    the plain fields were read, so anyone could rewrite them under a genuine envelope."""
    seen: list[str] = []
    router = make_router(seen, safe=True)
    query, body = safe_push("GENUINE-1")
    forged_fields = pay_done("FORGED-1").removeprefix("<xml>").removesuffix("</xml>").encode()
    mixed = body.replace(b"</xml>", forged_fields + b"</xml>")
    reply = await router.handle("POST", query, mixed)
    assert reply.status == 200
    assert seen == ["GENUINE-1"]  # the encrypted content, never the plain copy beside it


async def test_a_safe_mode_router_still_answers_url_verification() -> None:
    router = make_router([], safe=True)
    reply = await router.handle("GET", {**plain_query(), "echostr": "4375120948345356249"}, b"")
    assert (reply.status, reply.body) == (200, b"4375120948345356249")
    refused = await router.handle("GET", {**plain_query(), "signature": "0" * 40}, b"")
    assert refused.status == 403


async def test_forged_plain_bodies_reusing_a_genuine_timestamp_and_nonce_are_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Plain mode: the signature never covers the body, so a captured URL signs anything.
    Before: two forged bodies under one genuine URL were answered 200 and ran the handler."""
    caplog.set_level(logging.WARNING, logger="wechat_async.callbacks")
    seen: list[str] = []
    router = make_router(seen)
    query = plain_query()
    assert (await router.handle("POST", query, pay_done().encode())).status == 200
    for forged in ("FORGED-1", "FORGED-2"):
        reply = await router.handle("POST", query, pay_done(forged).encode())
        assert (reply.status, reply.body) == (403, b"nonce already used")
    assert seen == ["GENUINE-1"]
    assert any("push refused (nonce already used" in r.getMessage() for r in caplog.records)


async def test_a_retry_reusing_its_timestamp_and_nonce_still_reaches_the_dedupe_layer() -> None:
    """Whether WeChat re-signs a retry or re-sends it as it was, the retry is answered: a
    failed first run is retried, a handled one is acknowledged, the handler runs once."""
    seen: list[str] = []
    router = CallbackRouter(TOKEN, clock=lambda: NOW)
    failures = [RuntimeError("database down")]

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        if failures:
            raise failures.pop()
        seen.append(event.order_id)

    query, body = plain_query(), pay_done().encode()
    statuses = [(await router.handle("POST", query, body)).status for _ in range(4)]
    assert statuses == [500, 200, 200, 200]
    assert seen == ["GENUINE-1"]


async def test_a_retried_safe_mode_push_with_its_original_nonce_is_acknowledged() -> None:
    seen: list[str] = []
    router = make_router(seen, safe=True)
    query, body = safe_push()
    replies = [await router.handle("POST", query, body) for _ in range(3)]
    assert [r.status for r in replies] == [200, 200, 200]
    assert seen == ["GENUINE-1"]


async def test_fresh_nonces_for_different_pushes_in_one_second_all_run() -> None:
    seen: list[str] = []
    router = make_router(seen)
    for i in range(3):
        reply = await router.handle("POST", plain_query(f"10000000{i}"), pay_done(f"O{i}").encode())
        assert reply.status == 200
    assert seen == ["O0", "O1", "O2"]


async def test_concurrent_bodies_under_one_timestamp_and_nonce_run_one_push() -> None:
    seen: list[str] = []
    router = make_router(seen)
    query = plain_query()
    statuses: dict[str, int] = {}

    async def deliver(order_id: str) -> None:
        reply = await router.handle("POST", query, pay_done(order_id).encode())
        statuses[order_id] = reply.status

    async with anyio.create_task_group() as tg:
        for i in range(10):
            tg.start_soon(deliver, f"O{i}")
    assert len(seen) == 1
    assert statuses[seen[0]] == 200
    assert sorted(statuses.values()) == [200] + [403] * 9


async def test_used_nonces_are_shared_by_routers_sharing_a_store() -> None:
    """Two processes behind one push URL share the dedupe store, so a URL used at one is
    refused with another body at the other."""
    store = MemoryDedupeStore()
    seen_a: list[str] = []
    seen_b: list[str] = []
    first, second = make_router(seen_a, dedupe=store), make_router(seen_b, dedupe=store)
    query = plain_query()
    assert (await first.handle("POST", query, pay_done().encode())).status == 200
    assert (await second.handle("POST", query, pay_done("FORGED").encode())).status == 403
    assert (await second.handle("POST", query, pay_done().encode())).status == 200  # a retry
    assert (seen_a, seen_b) == (["GENUINE-1"], [])


async def test_a_used_nonce_is_forgotten_only_once_its_timestamp_is_stale() -> None:
    clock = [float(NOW)]
    store = MemoryDedupeStore(clock=lambda: clock[0])
    seen: list[str] = []
    router = CallbackRouter(TOKEN, clock=lambda: clock[0], dedupe=store, replay_window=300)

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        seen.append(event.order_id)

    query = plain_query(timestamp=NOW + 300)  # as far ahead as the window allows
    assert (await router.handle("POST", query, pay_done().encode())).status == 200
    clock[0] = NOW + 599  # the timestamp is still inside the window: the nonce is remembered
    reply = await router.handle("POST", query, pay_done("FORGED").encode())
    assert (reply.status, reply.body) == (403, b"nonce already used")
    clock[0] = NOW + 601  # outside the window: the timestamp alone refuses it
    reply = await router.handle("POST", query, pay_done("FORGED").encode())
    assert (reply.status, reply.body) == (403, b"stale or missing timestamp")
    assert seen == ["GENUINE-1"]


async def test_unauthenticated_requests_write_nothing_to_the_store() -> None:
    """Nonces are remembered only for pushes that passed every check, so a flood of forged
    requests cannot fill the store."""

    class Recording(MemoryDedupeStore):
        def __init__(self) -> None:
            super().__init__()
            self.claimed: list[str] = []

        async def claim(self, key: str, ttl: float = 60.0, *, mark: Any = None) -> Any:
            self.claimed.append(key)
            return await super().claim(key, ttl, mark=mark)

    store = Recording()
    router = make_router([], safe=True, dedupe=store)
    query, body = safe_push()
    for bad_query, bad_body in [
        ({**query, "msg_signature": "0" * 40}, body),
        (plain_query(), pay_done().encode()),
        (query, pay_done().encode()),
        ({**query, "timestamp": str(NOW - 3600)}, body),
    ]:
        assert (await router.handle("POST", bad_query, bad_body)).status == 403
    assert store.claimed == []

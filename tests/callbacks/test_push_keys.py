"""A push's dedupe key is a fixed-size digest of its identity: a push kept 25 hours for
WeChat's retries holds a few dozen bytes of key, however long its fields are."""

from __future__ import annotations

import json
from typing import Any

from wechat_async.callbacks import CallbackRouter, Event, UnknownEvent
from wechat_async.callbacks._signature import sign
from wechat_async.stores.dedupe import Claim, Mark, MemoryDedupeStore, Ticket

TOKEN = "keys-token"
NOW = 1_700_000_000
HUGE = "o" * (512 * 1024)  # the longest identity text a body under the 1 MiB cap can carry


class _Recording(MemoryDedupeStore):
    def __init__(self) -> None:
        super().__init__()
        self.claimed: list[str] = []

    async def claim(
        self, key: str, ttl: float = 60.0, *, mark: Mark | None = None
    ) -> Ticket | Claim:
        self.claimed.append(key)
        if mark is not None:  # the used-nonce mark: its key, and the value it keeps
            self.claimed += [mark.key, mark.value]
        return await super().claim(key, ttl, mark=mark)


def _query(nonce: str) -> dict[str, str]:
    return {"signature": sign(TOKEN, str(NOW), nonce), "timestamp": str(NOW), "nonce": nonce}


def _pay_done(from_user: str) -> bytes:
    return (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>{from_user}</FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType>event</MsgType>"
        "<Event>giftcard_pay_done</Event><OrderId>O1</OrderId></xml>"
    ).encode()


def _unknown(field: str) -> bytes:
    return json.dumps({"FromUserName": field, "CreateTime": NOW, "Event": "new_thing"}).encode()


async def _keys(body: bytes, nonce: str) -> list[str]:
    store = _Recording()
    router = CallbackRouter(TOKEN, clock=lambda: NOW, dedupe=store)
    seen: list[Any] = []

    @router.on(Event)
    async def typed(event: Event) -> None:
        seen.append(event)

    @router.on(UnknownEvent)
    async def unknown(event: UnknownEvent) -> None:
        seen.append(event)

    assert (await router.handle("POST", _query(nonce), body)).status == 200
    assert len(seen) == 1
    return store.claimed


async def test_a_long_identity_is_kept_as_a_fixed_size_key() -> None:
    """Before: the key was the identity's text, 512 KB here, held 25 hours per push."""
    for make in (_pay_done, _unknown):
        short, huge = await _keys(make("o1"), "n1"), await _keys(make(HUGE), "n2")
        assert len(short) == len(huge) == 3  # the push's claim, its mark's key and value
        assert [len(k) for k in short] == [len(k) for k in huge]
        assert max(len(k) for k in huge) <= 64


async def test_different_pushes_get_different_keys_and_a_retry_the_same() -> None:
    store = _Recording()
    router = CallbackRouter(TOKEN, clock=lambda: NOW, dedupe=store)
    for nonce, body in [("n1", _pay_done("a")), ("n2", _pay_done("b")), ("n3", _pay_done("a"))]:
        assert (await router.handle("POST", _query(nonce), body)).status == 200
    pushes = store.claimed[0::3]  # each delivery: the push's claim, its mark's key and value
    assert pushes[0] != pushes[1]
    assert pushes[0] == pushes[2]  # a retry under a fresh nonce is the same push


async def test_a_used_pair_is_kept_as_it_is_when_short_else_as_a_digest() -> None:
    """WeChat's ten-digit nonce costs no digest; a long or non-ASCII one is no longer key."""
    marks = []
    for nonce in ("1514711492", "n" * 300, "nonce-ß"):
        store = _Recording()
        router = CallbackRouter(TOKEN, clock=lambda: NOW, dedupe=store)
        assert (await router.handle("POST", _query(nonce), _pay_done("o1"))).status == 200
        marks.append(store.claimed[1])
    assert marks[0] == f"nonce-pair:{NOW}:1514711492"
    assert marks[1] != marks[2]
    assert len(marks[1]) == len(marks[2]) == len("nonce-pair:") + 32

"""Used (timestamp, nonce) marks are written where they protect something: plain mode, whose
signature never covers the body. In safe mode msg_signature binds the pair to its Encrypt, so
a push there writes only its claim, and another body under a used pair fails its signature."""

from __future__ import annotations

from typing import Any

import pytest

from tests.callbacks.test_push_auth import make_router, pay_done, plain_query, safe_push
from wechat_async import ConfigurationError
from wechat_async.stores.dedupe import Claim, MemoryDedupeStore, Ticket


async def test_a_plain_push_writes_its_claim_and_one_mark() -> None:
    """Before: two markers (the pair, and the pair with the body), each a store call of its
    own; now the pair keeps its body's digest, written with the claim in one call."""
    store = MemoryDedupeStore()
    seen: list[str] = []
    router = make_router(seen, dedupe=store)
    assert (await router.handle("POST", plain_query(), pay_done().encode())).status == 200
    assert (len(store), seen) == (2, ["GENUINE-1"])


async def test_a_safe_mode_push_writes_only_its_claim() -> None:
    """Before: two markers a push as well (two more Redis round trips), which could never
    refuse a push that passed msg_signature."""
    store = MemoryDedupeStore()
    seen: list[str] = []
    router = make_router(seen, safe=True, dedupe=store)
    query, body = safe_push()
    assert (await router.handle("POST", query, body)).status == 200
    assert (len(store), seen) == (1, ["GENUINE-1"])


async def test_another_body_under_a_used_safe_mode_url_fails_its_signature() -> None:
    seen: list[str] = []
    router = make_router(seen, safe=True)
    query, body = safe_push("GENUINE-1")
    assert (await router.handle("POST", query, body)).status == 200
    _, forged = safe_push("FORGED-1")  # same timestamp and nonce, another Encrypt
    reply = await router.handle("POST", query, forged)
    assert (reply.status, reply.body) == (403, b"signature check failed")
    assert (await router.handle("POST", query, body)).status == 200  # the retry, as it was
    assert seen == ["GENUINE-1"]


class _StoreWithoutMarks:
    """A DedupeStore written before claim() took mark=."""

    async def claim(self, key: str, ttl: float = 60.0) -> Ticket | Claim:
        return Claim.DONE

    async def renew(self, ticket: Ticket, ttl: float = 60.0) -> bool:
        return False

    async def complete(self, ticket: Ticket, ttl: float = 60.0) -> bool:
        return True

    async def release(self, ticket: Ticket) -> bool:
        return True


def test_a_plain_router_refuses_a_store_without_marks_at_construction() -> None:
    """Else every plain push would fail with a TypeError inside the router."""
    with pytest.raises(ConfigurationError, match=r"_StoreWithoutMarks.claim\(\) takes no mark="):
        make_router([], dedupe=_StoreWithoutMarks())


async def test_a_safe_mode_router_takes_a_store_without_marks() -> None:
    """Safe mode writes no mark, so such a store serves it as before."""
    seen: list[str] = []
    router = make_router(seen, safe=True, dedupe=_StoreWithoutMarks())
    query, body = safe_push()
    assert (await router.handle("POST", query, body)).status == 200  # DONE: acknowledged
    assert seen == []


async def test_a_store_taking_any_keyword_passes() -> None:
    class Forwarding(MemoryDedupeStore):
        async def claim(self, key: str, ttl: float = 60.0, **options: Any) -> Ticket | Claim:
            return await super().claim(key, ttl, **options)

    seen: list[str] = []
    router = make_router(seen, dedupe=Forwarding())
    assert (await router.handle("POST", plain_query(), pay_done().encode())).status == 200
    reply = await router.handle("POST", plain_query(), pay_done("FORGED").encode())
    assert (reply.status, reply.body) == (403, b"nonce already used")
    assert seen == ["GENUINE-1"]

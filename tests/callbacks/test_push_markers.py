"""Used (timestamp, nonce) markers are written where they protect something: plain mode, whose
signature never covers the body. In safe mode msg_signature binds the pair to its Encrypt, so
a push there writes only its claim, and another body under a used pair fails its signature."""

from __future__ import annotations

from tests.callbacks.test_push_auth import make_router, pay_done, plain_query, safe_push
from wechat_async.stores.dedupe import MemoryDedupeStore


async def test_a_plain_push_writes_its_claim_and_two_markers() -> None:
    store = MemoryDedupeStore()
    seen: list[str] = []
    router = make_router(seen, dedupe=store)
    assert (await router.handle("POST", plain_query(), pay_done().encode())).status == 200
    assert (len(store), seen) == (3, ["GENUINE-1"])


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

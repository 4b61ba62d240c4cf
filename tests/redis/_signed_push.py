"""A signed gift-card push, a fresh nonce each delivery (as WeChat's retries come), and a
router counting its handler's runs."""

from __future__ import annotations

from typing import Any

from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.stores.dedupe import DedupeStore
from wechat_async.testing import push_fields, sign_push

PUSH_TOKEN = "push-token"


def signed_push(
    order_id: str, *, nonce: str | None = None, timestamp: int | None = None, **fields: Any
) -> tuple[dict[str, str], bytes]:
    """(query, body) of one delivery of the push for ``order_id``: signed now with a fresh
    nonce unless ``timestamp``/``nonce`` are given; the same body for every delivery (its
    CreateTime fixed); ``fields`` override the push's."""
    sent = push_fields(
        "giftcard_pay_done",
        now=1_700_000_000,
        **{"FromUserName": "obLatjgoYejavUtHsWwrX-2GtFJE", "OrderId": order_id, **fields},
    )
    push = sign_push(sent, token=PUSH_TOKEN, nonce=nonce, timestamp=timestamp)
    return dict(push.query), push.body


def push_router(store: DedupeStore) -> tuple[CallbackRouter, list[str]]:
    """A router on ``store`` and the order ids its handler ran for, in order."""
    router = CallbackRouter(PUSH_TOKEN, dedupe=store)
    runs: list[str] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        runs.append(event.order_id)

    return router, runs

"""Orders: ``get_order``, ``batch_get_orders`` (and ``iter_orders``), ``refund_order``."""

from __future__ import annotations

from typing import Literal

import attrs

from ..._checks import between, min_len
from ..._models import LooseBool, Response, meta

__all__ = [
    "MAX_ORDER_WINDOW",
    "BatchGetOrdersRequest",
    "BatchGetOrdersResponse",
    "GetOrderRequest",
    "GetOrderResponse",
    "Order",
    "OrderCard",
    "RefundOrderRequest",
    "SortType",
]


#: ``order/batchget``'s order by creation time
SortType = Literal["ASC", "DESC"]


#: ``order/batchget`` refuses a window longer than this (``end_time - begin_time``).
MAX_ORDER_WINDOW = 31 * 24 * 3600


@attrs.define(kw_only=True)
class OrderCard(Response):
    """One card bought in an order."""

    card_id: str
    #: price of the card, in fen
    price: int
    code: str | None = None
    default_gifting_msg: str | None = None
    background_pic_url: str | None = None
    outer_img_id: str | None = None
    #: set when the card was sent to a group chat
    accepter_openid: str | None = None


@attrs.define(kw_only=True)
class Order(Response):
    """One gift-card order, as ``card/giftcard/order/get`` and ``batchget`` return it: buyer,
    times, total (fen) and the cards bought (``card_list``)."""

    order_id: str
    page_id: str | None = None
    trans_id: str | None = None
    create_time: int | None = None
    pay_finish_time: int | None = None
    #: total amount, in fen
    total_price: int | None = None
    open_id: str | None = None
    accepter_openid: str | None = None
    card_list: list[OrderCard] = attrs.field(factory=list)
    outer_str: str | None = None
    #: whether the order's cards were sent to a group chat (``IsChatRoom`` on the wire)
    is_chat_room: LooseBool | None = attrs.field(
        default=None, metadata=meta(wire="IsChatRoom", aliases=("is_chatroom",))
    )


@attrs.define(kw_only=True)
class GetOrderRequest:
    """Read one order by its ``order_id`` (from the ``giftcard_pay_done`` push or
    ``batch_get_orders``)."""

    order_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class GetOrderResponse(Response):
    """What ``card/giftcard/order/get`` answers: the order, as ``order``."""

    order: Order


@attrs.define(kw_only=True)
class BatchGetOrdersRequest:
    """One page of orders created between two times (at most 31 days apart)."""

    begin_time: int = attrs.field(metadata=meta(check=between(0)))
    end_time: int = attrs.field(metadata=meta(check=between(0)))
    sort_type: SortType = "ASC"
    offset: int = attrs.field(default=0, metadata=meta(check=between(0)))
    count: int = attrs.field(default=100, metadata=meta(check=between(1, 100)))

    def _check_fields(self) -> list[tuple[str, str]]:
        span = self.end_time - self.begin_time
        if span < 0:
            return [("end_time", "must not be before begin_time")]
        if span > MAX_ORDER_WINDOW:
            return [("end_time", f"window of {span} s is longer than 31 days")]
        return []


@attrs.define(kw_only=True)
class BatchGetOrdersResponse(Response):
    """What ``card/giftcard/order/batchget`` answers: one page of ``order_list``, and
    ``total_count`` for the whole window (``iter_orders`` reads every page)."""

    total_count: int
    order_list: list[Order] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class RefundOrderRequest:
    """Refund one order by its ``order_id``; its cards then leave the user's card pack."""

    order_id: str = attrs.field(metadata=meta(check=min_len(1)))

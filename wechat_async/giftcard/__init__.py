"""``client.giftcard``: gift cards, shelves, orders, and card codes (seed 001)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .._endpoint import Namespace
from . import _endpoints
from ._order_models import (
    MAX_ORDER_WINDOW,
    BatchGetOrdersRequest,
    BatchGetOrdersResponse,
    GetOrderRequest,
    GetOrderResponse,
    Order,
    OrderCard,
)
from ._sync import OrderSync, SyncCheckpoint, SyncProgress, split_windows

__all__ = [
    "MAX_ORDER_WINDOW",
    "BatchGetOrdersRequest",
    "BatchGetOrdersResponse",
    "GetOrderRequest",
    "GetOrderResponse",
    "GiftCardNamespace",
    "Order",
    "OrderCard",
    "OrderSync",
    "SyncCheckpoint",
    "SyncProgress",
    "split_windows",
]


class GiftCardNamespace(Namespace):
    get_order = _endpoints.get_order
    batch_get_orders = _endpoints.batch_get_orders

    def iter_orders(
        self,
        begin_time: int | dt.datetime,
        end_time: int | dt.datetime,
        *,
        sort_type: str = "ASC",
        concurrency: int = 8,
        page_size: int = 100,
        checkpoint: SyncCheckpoint | None = None,
        progress: Callable[[SyncProgress], None] | None = None,
    ) -> OrderSync:
        """Every order created in ``[begin_time, end_time]``, each exactly once.

        >>> async for order in client.giftcard.iter_orders(b, e, concurrency=32):  # doctest: +SKIP
        ...     save(order)
        """
        return OrderSync(
            self.batch_get_orders,
            begin_time,
            end_time,
            sort_type=sort_type,
            concurrency=concurrency,
            page_size=page_size,
            checkpoint=checkpoint,
            progress=progress,
        )

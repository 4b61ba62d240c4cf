from __future__ import annotations

from .._endpoint import Endpoint, OffsetPaging
from ._order_models import (
    BatchGetOrdersRequest,
    BatchGetOrdersResponse,
    GetOrderRequest,
    GetOrderResponse,
)

get_order = Endpoint(
    "POST",
    "/card/giftcard/order/get",
    GetOrderRequest,
    GetOrderResponse,
    idempotent=True,
    source="seed 001, section 9.1",
)

batch_get_orders = Endpoint(
    "POST",
    "/card/giftcard/order/batchget",
    BatchGetOrdersRequest,
    BatchGetOrdersResponse,
    idempotent=True,
    paging=OffsetPaging(items="order_list"),
    source="seed 001, section 9.2",
)

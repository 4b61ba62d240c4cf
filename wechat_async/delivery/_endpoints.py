"""Instant-delivery endpoint descriptors (specs/delivery.md section 1)."""

from __future__ import annotations

from typing import Literal

from .._endpoint import Endpoint
from .._models import EmptyResponse
from .models import (
    AddOrderRequest,
    AddOrderResponse,
    AddTipsRequest,
    BindAccountRequest,
    CancelOrderRequest,
    CancelResponse,
    ConfirmReturnRequest,
    EmptyRequest,
    GetAllDeliveryResponse,
    GetBindAccountResponse,
    GetOrderRequest,
    GetOrderResponse,
    MockUpdateOrderRequest,
    PreAddOrderRequest,
    PreAddOrderResponse,
    PreCancelOrderRequest,
    RealMockUpdateOrderRequest,
)

_BASE = "/cgi-bin/express/local/business/"
# Two error layers: WeChat's errcode, then the carrier's resultcode (HTTP 200, no errcode).
_LAYERS: tuple[Literal["errcode"], Literal["resultcode"]] = ("errcode", "resultcode")

get_all_delivery = Endpoint(
    "POST",
    _BASE + "delivery/getall",
    EmptyRequest,
    GetAllDeliveryResponse,
    idempotent=True,
    layers=_LAYERS,
    source="specs/delivery.md 1 (#1)",
)
get_bind_account = Endpoint(
    "POST",
    _BASE + "shop/get",
    EmptyRequest,
    GetBindAccountResponse,
    idempotent=True,
    layers=_LAYERS,
    source="specs/delivery.md 1 (#2)",
)
open = Endpoint(
    "POST",
    _BASE + "open",
    EmptyRequest,
    EmptyResponse,
    idempotent=True,
    layers=_LAYERS,
    source="specs/delivery.md 1 (#3)",
)
bind_account = Endpoint(
    "POST",
    _BASE + "shop/add",
    BindAccountRequest,
    EmptyResponse,
    idempotent=True,
    layers=_LAYERS,
    source="specs/delivery.md 1 (#4)",
)
pre_add_order = Endpoint(
    "POST",
    _BASE + "order/pre_add",
    PreAddOrderRequest,
    PreAddOrderResponse,
    idempotent=True,
    layers=_LAYERS,
    source="specs/delivery.md 2, 3",
)
add_order = Endpoint(
    "POST",
    _BASE + "order/add",
    AddOrderRequest,
    AddOrderResponse,
    idempotent=False,
    layers=_LAYERS,
    source="specs/delivery.md 2, 3",
)
re_add_order = Endpoint(
    "POST",
    _BASE + "order/readd",
    AddOrderRequest,
    AddOrderResponse,
    idempotent=False,
    layers=_LAYERS,
    source="specs/delivery.md 2, 3",
)
add_tips = Endpoint(
    "POST",
    _BASE + "order/addtips",
    AddTipsRequest,
    EmptyResponse,
    idempotent=False,
    layers=_LAYERS,
    source="specs/delivery.md 4.1",
)
get_order = Endpoint(
    "POST",
    _BASE + "order/get",
    GetOrderRequest,
    GetOrderResponse,
    idempotent=True,
    layers=_LAYERS,
    source="specs/delivery.md 4.2",
)
pre_cancel_order = Endpoint(
    "POST",
    _BASE + "order/precancel",
    PreCancelOrderRequest,
    CancelResponse,
    idempotent=True,
    layers=_LAYERS,
    source="specs/delivery.md 4.3",
)
cancel_order = Endpoint(
    "POST",
    _BASE + "order/cancel",
    CancelOrderRequest,
    CancelResponse,
    idempotent=False,
    layers=_LAYERS,
    source="specs/delivery.md 4.3",
)
confirm_return = Endpoint(
    "POST",
    _BASE + "order/confirm_return",
    ConfirmReturnRequest,
    EmptyResponse,
    idempotent=False,
    layers=_LAYERS,
    source="specs/delivery.md 4.4",
)
mock_update_order = Endpoint(
    "POST",
    _BASE + "test_update_order",
    MockUpdateOrderRequest,
    EmptyResponse,
    idempotent=False,
    layers=_LAYERS,
    source="specs/delivery.md 5.1",
)
real_mock_update_order = Endpoint(
    "POST",
    _BASE + "realmock_update_order",
    RealMockUpdateOrderRequest,
    EmptyResponse,
    idempotent=False,
    layers=_LAYERS,
    source="specs/delivery.md 5.2",
)

"""Instant-delivery endpoint descriptors: ``client.delivery``'s calls, declared as data."""

from __future__ import annotations

from typing import Literal

from .._endpoint import Endpoint, Namespace
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
_DOCS = (
    "https://developers.weixin.qq.com/miniprogram/dev/api-backend/open-api/immediate-delivery/"
    "by-business/immediateDelivery."
)


class DeliveryEndpoints(Namespace):
    """The business-side delivery endpoints (``DeliveryNamespace`` adds carrier accounts)."""

    domain = "delivery"

    get_all_delivery = Endpoint(
        "POST",
        _BASE + "delivery/getall",
        EmptyRequest,
        GetAllDeliveryResponse,
        idempotent=True,
        layers=_LAYERS,
        source=_DOCS + "getAllImmeDelivery.html",
    )
    get_bind_account = Endpoint(
        "POST",
        _BASE + "shop/get",
        EmptyRequest,
        GetBindAccountResponse,
        idempotent=True,
        layers=_LAYERS,
        source=_DOCS + "getBindAccount.html",
    )
    open = Endpoint(
        "POST",
        _BASE + "open",
        EmptyRequest,
        EmptyResponse,
        idempotent=True,
        layers=_LAYERS,
        source=_DOCS + "openDelivery.html",
    )
    bind_account = Endpoint(
        "POST",
        _BASE + "shop/add",
        BindAccountRequest,
        EmptyResponse,
        idempotent=True,
        layers=_LAYERS,
        source=_DOCS + "bindAccount.html",
    )
    pre_add_order = Endpoint(
        "POST",
        _BASE + "order/pre_add",
        PreAddOrderRequest,
        PreAddOrderResponse,
        idempotent=True,
        layers=_LAYERS,
        source=_DOCS + "preAddOrder.html",
    )
    add_order = Endpoint(
        "POST",
        _BASE + "order/add",
        AddOrderRequest,
        AddOrderResponse,
        idempotent=False,
        layers=_LAYERS,
        source=_DOCS + "addOrder.html",
    )
    re_add_order = Endpoint(
        "POST",
        _BASE + "order/readd",
        AddOrderRequest,
        AddOrderResponse,
        idempotent=False,
        layers=_LAYERS,
        source=_DOCS + "reOrder.html",
    )
    add_tips = Endpoint(
        "POST",
        _BASE + "order/addtips",
        AddTipsRequest,
        EmptyResponse,
        idempotent=False,
        layers=_LAYERS,
        source=_DOCS + "addTip.html",
    )
    get_order = Endpoint(
        "POST",
        _BASE + "order/get",
        GetOrderRequest,
        GetOrderResponse,
        idempotent=True,
        layers=_LAYERS,
        source=_DOCS + "getOrder.html",
    )
    pre_cancel_order = Endpoint(
        "POST",
        _BASE + "order/precancel",
        PreCancelOrderRequest,
        CancelResponse,
        idempotent=True,
        layers=_LAYERS,
        source=_DOCS + "preCancelOrder.html",
    )
    cancel_order = Endpoint(
        "POST",
        _BASE + "order/cancel",
        CancelOrderRequest,
        CancelResponse,
        idempotent=False,
        layers=_LAYERS,
        source=_DOCS + "cancelOrder.html",
    )
    confirm_return = Endpoint(
        "POST",
        _BASE + "order/confirm_return",
        ConfirmReturnRequest,
        EmptyResponse,
        idempotent=False,
        layers=_LAYERS,
        source=_DOCS + "abnormalConfirm.html",
    )
    mock_update_order = Endpoint(
        "POST",
        _BASE + "test_update_order",
        MockUpdateOrderRequest,
        EmptyResponse,
        idempotent=False,
        layers=_LAYERS,
        source=_DOCS + "mockUpdateOrder.html",
    )
    real_mock_update_order = Endpoint(
        "POST",
        _BASE + "realmock_update_order",
        RealMockUpdateOrderRequest,
        EmptyResponse,
        idempotent=False,
        layers=_LAYERS,
        source=_DOCS + "realMockUpdateOrder.html",
    )

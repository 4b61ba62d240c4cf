"""Failed replies reach the caller whole: ``error.body`` as decoded, ``error.response`` as the
endpoint's model when the reply fits it."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from tests.helpers import BASE, client_for, mock_token
from wechat_async import APIError, CarrierError, NotFoundError
from wechat_async._convert import converter
from wechat_async.delivery import GetOrderResponse, OrderStatus
from wechat_async.giftcard import UpdateUserCardResponse

ORDER_GET = f"{BASE}/cgi-bin/express/local/business/order/get"
ENVELOPE = {"errcode", "errmsg", "resultcode", "resultmsg"}

#: Live order/get replies with resultcode != 0 that still carry the rider and the order.
LIVE_FAILED_GETS: list[dict[str, Any]] = [
    {
        "resultcode": 5,
        "resultmsg": "订单已完成",
        "order_status": 0,
        "waybill_id": "3A5D8C0712",
        "rider_name": "王师傅",
        "rider_phone": "13800000000",
        "order_token": "tk-9f2",
        "agent_info": [{"name": "王师傅", "phone": "13800000000"}],
        "delivery_id": "SFTC",
        "delivery_name": "顺丰同城急送",
    },
    {
        "errcode": 0,
        "errmsg": "ok",
        "resultcode": 2005,
        "resultmsg": "订单不存在",
        "order_status": 302,
        "rider_name": "李师傅",
        "rider_phone": "13900000000",
        "order_token": "tk-31c",
        "action_msg": "已送达",
    },
]


@pytest.mark.parametrize("reply", LIVE_FAILED_GETS, ids=["resultcode-5", "resultcode-2005"])
async def test_a_carrier_error_carries_the_reply_and_its_model(reply: dict[str, Any]) -> None:
    router = respx.Router()
    mock_token(router)
    router.post(url__startswith=ORDER_GET).respond(json=reply)
    async with client_for(router) as client:
        with pytest.raises(CarrierError) as info:
            await client.delivery.get_order(shopid="s", shop_order_id="o", delivery_sign="x")
    error = info.value
    assert error.resultcode == reply["resultcode"]
    assert error.body == reply  # as decoded, envelope included
    assert isinstance(error.response, GetOrderResponse)
    assert error.response.rider_name == reply["rider_name"]
    assert error.response.rider_phone == reply["rider_phone"]
    assert error.response.order_status == reply["order_status"]
    assert isinstance(error.response.order_status, OrderStatus)
    assert error.response.order_token == reply["order_token"]
    # Nothing the carrier sent is lost: back to wire form, the model is the reply's body.
    body = {k: v for k, v in reply.items() if k not in ENVELOPE}
    assert converter.unstructure(error.response) == body


async def test_a_carrier_reply_that_does_not_fit_keeps_its_body() -> None:
    reply = {"resultcode": 1, "resultmsg": "签名校验失败", "order_status": "bad", "fee": 0}
    router = respx.Router()
    mock_token(router)
    router.post(url__startswith=ORDER_GET).respond(json=reply)
    async with client_for(router) as client:
        with pytest.raises(CarrierError) as info:
            await client.delivery.get_order(shopid="s", shop_order_id="o", delivery_sign="x")
    assert info.value.response is None
    assert info.value.body == reply


async def test_an_api_error_carries_the_reply() -> None:
    reply = {"errcode": 40056, "errmsg": "invalid code hint: [kJ4Nya0731ge21]", "openid": "oX"}
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}/card/generalcard/updateuser").respond(json=reply)
    async with client_for(router) as client:
        with pytest.raises(APIError) as info:
            await client.giftcard.update_user_card(code="1", card_id="c", balance=1)
    assert info.value.body == reply
    assert isinstance(info.value.response, UpdateUserCardResponse)
    assert info.value.response.openid == "oX"


async def test_an_api_error_whose_reply_lacks_the_models_fields_has_no_response() -> None:
    reply = {"errcode": 40097, "errmsg": "invalid args"}
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}/card/giftcard/order/get").respond(json=reply)
    async with client_for(router) as client:
        with pytest.raises(APIError) as info:
            await client.giftcard.get_order(order_id="NOPE")
    assert info.value.response is None  # GetOrderResponse needs ``order``
    assert info.value.body == reply


async def test_a_platform_error_on_delivery_carries_the_reply() -> None:
    reply = {"errcode": 930563, "errmsg": "order not exists", "resultcode": 0, "resultmsg": ""}
    router = respx.Router()
    mock_token(router)
    router.post(url__startswith=ORDER_GET).respond(json=reply)
    async with client_for(router) as client:
        with pytest.raises(NotFoundError) as info:
            await client.delivery.get_order(shopid="s", shop_order_id="o", delivery_sign="x")
    assert info.value.body == reply
    assert isinstance(info.value.response, GetOrderResponse)


def test_errors_built_by_hand_have_an_empty_body() -> None:
    assert dict(APIError(1, "x", endpoint="/p").body) == {}
    assert CarrierError(1, "x", endpoint="/p").response is None

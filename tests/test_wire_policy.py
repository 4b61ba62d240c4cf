"""The validation policy (docs/wire-notes.md, "Client-side checks"): what WeChat was seen to
accept is sent as given; what only the documents limit is refused before sending."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import respx

from tests.helpers import BASE, DELIVERY_ADDRESS, DELIVERY_ORDER, client_for, mock_token
from wechat_async import RequestValidationError

DELIVERY = f"{BASE}/cgi-bin/express/local/business/"
OK = {"errcode": 0, "errmsg": "ok", "resultcode": 0, "resultmsg": "ok"}

ADDRESS = DELIVERY_ADDRESS
#: A live UU order WeChat accepted, in the SDK's shape.
ORDER: dict[str, Any] = {
    **DELIVERY_ORDER,
    "shopid": "uu-appkey",
    "shop_order_id": "A1",
    "delivery_sign": "s",
    "delivery_id": "UUPT",
}


def _order(**changes: Any) -> dict[str, Any]:
    """ORDER with ``a__b=value`` set (``None`` removes the key)."""
    call = copy.deepcopy(ORDER)
    for path, value in changes.items():
        target = call
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(leaf)
        else:
            target[leaf] = value
    return call


async def _sent_order(call: dict[str, Any]) -> dict[str, Any]:
    router = respx.Router()
    mock_token(router)
    route = router.post(DELIVERY + "order/add").respond(
        json={**OK, "fee": 11, "waybill_id": "w1", "order_status": 1}
    )
    async with client_for(router) as client:
        await client.delivery.add_order(**call)
    sent: dict[str, Any] = json.loads(route.calls.last.request.content)
    return sent


async def test_a_live_uu_order_is_sent_as_given() -> None:
    """Accepted live (resultcode 0, a waybill id): 500 kg, no shop.wxa_path, no
    sender.address_detail."""
    sender = {k: v for k, v in ADDRESS.items() if k != "address_detail"}
    call = _order(cargo__goods_weight=500, shop__wxa_path=None, sender=sender)
    sent = await _sent_order(call)
    assert sent["cargo"]["goods_weight"] == 500
    assert "wxa_path" not in sent["shop"]
    assert "address_detail" not in sent["sender"]
    assert sent["receiver"]["address_detail"] == "1号楼"


async def test_zero_weight_and_sizes_are_sent() -> None:
    """SFTC accepted weight and dimensions of 0 (documented as > 0)."""
    zeros = {f"cargo__goods_{name}": 0 for name in ("weight", "height", "length", "width")}
    sent = await _sent_order(_order(**zeros))
    assert [sent["cargo"][f"goods_{n}"] for n in ("weight", "height", "length", "width")] == [
        0,
        0,
        0,
        0,
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"receiver__address_detail": None}, "receiver.address_detail"),
        ({"cargo__goods_weight": -1}, "cargo.goods_weight"),
        ({"shop__goods_count": 0}, "shop.goods_count"),  # 9300535
    ],
)
async def test_what_only_the_documents_require_is_still_refused(
    changes: dict[str, Any], field: str
) -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=DELIVERY)
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.delivery.add_order(**_order(**changes))
    assert info.value.fields == (field,)
    assert route.call_count == 0


def _goods_detail(name_length: int) -> dict[str, Any]:
    return {"goods": [{"good_count": 1, "good_name": "茶" * name_length}]}


#: ``{"goods":[{"good_count":1,"good_name":""}]}``: the JSON around the name
_GOODS_FRAME = len('{"goods":[{"good_count":1,"good_name":""}]}')


async def test_goods_detail_is_held_to_10240_characters_as_sent() -> None:
    at_limit = _goods_detail(10240 - _GOODS_FRAME)
    # Characters, not bytes: 10,200 Chinese characters are 30,600 bytes of UTF-8 and pass.
    sent = await _sent_order(_order(cargo__goods_detail=at_limit))
    assert len(json.dumps(sent["cargo"]["goods_detail"], ensure_ascii=False).replace(" ", "")) == (
        10240
    )
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=DELIVERY)
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.delivery.add_order(
                **_order(cargo__goods_detail=_goods_detail(10241 - _GOODS_FRAME))
            )
    assert info.value.fields == ("cargo.goods_detail",)
    assert "10241" in str(info.value)
    assert route.call_count == 0


SEND = f"{BASE}/cityservice/sendmsgdata"
MESSAGE: dict[str, Any] = {
    "openid": "o",
    "biz_template_id": "t",
    "order_no": "1",
    "data": {"first": {"value": "v"}},
}


@pytest.mark.parametrize(
    "changes",
    [
        # A production integration sends the result page style without a url.
        {"result_page_style_id": "style"},
        # Neither the document nor the wire limits these: WeChat judges them (82025 for a url).
        {"url": "pages/order/detail?id=1"},
        {"order_no": "N" * 200},
    ],
    ids=["style-without-url", "url-not-http", "long-order-no"],
)
async def test_city_service_sends_what_no_source_refuses(changes: dict[str, Any]) -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(SEND).respond(json={"errcode": 0, "errmsg": "ok"})
    async with client_for(router) as client:
        await client.cityservice.send_msg_data(**{**MESSAGE, **changes})
    sent = json.loads(route.calls.last.request.content)
    assert {k: sent[k] for k in changes} == changes


CARD_CELLS = {
    "supply_balance": True,
    "custom_field1": {"name": "a"},
    "custom_field2": {"name": "b"},
    "custom_field3": {"name": "c"},
}


def _create_card(**general: Any) -> dict[str, Any]:
    base_info = {
        "logo_url": "https://x/logo.png",
        "brand_name": "微信咖啡厅",
        "code_type": "CODE_TYPE_QRCODE",
        "title": "心意卡",
        "color": "Color020",
        "notice": "使用时向服务员出示",
        "description": "不可与其他优惠同享",
        "date_info": {"type": "DATE_TYPE_PERMANENT"},
        "sku": {"quantity": 100},
        "giftcard_info": {"price": 100},
        "max_give_friend_times": 1,
    }
    return {"card": {"general_card": {"base_info": base_info, **general}}}


@pytest.mark.parametrize(
    "cells",
    [
        {"supply_balance": True, "custom_field1": {"name": "a"}, "custom_field2": {"name": "b"}},
        {k: v for k, v in CARD_CELLS.items() if k != "supply_balance"},
        # supply_balance false takes no cell; points are not among the four the note names.
        {**CARD_CELLS, "supply_balance": False, "supply_bonus": True},
    ],
    ids=["balance-and-two", "three-custom", "no-balance-with-bonus"],
)
async def test_three_card_cells_are_sent(cells: dict[str, Any]) -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(f"{BASE}/card/create").respond(json={"errcode": 0, "card_id": "p1"})
    async with client_for(router) as client:
        await client.giftcard.create_card(**_create_card(**cells))
    assert route.call_count == 1


async def test_four_card_cells_are_refused_naming_them() -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=BASE)
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.giftcard.create_card(**_create_card(**CARD_CELLS))
    assert info.value.fields == ("card.general_card.custom_field3",)
    message = str(info.value)
    assert "at most 3 of supply_balance, custom_field1, custom_field2, custom_field3" in message
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("四个汉字", False),
        ("abcd", False),
        ("abcde", True),
        ("四个汉字多", True),
        ("😀😀😀😀", True),
    ],
)
async def test_custom_field_value_is_4_characters_and_12_bytes(value: str, refused: bool) -> None:
    router = respx.Router(assert_all_called=False)
    mock_token(router)
    route = router.post(f"{BASE}/card/generalcard/updateuser").respond(json={"errcode": 0})
    async with client_for(router) as client:
        call = client.giftcard.update_user_card(code="1", card_id="c", custom_field_value1=value)
        if refused:
            with pytest.raises(RequestValidationError) as info:
                await call
            assert set(info.value.fields) == {"custom_field_value1"}
        else:
            await call
    assert route.call_count == (0 if refused else 1)

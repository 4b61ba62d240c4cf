"""Hostile values are refused before anything is sent, as a RequestValidationError naming the
field; hostile replies are a ResponseDecodeError, never a raw Python error."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
import respx

from tests.delivery.test_delivery import ORDER, SHOP
from tests.helpers import BASE, SECRET, client_for, mock_token
from wechat_async import RequestValidationError, ResponseDecodeError
from wechat_async._request import decode_json, encode
from wechat_async.delivery import DeliveryNamespace
from wechat_async.giftcard import GiftCardNamespace

PREFIX = f"{BASE}/cgi-bin/express/local/business/"


def _with(changes: dict[str, Any]) -> dict[str, Any]:
    call = copy.deepcopy({**ORDER, "delivery_token": "t"})
    for path, value in changes.items():
        target = call
        *parents, leaf = path.split(".")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return call


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"receiver.lng": float("nan")}, ["receiver.lng"]),
        ({"receiver.lat": float("-inf")}, ["receiver.lat"]),
        ({"cargo.goods_weight": float("inf")}, ["cargo.goods_weight"]),
        ({"cargo.goods_value": Decimal("1E+40")}, ["cargo.goods_value"]),
        ({"cargo.goods_value": Decimal("NaN")}, ["cargo.goods_value"]),
        ({"receiver.name": "\ud800"}, ["receiver.name"]),
        ({"shop.goods_name": "ok\udfffok"}, ["shop.goods_name"]),
        ({"shop.goods_count": 10**30}, ["shop.goods_count"]),
        ({"order_info.order_time": -5}, ["order_info.order_time"]),
        (
            {"order_info.order_type": 1, "order_info.expected_delivery_time": -1},
            ["order_info.expected_delivery_time"],
        ),
        # One pass: a type error does not hide the range errors of other fields.
        (
            {"cargo.goods_value": 1.5, "receiver.lng": 500.0, "cargo.goods_weight": 99.0},
            ["cargo.goods_value", "receiver.lng", "cargo.goods_weight"],
        ),
    ],
    ids=lambda v: str(v)[:40],
)
async def test_hostile_values_never_reach_the_wire(
    changes: dict[str, Any], fields: list[str]
) -> None:
    router = respx.Router(assert_all_called=False)
    mock_token(router)
    route = router.post(url__startswith=PREFIX).respond(json={"errcode": 0, "resultcode": 0})
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        with pytest.raises(RequestValidationError) as info:
            await client.delivery.add_order(**_with(changes))  # not idempotent
    assert sorted(info.value.fields) == sorted(fields)
    assert route.call_count == 0
    for error in info.value.errors:
        assert "invalid value for type" not in error.message  # says what is wrong


def test_a_value_json_cannot_carry_is_refused_at_encoding() -> None:
    endpoint = GiftCardNamespace.get_order
    for payload in ({"order_id": float("nan")}, {"order_id": "\ud800"}):
        with pytest.raises(RequestValidationError, match="cannot be encoded"):
            encode(endpoint, payload)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b'{"a":' * 200_000 + b"1" + b"}" * 200_000,
    ],
    ids=["deep-array", "deep-object"],
)
def test_a_deeply_nested_reply_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(ResponseDecodeError, match=r"nested too deeply|not JSON"):
        decode_json(DeliveryNamespace.get_order, 200, body)

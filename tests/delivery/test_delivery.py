"""Instant delivery: delivery_sign, carrier accounts, retries, input ranges, money, statuses."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest
import respx

from tests.helpers import (
    AMBIGUOUS_FAILURES,
    BASE,
    DELIVERY_ADDRESS,
    DELIVERY_ORDER,
    client_for,
    iter_fixtures,
    mock_token,
)
from wechat_async import CarrierError, ConfigurationError, RequestValidationError, WeChatError
from wechat_async.delivery import CarrierAccount, DeliveryNamespace, OrderStatus, delivery_sign

ADDRESS, ORDER = DELIVERY_ADDRESS, DELIVERY_ORDER
SHOP, OID, SECRET = ORDER["shopid"], ORDER["shop_order_id"], "test_app_secrect"
PREFIX = f"{BASE}/cgi-bin/express/local/business/"
OK = {"errcode": 0, "errmsg": "ok", "resultcode": 0, "resultmsg": "ok"}


# Minimal valid calls, by endpoint.
MINIMAL: dict[str, dict[str, Any]] = {
    "get_all_delivery": {},
    "get_bind_account": {},
    "open": {},
    "bind_account": {"delivery_id": "SFTC"},
    "pre_add_order": ORDER,
    "add_order": {**ORDER, "delivery_token": "t"},
    "re_add_order": {**ORDER, "delivery_token": "t"},
    "add_tips": {"shopid": SHOP, "shop_order_id": OID, "waybill_id": "w", "tips": 5, "remark": "r"},
    "get_order": {"shopid": SHOP, "shop_order_id": OID},
    "pre_cancel_order": {
        "shopid": SHOP,
        "shop_order_id": OID,
        "delivery_id": "TEST",
        "waybill_id": "w",
    },
    "cancel_order": {
        "shopid": SHOP,
        "shop_order_id": OID,
        "delivery_id": "TEST",
        "cancel_reason_id": 1,
    },
    "confirm_return": {"shopid": SHOP, "shop_order_id": OID, "waybill_id": "w"},
    "mock_update_order": {
        "shopid": SHOP,
        "shop_order_id": OID,
        "order_status": 102,
        "action_time": 1,
    },
    "real_mock_update_order": {
        "shopid": SHOP,
        "shop_order_id": OID,
        "order_status": 102,
        "action_time": 1,
    },
}


def _fixture_calls() -> dict[str, dict[str, Any]]:
    """Each endpoint's first success fixture's call, for the shop and order of the sign
    vectors (and without its own sign)."""
    calls: dict[str, dict[str, Any]] = {}
    for fixture in iter_fixtures():
        if fixture.domain == "delivery" and not fixture.is_error:
            call = {k: v for k, v in fixture.data["call"].items() if k != "delivery_sign"}
            for key, value in (("shopid", SHOP), ("shop_order_id", OID)):
                if key in call:
                    call[key] = value
            calls.setdefault(fixture.endpoint, call)
    return calls


#: A valid call of every endpoint: the minimal one where written, else a fixture's.
CALLS = {**_fixture_calls(), **MINIMAL}
ENDPOINTS = {e.name: e for e in DeliveryNamespace.endpoints()}
SIGNED = {
    "pre_add_order",
    "add_order",
    "re_add_order",
    "add_tips",
    "get_order",
    "pre_cancel_order",
    "cancel_order",
    "confirm_return",
    "real_mock_update_order",
}
NOT_RETRY_SAFE = {
    "add_order",
    "re_add_order",
    "add_tips",
    "cancel_order",
    "confirm_return",
    "mock_update_order",
    "real_mock_update_order",
}


def _signed(name: str) -> bool:
    return "delivery_sign" in attrs.fields_dict(ENDPOINTS[name].request)


def test_calls_cover_every_endpoint() -> None:
    assert set(CALLS) == set(ENDPOINTS)


def test_the_documented_endpoints_keep_their_signature_and_retry_safety() -> None:
    assert {name for name in MINIMAL if _signed(name)} == SIGNED
    assert {name for name in MINIMAL if not ENDPOINTS[name].idempotent} == NOT_RETRY_SAFE


def test_official_sign_vectors() -> None:
    assert delivery_sign(SHOP, SECRET, OID) == "a93d8d6bae9a9483c1b1d4e8670e7f6226ec94cb"
    assert delivery_sign(SHOP, SECRET) == "9930e1dbf1665bba7e4a88059d872aad8194d21d"


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_delivery_sign_filled_where_the_endpoint_carries_it(name: str) -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=PREFIX).respond(json=OK)
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET, delivery_id="TEST")
        await getattr(client.delivery, name)(**copy.deepcopy(CALLS[name]))
    body = json.loads(route.calls.last.request.content)
    if _signed(name):
        assert body["delivery_sign"] == "a93d8d6bae9a9483c1b1d4e8670e7f6226ec94cb"
    else:
        assert "delivery_sign" not in body


async def test_explicit_sign_is_kept_and_with_options_clone_keeps_accounts() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=PREFIX).respond(json=OK)
    async with client_for(router) as client:
        await client.delivery.get_order(shopid="other", shop_order_id=OID, delivery_sign="given")
        assert json.loads(route.calls.last.request.content)["delivery_sign"] == "given"
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        await client.with_options(timeout=3).delivery.get_order(shopid=SHOP, shop_order_id=OID)
    sign = json.loads(route.calls.last.request.content)["delivery_sign"]
    assert sign == delivery_sign(SHOP, SECRET, OID)


async def test_unknown_shopid_is_a_configuration_error_before_sending() -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=PREFIX)
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        with pytest.raises(ConfigurationError, match="'unknown_shop'"):
            await client.delivery.get_order(shopid="unknown_shop", shop_order_id=OID)
    assert route.call_count == 0


def test_account_repr_hides_the_secret() -> None:
    account = CarrierAccount(shopid=SHOP, app_secret="very-secret-value")
    assert "very-secret-value" not in repr(account)


@pytest.mark.parametrize("name", sorted(n for n, e in ENDPOINTS.items() if not e.idempotent))
@AMBIGUOUS_FAILURES
async def test_unsafe_endpoints_are_never_retried_after_ambiguous_failure(
    name: str, failure: Any
) -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=PREFIX).mock(
        side_effect=[failure, httpx.Response(200, json=OK)]
    )
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        with pytest.raises(WeChatError) as info:
            await getattr(client.delivery, name)(**copy.deepcopy(CALLS[name]))
    assert route.call_count == 1
    assert info.value.may_have_been_applied is True  # type: ignore[attr-defined]


async def test_idempotent_get_order_is_retried() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=PREFIX).mock(
        side_effect=[httpx.Response(502), httpx.Response(200, json={**OK, "order_status": 302})]
    )
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        result = await client.delivery.get_order(shopid=SHOP, shop_order_id=OID)
    assert route.call_count == 2
    assert result.order_status is OrderStatus.DELIVERED


def _order_with(path: str, value: Any) -> dict[str, Any]:
    call = copy.deepcopy(ORDER)
    target = call
    *parents, leaf = path.split(".")
    for key in parents:
        target = target[key]
    target[leaf] = value
    return call


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("cargo.goods_value", Decimal("0")),
        ("cargo.goods_value", Decimal("5000.01")),
        ("cargo.goods_value", Decimal("12.345")),
        # Weight and sizes: only negatives (the documented ranges are not what WeChat enforces)
        ("cargo.goods_weight", -0.5),
        ("cargo.goods_height", -1),
        ("cargo.goods_length", -1),
        ("cargo.goods_width", -1),
        ("receiver.address_detail", ""),
        ("receiver.lng", 181.0),
        ("receiver.lat", -91.0),
        ("receiver.phone", "1" * 65),
        ("order_info.note", "x" * 201),
        ("order_info.is_insured", 2),
        ("order_info.order_type", 1),
        ("shop.goods_count", 0),
        ("shop.goods_name", "宝" * 43),
        ("cargo.goods_value", 12.3),
    ],
)
async def test_order_ranges_fail_before_sending(path: str, value: Any) -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=PREFIX)
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        with pytest.raises(RequestValidationError) as info:
            await client.delivery.pre_add_order(**_order_with(path, value))
    assert path in info.value.fields
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ({"cancel_reason_id": 7}, "cancel_reason_id"),
        ({"cancel_reason_id": 6}, "cancel_reason"),
        ({"cancel_reason_id": None}, "cancel_reason_id"),
    ],
)
async def test_cancel_reason_rules(call: dict[str, Any], field: str) -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=PREFIX)
    args = {**CALLS["cancel_order"], **call}
    args = {k: v for k, v in args.items() if v is not None}
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        with pytest.raises(RequestValidationError) as info:
            await client.delivery.cancel_order(**args)
    assert field in info.value.fields
    assert route.call_count == 0


async def test_scheduled_order_with_a_time_passes_and_tips_must_be_positive() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=PREFIX).respond(json=OK)
    call = _order_with("order_info", {"order_type": 1, "expected_finish_time": 1_800_000_000})
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        await client.delivery.pre_add_order(**call)
        with pytest.raises(RequestValidationError) as info:
            await client.delivery.add_tips(**{**CALLS["add_tips"], "tips": 0})
    assert info.value.fields == ("tips",)
    assert route.call_count == 1


async def test_money_is_decimal_both_ways_and_chinese_is_raw_utf8() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=PREFIX).respond(
        json={**OK, "fee": 10.1, "deliverfee": 11.3, "couponFee": 1.2, "insurancfee": 0.1}
    )
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        result = await client.delivery.pre_add_order(**ORDER)
    assert (result.fee, result.deliverfee, result.couponfee, result.insurancefee) == (
        Decimal("10.1"),
        Decimal("11.3"),
        Decimal("1.2"),
        Decimal("0.1"),
    )
    sent = route.calls.last.request.content
    assert b'"goods_value":12.3' in sent
    assert "果蔬生鲜".encode() in sent


async def test_carrier_error_carries_resultcode_and_message() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(url__startswith=PREFIX).respond(
        json={"resultcode": 1, "resultmsg": "签名校验失败", "fee": 0}
    )
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        with pytest.raises(CarrierError) as info:
            await client.delivery.pre_add_order(**ORDER)
    assert (info.value.resultcode, info.value.resultmsg) == (1, "签名校验失败")
    assert "order/pre_add" in str(info.value)


@pytest.mark.parametrize(
    ("code", "phase", "final", "success"),
    [
        (101, "carrier", False, False),
        (103, "carrier", True, False),
        (202, "pickup", False, False),
        (205, "pickup", True, False),
        (302, "delivery", True, True),
        (304, "delivery", False, False),
        (401, "return", True, False),
        (502, "cancelled", True, False),
        (999, "unknown", False, False),
    ],
)
def test_order_status_helpers(code: int, phase: str, final: bool, success: bool) -> None:
    status = OrderStatus(code)
    assert (status.phase, status.is_final, status.is_success) == (phase, final, success)
    assert status == code

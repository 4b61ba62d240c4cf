"""Instant delivery and invoicing against the emulator: signatures checked, the status
machine enforced, settings and authorizations kept as state."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.delivery.test_delivery import ORDER
from tests.emulator._raw import raw_http
from wechat_async import CarrierError
from wechat_async.delivery import OrderStatus
from wechat_async.errors import (
    DeliveryOrderExistsError,
    DeliveryOrderNotFoundError,
    InvoicePayMchNotSetError,
)
from wechat_async.testing import Emulator

TEST_SHOP, TEST_SECRET = "test_shop_id", "test_app_secrect"


def _order(shop_order_id: str) -> dict[str, Any]:
    order = copy.deepcopy(ORDER)
    order.update(shopid=TEST_SHOP, shop_order_id=shop_order_id, delivery_id="TEST")
    return order


async def test_an_order_moves_through_the_status_machine() -> None:
    wx = Emulator()
    async with wx.client() as client:
        client.delivery.add_account(shopid=TEST_SHOP, app_secret=TEST_SECRET, delivery_id="TEST")
        fee = await client.delivery.pre_add_order(**_order("A1"))
        assert fee.fee > 0
        placed = await client.delivery.add_order(**_order("A1"), delivery_token=fee.delivery_token)
        assert placed.order_status is OrderStatus.WAITING_FOR_RIDER
        with pytest.raises(DeliveryOrderExistsError):
            await client.delivery.add_order(**_order("A1"), delivery_token=fee.delivery_token)
        for status in (102, 201, 202, 301, 302):
            await client.delivery.mock_update_order(
                shopid=TEST_SHOP, shop_order_id="A1", order_status=status, action_time=1
            )
        got = await client.delivery.get_order(shopid=TEST_SHOP, shop_order_id="A1")
        assert got.order_status is OrderStatus.DELIVERED
        assert got.order_status.is_final
        with pytest.raises(CarrierError):  # 302 is final: nothing moves it
            await client.delivery.mock_update_order(
                shopid=TEST_SHOP, shop_order_id="A1", order_status=301, action_time=2
            )
        with pytest.raises(DeliveryOrderNotFoundError):
            await client.delivery.get_order(shopid=TEST_SHOP, shop_order_id="nope")


async def test_a_wrong_delivery_sign_is_a_carrier_error() -> None:
    wx = Emulator()
    async with wx.client() as client:
        client.delivery.add_account(
            shopid=TEST_SHOP, app_secret="not-the-secret", delivery_id="TEST"
        )
        with pytest.raises(CarrierError) as info:
            await client.delivery.add_order(**_order("B1"))
        assert info.value.resultcode == 1
    assert wx.delivery.orders == {}


async def test_tips_rise_and_cancelling_costs_after_a_rider_is_assigned() -> None:
    wx = Emulator()
    async with wx.client() as client:
        client.delivery.add_account(shopid=TEST_SHOP, app_secret=TEST_SECRET, delivery_id="TEST")
        placed = await client.delivery.add_order(**_order("C1"))
        common = {"shopid": TEST_SHOP, "shop_order_id": "C1", "waybill_id": placed.waybill_id}
        from decimal import Decimal

        await client.delivery.add_tips(**common, tips=Decimal("2"), remark="快点")
        with pytest.raises(CarrierError):
            await client.delivery.add_tips(**common, tips=Decimal("1"), remark="少点")
        free = await client.delivery.pre_cancel_order(**common, delivery_id="TEST")
        assert free.deduct_fee == 0
        await wx.advance_delivery(TEST_SHOP, "C1", 102)
        costly = await client.delivery.pre_cancel_order(**common, delivery_id="TEST")
        assert costly.deduct_fee > 0
        await client.delivery.cancel_order(
            shopid=TEST_SHOP, shop_order_id="C1", delivery_id="TEST", cancel_reason_id=1
        )
        got = await client.delivery.get_order(shopid=TEST_SHOP, shop_order_id="C1")
        assert got.order_status is OrderStatus.MERCHANT_CANCELLED
        # Cancelled: it may be placed again with readd, keeping its id.
        again = await client.delivery.re_add_order(**_order("C1"))
        assert again.order_status is OrderStatus.WAITING_FOR_RIDER


async def test_invoice_settings_and_authorizations_are_state() -> None:
    wx = Emulator(orders=3)
    async with wx.client() as client:
        with pytest.raises(InvoicePayMchNotSetError):
            await client.invoice.get_pay_mch()
        await client.invoice.set_pay_mch(paymch_info={"mchid": "1234", "s_pappid": "wxabcd"})
        assert (await client.invoice.get_pay_mch()).paymch_info.mchid == "1234"
        never = await client.invoice.get_auth_data(s_pappid="wxabcd", order_id="O1")
        assert (never.invoice_status, never.user_auth_info) == ("never auth", None)
        await wx.authorize_invoice("O1", s_pappid="wxabcd", title="某公司", tax_no="9144")
        data = await client.invoice.get_auth_data(s_pappid="wxabcd", order_id="O1")
        assert data.invoice_status == "auth success"


async def test_a_never_authorized_order_is_errcode_0_never_auth_over_raw_http() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        mch = {"paymch_info": {"mchid": "1234", "s_pappid": "wxabcd"}}
        set_pay_mch = await raw.post(
            "/card/invoice/setbizattr", mch, query={"action": "set_pay_mch"}
        )
        assert set_pay_mch["errcode"] == 0
        asked = {"s_pappid": "wxabcd", "order_id": "O-never"}
        never = await raw.post("/card/invoice/getauthdata", asked)
        assert never == {"errcode": 0, "errmsg": "ok", "invoice_status": "never auth"}
        await wx.authorize_invoice("O-never", s_pappid="wxabcd", title="个人")
        authorized = await raw.post("/card/invoice/getauthdata", asked)
        assert authorized["invoice_status"] == "auth success"
        assert authorized["user_auth_info"] == {"user_field": {"title": "个人"}}
        # another merchant's s_pappid is still refused
        theirs = {"s_pappid": "wxtheirs", "order_id": "O-never"}
        assert (await raw.post("/card/invoice/getauthdata", theirs))["errcode"] == 72030


async def test_setbizattr_serves_each_action_by_its_own_route_and_refuses_others() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        for action in ("get_pay_mch", "get_auth_field"):
            reply = await raw.post("/card/invoice/setbizattr", {}, query={"action": action})
            assert reply["errcode"] in (72028, 72029), reply  # each its own "not set"
        unknown = await raw.post("/card/invoice/setbizattr", {}, query={"action": "get_all"})
        assert unknown["errcode"] == 40097
        assert "action 'get_all'" in unknown["errmsg"]
        missing = await raw.post("/card/invoice/setbizattr", {})
        assert missing["errcode"] == 40097
        assert "action None" in missing["errmsg"]
    assert wx.requests["/card/invoice/setbizattr"] == 4

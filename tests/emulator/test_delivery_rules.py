"""Instant delivery's rules through raw HTTP: what WeChat's platform and the carriers refuse,
and what the live API was seen to accept, whoever the client is."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from tests.emulator._raw import Raw, failed, raw_http
from tests.helpers import DELIVERY_ADDRESS
from wechat_async.testing import CarrierFaults, Emulator
from wechat_async.testing._delivery import SANDBOX_DAILY_ORDERS

BIZ = "/cgi-bin/express/local/business/"
TEST_SHOP, TEST_SECRET = "test_shop_id", "test_app_secrect"
SFTC_SHOP, SFTC_SECRET = "1534713176", "d80400f91e156f63b38886e616d84590"
DADA_SHOP, DADA_SECRET = "dadaaee18818d97e236", "1c6f40492d6d89caaad80b85f7d31670"
SECRETS = {TEST_SHOP: TEST_SECRET, SFTC_SHOP: SFTC_SECRET, DADA_SHOP: DADA_SECRET}
CARRIERS = {TEST_SHOP: "TEST", SFTC_SHOP: "SFTC", DADA_SHOP: "DADA"}
NOW = 1_767_225_600.0  # 2026-01-01 08:00 in Beijing


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def sign(shopid: str, shop_order_id: str | None = None) -> str:
    text = shopid + (shop_order_id or "") + SECRETS[shopid]
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


ADDRESS = DELIVERY_ADDRESS


def order(shop_order_id: str, shopid: str = TEST_SHOP, **changes: Any) -> dict[str, Any]:
    """An order body as any client writes it (floats for yuan, no SDK models)."""
    body: dict[str, Any] = {
        "shopid": shopid,
        "shop_order_id": shop_order_id,
        "delivery_sign": sign(shopid, shop_order_id),
        "delivery_id": CARRIERS[shopid],
        "openid": "oTEAMmember",
        "sender": {**ADDRESS, "name": "张三", "lng": 116.331302, "lat": 39.954567},
        "receiver": dict(ADDRESS),
        "cargo": {
            "goods_value": 12.3,
            "goods_weight": 1.5,
            "cargo_first_class": "果蔬生鲜",
            "cargo_second_class": "果蔬",
        },
        "order_info": {"order_type": 0},
        "shop": {
            "wxa_path": "/pages/order",
            "img_url": "https://wx.qlogo.cn/mmhead/Q3auHgzwzM4.jpg",
            "goods_name": "宝贝",
            "goods_count": 1,
        },
    }
    return body | changes


def without(body: dict[str, Any], path: str) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    *parents, leaf = path.split(".")
    target = changed
    for key in parents:
        target = target[key]
    del target[leaf]
    return changed


def setting(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    *parents, leaf = path.split(".")
    target = changed
    for key in parents:
        target = target[key]
    target[leaf] = value
    return changed


def on_order(shop_order_id: str, shopid: str = TEST_SHOP, **fields: Any) -> dict[str, Any]:
    return {
        "shopid": shopid,
        "shop_order_id": shop_order_id,
        "delivery_sign": sign(shopid, shop_order_id),
        **fields,
    }


async def add(raw: Raw, body: dict[str, Any]) -> dict[str, Any]:
    return await raw.post(BIZ + "order/add", body)


# -- 930570: Chinese must arrive as raw UTF-8 ---------------------------------------------------
@pytest.mark.parametrize("path", ["order/pre_add", "order/add", "order/readd"])
async def test_escaped_chinese_categories_are_930570(path: str) -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        escaped = json.dumps(order("E1")).encode()  # ensure_ascii: every Chinese \uXXXX
        assert b"\\u679c" in escaped
        assert (await raw.post(BIZ + path, content=escaped))["errcode"] == 930570
        assert wx.delivery.orders == {}
        # the same order in raw UTF-8 goes through
        assert failed(await raw.post(BIZ + path, order("E1"))) == 0


async def test_only_the_categories_must_be_unescaped() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        text = json.dumps(order("E2"), ensure_ascii=False)
        assert text.count('"李四"') == 1
        # a name escaped is read as it came; the categories raw still match WeChat's table
        content = text.replace('"李四"', '"\\u674e\\u56db"').encode()
        assert failed(await raw.post(BIZ + "order/add", content=content)) == 0
        # a category empty or missing matches nothing either
        empty = setting(order("E3"), "cargo.cargo_first_class", "")
        assert (await add(raw, empty))["errcode"] == 930570
        assert (await add(raw, without(order("E4"), "cargo")))["errcode"] == 930570


# -- 9300535: the shop fields the user's notification shows ---------------------------------------
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("shop.img_url", ""),
        ("shop.img_url", "thumbnail.jpg"),
        ("shop.goods_name", ""),
        ("shop.goods_name", "宝" * 43),  # 129 bytes of UTF-8
        ("shop.goods_count", 0),
        ("shop.goods_count", -1),
        ("shop.img_url", None),
        ("shop.goods_name", None),
        ("shop.goods_count", None),
        ("shop", None),
    ],
)
async def test_empty_or_illegal_shop_fields_are_9300535(path: str, value: Any) -> None:
    wx = Emulator()
    body = setting(order("S1"), path, value) if value is not None else without(order("S1"), path)
    async with raw_http(wx) as raw:
        for endpoint in ("order/pre_add", "order/add"):
            assert (await raw.post(BIZ + endpoint, body))["errcode"] == 9300535
    assert wx.delivery.orders == {}


# -- what the live API accepted --------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes",
    [
        {"cargo.goods_weight": 500},  # outside the documented (0, 50], placed through UU
        {"cargo.goods_weight": 0, "cargo.goods_length": 0, "cargo.goods_width": 0},  # SFTC
        {"cargo.goods_height": 0},
        {"shop.wxa_path": KeyError},
        {"sender.address_detail": KeyError},
        {"shop.goods_name": "宝" * 42},  # 126 bytes: within 128
    ],
    ids=[
        "weight-500",
        "weight-dimensions-0",
        "height-0",
        "no-wxa-path",
        "no-address-detail",
        "name",
    ],
)
async def test_what_the_live_api_accepted_is_placed(changes: dict[str, Any]) -> None:
    wx = Emulator()
    body = order("L1")
    for path, value in changes.items():
        body = without(body, path) if value is KeyError else setting(body, path, value)
    async with raw_http(wx) as raw:
        quote = await raw.post(BIZ + "order/pre_add", body)
        assert (failed(quote), quote["fee"] > 0) == (0, True)
        placed = await add(raw, body)
        assert failed(placed) == 0
        assert placed["waybill_id"]
        assert placed["order_status"] == 101
    assert ("test_shop_id", "L1") in wx.delivery.orders


# -- 930564: the sandbox's 500 orders a day --------------------------------------------------------
@pytest.mark.slow
async def test_the_sandbox_takes_500_orders_a_beijing_day() -> None:
    clock = Clock()
    wx = Emulator(clock=clock, token_ttl=2 * 86400)
    async with raw_http(wx) as raw:
        for n in range(SANDBOX_DAILY_ORDERS):
            assert failed(await add(raw, order(f"Q{n}"))) == 0
        over = await add(raw, order("Q-over"))
        assert over["errcode"] == 930564
        assert ("test_shop_id", "Q-over") not in wx.delivery.orders
        # a real carrier's account has no such quota
        assert failed(await add(raw, order("Q-sftc", SFTC_SHOP))) == 0
        # the day turns at midnight in Beijing (16:00 UTC): 15 h 59 min after 08:00 Beijing...
        clock.now = NOW + 15 * 3600 + 59 * 60
        assert (await add(raw, order("Q-late")))["errcode"] == 930564
        clock.now = NOW + 16 * 3600  # ...and a minute later it is a new day
        assert failed(await add(raw, order("Q-next-day"))) == 0
    assert SANDBOX_DAILY_ORDERS == 500


# -- delivery_token: the carrier takes only the ones it handed out ---------------------------------
@pytest.mark.parametrize("shopid", [TEST_SHOP, DADA_SHOP])
async def test_a_made_up_delivery_token_is_refused_by_the_carrier(shopid: str) -> None:
    clock = Clock()
    wx = Emulator(clock=clock)
    async with raw_http(wx) as raw:
        token = (await raw.post(BIZ + "order/pre_add", order("T1", shopid)))["delivery_token"]
        other = (await raw.post(BIZ + "order/pre_add", order("T2", shopid)))["delivery_token"]
        made_up = await add(raw, order("T1", shopid, delivery_token="EMU0123456789abcdef"))
        assert (made_up.get("errcode"), made_up["resultcode"]) == (None, 2062)
        assert made_up["fee"] == 0  # a carrier's refusal: business fields zero-filled
        assert (await add(raw, order("T1", shopid, delivery_token=other)))["resultcode"] == 2062
        assert wx.delivery.orders == {}
        clock.now += 181  # the quote lived 3 minutes
        assert (await add(raw, order("T1", shopid, delivery_token=token)))["resultcode"] == 2062
        fresh = (await raw.post(BIZ + "order/pre_add", order("T1", shopid)))["delivery_token"]
        assert failed(await add(raw, order("T1", shopid, delivery_token=fresh))) == 0
        # no token at all (pre_add is optional), or an empty one, is no quote to check
        assert failed(await add(raw, order("T3", shopid))) == 0
        assert failed(await add(raw, order("T4", shopid, delivery_token=""))) == 0


async def test_carriers_without_tokens_ignore_one() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        quote = await raw.post(BIZ + "order/pre_add", order("N1", SFTC_SHOP))
        assert "delivery_token" not in quote
        assert failed(await add(raw, order("N1", SFTC_SHOP, delivery_token="anything"))) == 0


# -- 930565: an ended order ------------------------------------------------------------------------
async def test_an_ended_order_answers_930565_where_a_live_one_gets_the_carriers_answer() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        waybill = (await add(raw, order("X1")))["waybill_id"]
        ops = {
            "order/addtips": on_order("X1", waybill_id=waybill, tips=3, remark="快点"),
            "order/precancel": on_order("X1", delivery_id="TEST", waybill_id=waybill),
            "order/cancel": on_order("X1", delivery_id="TEST", cancel_reason_id=1),
            "order/confirm_return": on_order("X1", waybill_id=waybill),
        }
        # out for delivery (301): the carrier says no (resultcodes 3, 4, 4, 5)
        for status in (102, 201, 202, 301):
            mock = {"shopid": TEST_SHOP, "shop_order_id": "X1", "order_status": status}
            mock["action_time"] = 1
            assert failed(await raw.post(BIZ + "test_update_order", mock)) == 0
        live = [(await raw.post(BIZ + path, body)) for path, body in ops.items()]
        assert [(r.get("errcode"), r["resultcode"]) for r in live] == [
            (None, 3),
            (None, 4),
            (None, 4),
            (None, 5),
        ]
        # delivered (302): the order has ended, and WeChat says so for every one of them
        done = {"shopid": TEST_SHOP, "shop_order_id": "X1", "order_status": 302, "action_time": 2}
        assert failed(await raw.post(BIZ + "test_update_order", done)) == 0
        for path, body in ops.items():
            assert (await raw.post(BIZ + path, body))["errcode"] == 930565, path
        # it can still be read
        got = await raw.post(BIZ + "order/get", on_order("X1"))
        assert (failed(got), got["order_status"]) == (0, 302)


async def test_a_cancelled_order_has_ended_and_may_be_placed_again() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        await add(raw, order("X2"))
        cancel = on_order("X2", delivery_id="TEST", cancel_reason_id=1)
        assert failed(await raw.post(BIZ + "order/cancel", cancel)) == 0
        assert (await raw.post(BIZ + "order/cancel", cancel))["errcode"] == 930565
        assert (await add(raw, order("X2")))["errcode"] == 930562
        assert failed(await raw.post(BIZ + "order/readd", order("X2"))) == 0
        assert failed(await raw.post(BIZ + "order/cancel", cancel)) == 0


# -- 930555, 930558, 930559: the documented situations ---------------------------------------------
async def test_an_unknown_carrier_or_swapped_coordinates_are_platform_errors() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        unknown = order("P1", delivery_id="SCTC")
        assert (await raw.post(BIZ + "order/pre_add", unknown))["errcode"] == 930555
        # a carrier WeChat knows, not this shop's: invalid arguments
        another = order("P1", delivery_id="SFTC")
        assert (await raw.post(BIZ + "order/pre_add", another))["errcode"] == 930561
        swapped = setting(order("P1"), "receiver.lng", 39.983211)
        swapped = setting(swapped, "receiver.lat", 116.316102)
        assert (await raw.post(BIZ + "order/pre_add", swapped))["errcode"] == 930555
        assert (await add(raw, swapped))["errcode"] == 930555
        assert wx.delivery.orders == {}


async def test_the_sandbox_delivers_to_the_team_only() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        assert (await add(raw, order("O1", openid="")))["errcode"] == 930559
        assert (await add(raw, without(order("O1"), "openid")))["errcode"] == 930559
        wx.delivery.testers = {"oTEAMmember"}
        assert (await add(raw, order("O1", openid="oSTRANGER")))["errcode"] == 930559
        assert failed(await add(raw, order("O1"))) == 0
        # a real carrier delivers to anyone
        assert failed(await add(raw, order("O2", SFTC_SHOP, openid="oSTRANGER"))) == 0


async def test_a_schedule_outside_the_carriers_window_is_930558() -> None:
    clock = Clock()
    wx = Emulator(clock=clock)
    day = 86400
    async with raw_http(wx) as raw:
        for ahead, errcode in ((4 * day, 930558), (-60, 930558), (2 * day, 0)):
            info = {"order_type": 1, "expected_delivery_time": int(NOW) + ahead}
            reply = await add(raw, order(f"D{ahead}", DADA_SHOP, order_info=info))
            assert failed(reply) == errcode, ahead
        # DADA's window, not the sandbox's: TEST takes the same schedule
        info = {"order_type": 1, "expected_delivery_time": int(NOW) + 4 * day}
        assert failed(await add(raw, order("D-test", order_info=info))) == 0


# -- 930555 to 930558 as environmental faults ------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "errcode"),
    [("platform_error", 930555), ("carrier_error", 930557), ("carrier_logic_error", 930558)],
)
async def test_faults_before_the_carrier_apply_nothing(fault: str, errcode: int) -> None:
    wx = Emulator()
    wx.delivery.faults = CarrierFaults(**{fault: 1.0})
    async with raw_http(wx) as raw:
        assert (await add(raw, order("F1")))["errcode"] == errcode
        assert (await raw.post(BIZ + "order/get", on_order("F1")))["errcode"] == errcode
        # the platform's own calls are not the carrier's
        assert failed(await raw.post(BIZ + "delivery/getall", {})) == 0
        wx.delivery.faults = None
        assert (await raw.post(BIZ + "order/get", on_order("F1")))["errcode"] == 930563


async def test_a_carrier_timeout_comes_after_the_carrier_applied_the_call() -> None:
    wx = Emulator()
    wx.delivery.faults = CarrierFaults(carrier_timeout=1.0)
    async with raw_http(wx) as raw:
        assert (await add(raw, order("F2")))["errcode"] == 930556
        wx.delivery.faults = None
        # it was placed: placing it again is 930562, and it can be read
        assert (await add(raw, order("F2")))["errcode"] == 930562
        assert failed(await raw.post(BIZ + "order/get", on_order("F2"))) == 0


async def test_fault_rates_are_seeded() -> None:
    async def errcodes(seed: int) -> list[int]:
        wx = Emulator()
        wx.delivery.faults = CarrierFaults(carrier_error=0.5, seed=seed)
        async with raw_http(wx) as raw:
            return [failed(await add(raw, order(f"R{n}"))) for n in range(20)]

    first = await errcodes(7)
    assert first == await errcodes(7)
    assert set(first) == {0, 930557}

"""City Service's message path against the emulator, through the SDK and raw HTTP: each of its
return codes (48001, 40097, 82020 to 82026) triggered as a merchant would meet it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.emulator._raw import raw_http
from wechat_async import APIError, PermissionDeniedError, WeChatClient
from wechat_async.errors import (
    CityServiceHourlyLimitError,
    CityServiceOfflineError,
    CityServiceOrderNoError,
    CityServiceUrlError,
    CityServiceUserFrequencyError,
    CityServiceUserInactiveError,
    CityServiceUserNeverVisitedError,
    InvalidParameterError,
)
from wechat_async.testing import Emulator

USER = "oEMUcityuser"
DAY = 86400


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0

    def __call__(self) -> float:
        return self.now


def message(wx: Emulator, order_no: str = "N1", **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "openid": USER,
        "biz_template_id": wx.cityservice.template_id,
        "order_no": order_no,
        "data": {"first": {"value": "paid"}, "remark": {"value": "thanks", "color": "#173177"}},
    }
    return fields | changes


async def send(client: WeChatClient, wx: Emulator, **changes: Any) -> str:
    result = await client.cityservice.send_msg_data(**message(wx, **changes))
    return result.result_page_url


async def test_a_visited_user_gets_the_message_and_a_result_page() -> None:
    wx = Emulator()
    wx.visit_city_service(USER)
    async with wx.client() as client:
        url = await send(
            client,
            wx,
            url="https://shop.example/orders/N1",
            result_page_style_id=wx.cityservice.style_ids["result_page_style_id"],
        )
        assert await send(client, wx, order_no="N2") == ""  # no result page asked for
    assert url.startswith("https://city.weixin.qq.com/static/resultpagenew.html?openid=")
    assert f"biz_template_id={wx.cityservice.template_id}" in url
    assert [m["order_no"] for m in wx.cityservice.messages] == ["N1", "N2"]
    assert wx.cityservice.messages[0]["data"]["remark"] == {"value": "thanks", "color": "#173177"}


async def test_the_account_and_the_template_must_be_this_accounts() -> None:
    wx = Emulator()
    wx.visit_city_service(USER)
    async with wx.client() as client:
        with pytest.raises(InvalidParameterError) as wrong:
            await send(client, wx, biz_template_id="someone-elses-template")
        assert wrong.value.errcode == 40097
        with pytest.raises(InvalidParameterError, match="40097"):
            await send(client, wx, card_style_id="not-a-style-of-this-template")
        wx.cityservice.authorized = False
        with pytest.raises(PermissionDeniedError) as denied:
            await send(client, wx)
        assert denied.value.errcode == 48001
    assert wx.cityservice.messages == []


async def test_users_who_did_not_come_through_city_service_are_refused() -> None:
    clock = Clock()
    wx = Emulator(clock=clock)
    async with wx.client() as client:
        with pytest.raises(CityServiceUserNeverVisitedError):
            await send(client, wx)
        wx.visit_city_service(USER)
        clock.now += 31 * DAY
        with pytest.raises(CityServiceUserInactiveError):
            await send(client, wx)


async def test_five_messages_an_hour_and_ten_a_visit() -> None:
    clock = Clock()
    wx = Emulator(clock=clock)
    wx.visit_city_service(USER)
    reached: list[str] = []  # requests past the token check (the clock outlives a token)
    wx.on_request = lambda path, body: reached.append(body["order_no"])
    async with wx.client() as client:
        for n in range(5):
            await send(client, wx, order_no=f"H{n}")
        with pytest.raises(CityServiceHourlyLimitError) as hourly:
            await send(client, wx, order_no="H5")
        assert hourly.value.may_have_been_applied is False  # refused, and not retried
        clock.now += 3601
        for n in range(5):
            await send(client, wx, order_no=f"M{n}")
        clock.now += 3601
        with pytest.raises(CityServiceUserFrequencyError):
            await send(client, wx, order_no="M5")
    assert len(wx.cityservice.messages) == 10
    assert reached.count("H5") == reached.count("M5") == 1  # each refusal sent once


async def test_an_order_no_belongs_to_one_user_a_url_must_be_one_and_offline_is_offline() -> None:
    wx = Emulator()
    wx.visit_city_service(USER)
    wx.visit_city_service("oEMUother")
    async with wx.client() as client:
        await send(client, wx, order_no="SAME")
        await send(client, wx, order_no="SAME")  # the same user: records merge
        with pytest.raises(CityServiceOrderNoError):
            await send(client, wx, order_no="SAME", openid="oEMUother")
        with pytest.raises(CityServiceUrlError):
            await send(client, wx, url="http:///no-host")
        wx.cityservice.online = False
        with pytest.raises(CityServiceOfflineError):
            await send(client, wx)


async def test_request_ids_come_in_each_apis_own_form() -> None:
    """City Service answers ``rid: ...``; the card and delivery APIs ``hint: [...]``; the SDK
    reads both into ``APIError.rid``."""
    wx = Emulator()
    async with wx.client() as client:
        with pytest.raises(APIError) as city:
            await send(client, wx)
        with pytest.raises(APIError) as card:
            await client.giftcard.get_order(order_id="NOPE")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}", city.value.rid or "")
    assert re.search(r" rid: [0-9a-f-]{26}$", city.value.errmsg)
    assert re.fullmatch(r"[0-9A-Za-z]{14}", card.value.rid or "")
    assert re.search(r" hint: \[[0-9A-Za-z]{14}\]$", card.value.errmsg)


# -- through raw HTTP --------------------------------------------------------------------------
SEND = "/cityservice/sendmsgdata"


@pytest.mark.parametrize(("medical", "limit"), [(False, 10), (True, 20)])
async def test_a_visit_allows_10_messages_or_20_for_a_medical_service(
    medical: bool, limit: int
) -> None:
    clock = Clock()
    wx = Emulator(clock=clock, token_ttl=30 * DAY)
    wx.cityservice.medical = medical
    wx.visit_city_service(USER)
    async with raw_http(wx) as raw:
        for n in range(limit):
            if n and n % 5 == 0:
                clock.now += 3601  # past the hourly limit of 5
            assert (await raw.post(SEND, message(wx, order_no=f"V{n}")))["errcode"] == 0, n
        clock.now += 3601
        over = await raw.post(SEND, message(wx, order_no="V-over"))
        assert over["errcode"] == 82022
    assert len(wx.cityservice.messages) == limit


async def test_a_result_page_without_url_is_accepted() -> None:
    wx = Emulator()
    wx.visit_city_service(USER)
    style = wx.cityservice.style_ids["result_page_style_id"]
    async with raw_http(wx) as raw:
        reply = await raw.post(SEND, message(wx, result_page_style_id=style))
    assert reply["errcode"] == 0, reply
    assert reply["result_page_url"].startswith("https://city.weixin.qq.com/static/resultpagenew")
    assert "url" not in wx.cityservice.messages[0]

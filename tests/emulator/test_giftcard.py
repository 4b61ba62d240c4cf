"""The SDK against the emulator's gift-card state: every documented error is reachable
through the SDK, and what one call writes the next one reads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator._raw import raw_http
from tests.emulator._shelf import CARD, shelf_page
from wechat_async import (
    AccessTokenError,
    APIError,
    QuotaExceededError,
    RequestValidationError,
    RetryPolicy,
    Upload,
)
from wechat_async.errors import InvalidParameterError, NotFoundError
from wechat_async.giftcard import UserCardStatus
from wechat_async.testing import Emulator, Quota


async def test_a_bought_card_is_consumed_once_then_reported_by_status() -> None:
    wx = Emulator(seed=3)
    async with wx.client() as client:
        created = await client.giftcard.create_card(card=CARD)
        order = await wx.pay_gift_card(card_id=created.card_id, price=10000, openid="oBuyer")
        code = order["card_list"][0]["code"]
        got = await client.giftcard.get_code(code=code, card_id=created.card_id)
        assert got.user_card_status is UserCardStatus.NORMAL
        assert got.can_consume is True
        await client.giftcard.consume_code(code=code, card_id=created.card_id)
        with pytest.raises(InvalidParameterError) as info:
            await client.giftcard.consume_code(code=code, card_id=created.card_id)
        assert info.value.errcode == 40099
        with pytest.raises(APIError) as checked:
            await client.giftcard.get_code(code=code)  # check_consume defaults to true
        assert checked.value.errcode == 40099
        status = await client.giftcard.get_code(code=code, check_consume=False)
        assert status.user_card_status is UserCardStatus.CONSUMED
        assert status.can_consume is False


async def test_balances_are_set_not_added_and_codes_decrypt() -> None:
    wx = Emulator(orders=20, seed=5)
    code = wx.book.orders()[0]["card_list"][0]["code"]
    async with wx.client() as client:
        first = await client.giftcard.update_user_card(
            code=code, card_id=wx.book.orders()[0]["card_list"][0]["card_id"], balance=8800
        )
        assert first.result_balance == 8800
        again = await client.giftcard.update_user_card(
            code=code, card_id=wx.book.orders()[0]["card_list"][0]["card_id"], balance=100
        )
        assert again.result_balance == 100  # a full value, not an increment
        decrypted = await client.giftcard.decrypt_code(encrypt_code=wx.encrypt_code(code))
        assert decrypted.code == code
        with pytest.raises(InvalidParameterError):
            await client.giftcard.decrypt_code(encrypt_code="not-ours")


async def test_refund_happens_once_and_missing_orders_are_40097() -> None:
    wx = Emulator(orders=10, seed=1)
    order_id = wx.book.orders()[0]["order_id"]
    async with wx.client() as client:
        await client.giftcard.refund_order(order_id=order_id)
        with pytest.raises(APIError) as twice:
            await client.giftcard.refund_order(order_id=order_id)
        assert "already refunded" in twice.value.errmsg
        with pytest.raises(APIError) as missing:
            await client.giftcard.get_order(order_id="NOPE")
        assert missing.value.errcode == 40097
        assert "template account" not in str(missing.value)  # gift-card meaning, not City's


async def test_shelves_keep_what_was_written_and_refuse_unknown_cards() -> None:
    wx = Emulator()
    async with wx.client() as client:
        card_id = (await client.giftcard.create_card(card=CARD)).card_id
        page = shelf_page(card_id)
        page_id = (await client.giftcard.add_page(page=page)).page_id
        read = await client.giftcard.get_page(page_id=page_id)
        assert read.page.page_title == "礼品卡"
        assert [p for p in (await client.giftcard.list_pages()).page_id_list] == [page_id]
        maintained = await client.giftcard.set_maintain(page_id=page_id)
        assert maintained.control_info is not None
        assert [p.page_id for p in maintained.control_info.pages] == [page_id]
        bad = {**page, "theme_list": [{**page["theme_list"][0], "item_list": [{"card_id": "x"}]}]}
        with pytest.raises(NotFoundError):
            await client.giftcard.add_page(page=bad)
        with pytest.raises(APIError):
            await client.giftcard.bind_submch(sub_mch_id="1900", wxa_appid="wxmini")
        await client.giftcard.add_pay_whitelist(sub_mch_id="1900")
        await client.giftcard.bind_submch(sub_mch_id="1900", wxa_appid="wxmini")
        await client.giftcard.set_wxa(wxa_appid="wxmini", page_id=page_id)
        assert wx.giftcards.wxa == {page_id: "wxmini"}


async def test_31_day_window_is_refused_by_the_sdk_before_the_emulator() -> None:
    wx = Emulator()
    async with wx.client() as client:
        with pytest.raises(RequestValidationError):
            await client.giftcard.batch_get_orders(
                begin_time=wx.start_time, end_time=wx.start_time + 32 * 86400
            )
    assert "/card/giftcard/order/batchget" not in wx.requests


async def test_a_superseded_token_dies_after_its_grace_and_the_sdk_refreshes() -> None:
    now = [1_800_000_000.0]
    wx = Emulator(orders=3, token_grace=0, clock=lambda: now[0])
    order_id = wx.book.orders()[0]["order_id"]
    async with wx.client(token_endpoint="token") as client:
        await client.giftcard.get_order(order_id=order_id)
        issued = wx.tokens.issued
        # Another process fetches a new token: with no grace, ours dies at once (40001).
        await wx.tokens.token(_token_call(wx))
        await client.giftcard.get_order(order_id=order_id)  # 40001 -> refresh -> replay
        assert wx.tokens.issued == issued + 2


async def test_an_expired_token_is_42001() -> None:
    now = [1_800_000_000.0]
    wx = Emulator(orders=3, token_ttl=100, clock=lambda: now[0])
    async with wx.client() as client:
        await client.giftcard.list_pages()
        token = await client.tokens.get()
        now[0] += 101
        appid, refused = wx.tokens.check(token)
        assert appid is None
        assert refused is not None
        assert refused[1]["errcode"] == 42001
        await client.giftcard.list_pages()  # the SDK refreshes on its own


async def test_quotas_answer_45011_then_45009() -> None:
    wx = Emulator(quota=Quota(per_minute=3, per_day=5))
    async with wx.client(retry=RetryPolicy(max_retries=0)) as client:
        for _ in range(3):
            await client.giftcard.list_pages()
        with pytest.raises(QuotaExceededError) as minute:
            await client.giftcard.list_pages()
        assert minute.value.errcode == 45011
    wx2 = Emulator(quota=Quota(per_day=2))
    async with wx2.client() as client:
        await client.giftcard.list_pages()
        await client.giftcard.list_pages()
        with pytest.raises(QuotaExceededError) as day:
            await client.giftcard.list_pages()
        assert day.value.errcode == 45009


def _token_call(wx: Emulator) -> object:
    from wechat_async.testing._app import Call

    query = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
    return Call("GET", "/cgi-bin/token", query, {}, b"", {})


_ = AccessTokenError


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_an_uploaded_image_is_kept_and_its_content_checked() -> None:
    wx = Emulator()
    async with wx.client() as client:
        uploaded = await client.giftcard.upload_image(buffer=Upload(content=PNG, filename="a.png"))
        assert wx.giftcards.images == [PNG]  # the part's bytes, not the multipart body
        assert uploaded.url.startswith("http://mmbiz.qpic.cn/")
        gif = Upload(content=b"GIF89a" + b"\x00" * 16, filename="a.png")  # named png, is not
        with pytest.raises(InvalidParameterError) as wrong:
            await client.giftcard.upload_image(buffer=gif)
    assert wrong.value.errcode == 40005


@pytest.mark.parametrize(
    ("files", "errcode"),
    [
        ({"other": ("a.png", PNG, "image/png")}, 41005),  # no part named buffer
        ({"buffer": ("a.png", PNG + b"\x00" * (1024 * 1024), "image/png")}, 40009),
    ],
)
async def test_uploadimg_refuses_what_the_sdk_would_not_send(
    files: dict[str, Any], errcode: int
) -> None:
    wx = Emulator()
    transport = httpx.ASGITransport(app=wx.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        body = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
        token = (await http.post("/cgi-bin/stable_token", json=body)).json()["access_token"]
        reply = await http.post(
            "/cgi-bin/media/uploadimg", params={"access_token": token}, files=files
        )
    assert reply.json()["errcode"] == errcode
    assert wx.giftcards.images == []


async def test_the_test_whitelist_is_replaced_whole_and_holds_ten() -> None:
    wx = Emulator()
    async with wx.client() as client:
        await client.giftcard.set_test_whitelist(openid=["oA", "oB"], username=["tester"])
        assert wx.giftcards.testers == {"openid": ["oA", "oB"], "username": ["tester"]}
        await client.giftcard.set_test_whitelist(username=["other"])
        assert wx.giftcards.testers == {"openid": [], "username": ["other"]}
    # What WeChat answers past the documented 10, or to a string (the SDK refuses both first).
    async with raw_http(wx) as raw:
        eleven = {"openid": [f"o{i}" for i in range(11)]}
        assert (await raw.post("/card/testwhitelist/set", eleven))["errcode"] == 40097
        assert (await raw.post("/card/testwhitelist/set", {"openid": "oA"}))["errcode"] == 47001
    assert wx.giftcards.testers == {"openid": [], "username": ["other"]}

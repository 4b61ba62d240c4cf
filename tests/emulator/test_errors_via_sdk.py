"""Each error the emulator can answer, triggered through the SDK as a merchant would meet it,
raised as the SDK's typed error with its errcode (or, for carriers, its resultcode).

Refusals the SDK makes before sending are not here (the emulator never sees those calls):
see the test at the bottom for the ones checked client-side instead.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.delivery.test_delivery import ORDER
from tests.emulator._shelf import CARD, shelf_page
from wechat_async import (
    AccessTokenError,
    APIError,
    CarrierError,
    InvalidCredentialsError,
    RequestValidationError,
    RetryPolicy,
    SystemBusyError,
    Upload,
    WeChatClient,
)
from wechat_async.delivery import OrderStatus
from wechat_async.errors import (
    DeliveryError,
    DeliveryOrderNotFoundError,
    DeliveryShopNotBoundError,
    InvalidParameterError,
    InvoiceAuthFieldNotSetError,
    InvoiceInvalidMchidError,
    InvoicePayMchNotSetError,
    NotFoundError,
    PermissionDeniedError,
)
from wechat_async.testing import Emulator, Faults

TEST_SHOP, TEST_SECRET = "test_shop_id", "test_app_secrect"
SFTC_SHOP, SFTC_SECRET = "1534713176", "d80400f91e156f63b38886e616d84590"
DADA_SHOP, DADA_SECRET = "dadaaee18818d97e236", "1c6f40492d6d89caaad80b85f7d31670"

Case = Callable[[Emulator, WeChatClient], Awaitable[Any]]


def delivery_order(shopid: str, shop_order_id: str, delivery_id: str) -> dict[str, Any]:
    order = copy.deepcopy(ORDER)
    order.update(shopid=shopid, shop_order_id=shop_order_id, delivery_id=delivery_id)
    return order


def with_accounts(client: WeChatClient) -> None:
    client.delivery.add_account(shopid=TEST_SHOP, app_secret=TEST_SECRET, delivery_id="TEST")
    client.delivery.add_account(shopid=SFTC_SHOP, app_secret=SFTC_SECRET, delivery_id="SFTC")
    client.delivery.add_account(shopid=DADA_SHOP, app_secret=DADA_SECRET, delivery_id="DADA")


async def place(client: WeChatClient, shopid: str, shop_order_id: str, delivery_id: str) -> str:
    order = delivery_order(shopid, shop_order_id, delivery_id)
    placed = await client.delivery.add_order(**order)
    assert placed.waybill_id is not None
    return placed.waybill_id


def first_code(wx: Emulator) -> tuple[str, str, str]:
    order = wx.book.orders()[0]
    card = order["card_list"][0]
    return order["order_id"], card["code"], card["card_id"]


# -- gift cards ---------------------------------------------------------------------------------
async def get_code_with_another_cards_id(wx: Emulator, client: WeChatClient) -> None:
    _, code, _ = first_code(wx)
    await client.giftcard.get_code(code=code, card_id="pNOTthiscard")


async def get_an_unknown_code(wx: Emulator, client: WeChatClient) -> None:
    await client.giftcard.get_code(code="000000000000")


async def consume_a_refunded_orders_code(wx: Emulator, client: WeChatClient) -> None:
    order_id, code, card_id = first_code(wx)
    await client.giftcard.refund_order(order_id=order_id)
    await client.giftcard.consume_code(code=code, card_id=card_id)


async def get_an_unknown_page(wx: Emulator, client: WeChatClient) -> None:
    await client.giftcard.get_page(page_id="no-such-page")


async def update_an_unknown_page(wx: Emulator, client: WeChatClient) -> None:
    card_id = (await client.giftcard.create_card(card=CARD)).card_id
    await client.giftcard.update_page(page=shelf_page(card_id, page_id="no-such-page"))


async def update_a_page_with_an_unknown_card(wx: Emulator, client: WeChatClient) -> None:
    card_id = (await client.giftcard.create_card(card=CARD)).card_id
    page_id = (await client.giftcard.add_page(page=shelf_page(card_id))).page_id
    await client.giftcard.update_page(page=shelf_page("pNOTacard", page_id=page_id))


async def maintain_an_unknown_page(wx: Emulator, client: WeChatClient) -> None:
    await client.giftcard.set_maintain(page_id="no-such-page")


async def set_wxa_on_an_unknown_page(wx: Emulator, client: WeChatClient) -> None:
    await client.giftcard.set_wxa(wxa_appid="wxmini", page_id="no-such-page")


async def bind_a_submch_not_on_the_whitelist(wx: Emulator, client: WeChatClient) -> None:
    await client.giftcard.bind_submch(sub_mch_id="1900", wxa_appid="wxmini")


async def refund_an_unknown_order(wx: Emulator, client: WeChatClient) -> None:
    await client.giftcard.refund_order(order_id="NOPE")


# -- invoicing ----------------------------------------------------------------------------------
async def get_auth_field_before_set(wx: Emulator, client: WeChatClient) -> None:
    await client.invoice.get_auth_field()


async def get_pay_mch_before_set(wx: Emulator, client: WeChatClient) -> None:
    await client.invoice.get_pay_mch()


async def get_auth_data_with_another_s_pappid(wx: Emulator, client: WeChatClient) -> None:
    await client.invoice.set_pay_mch(paymch_info={"mchid": "1234", "s_pappid": "wxours"})
    await wx.authorize_invoice("O1", s_pappid="wxours", title="某公司")
    await client.invoice.get_auth_data(s_pappid="wxtheirs", order_id="O1")


async def get_auth_data_before_the_pay_mch_is_set(wx: Emulator, client: WeChatClient) -> None:
    await client.invoice.get_auth_data(s_pappid="wxours", order_id="O1")


# -- delivery -----------------------------------------------------------------------------------
async def order_from_a_shop_not_bound(wx: Emulator, client: WeChatClient) -> None:
    # The SDK can sign for it (its account is registered with the client); WeChat has no
    # such shop bound to this Mini Program.
    client.delivery.add_account(shopid="shop-elsewhere", app_secret="s", delivery_id="TEST")
    await client.delivery.get_order(shopid="shop-elsewhere", shop_order_id="A1")


async def open_with_the_mini_programs_own_token(wx: Emulator, client: WeChatClient) -> None:
    # Third-party platforms only (their authorizer tokens): tests/component has theirs.
    await client.delivery.open()


async def bind_with_the_mini_programs_own_token(wx: Emulator, client: WeChatClient) -> None:
    await client.delivery.bind_account(delivery_id="SFTC")


async def quote_with_another_carriers_id(wx: Emulator, client: WeChatClient) -> None:
    await client.delivery.pre_add_order(**delivery_order(TEST_SHOP, "A1", "SFTC"))


async def mock_update_on_a_real_carrier(wx: Emulator, client: WeChatClient) -> None:
    await place(client, SFTC_SHOP, "A1", "SFTC")
    await client.delivery.mock_update_order(
        shopid=SFTC_SHOP, shop_order_id="A1", order_status=102, action_time=1
    )


async def mock_update_an_unknown_test_order(wx: Emulator, client: WeChatClient) -> None:
    await client.delivery.mock_update_order(
        shopid=TEST_SHOP, shop_order_id="nope", order_status=102, action_time=1
    )


async def real_mock_update_on_the_test_carrier(wx: Emulator, client: WeChatClient) -> None:
    await place(client, TEST_SHOP, "A1", "TEST")
    await client.delivery.real_mock_update_order(
        shopid=TEST_SHOP, shop_order_id="A1", order_status=102, action_time=1
    )


async def real_mock_a_status_the_carrier_lacks(wx: Emulator, client: WeChatClient) -> None:
    await place(client, SFTC_SHOP, "A1", "SFTC")
    await client.delivery.real_mock_update_order(
        shopid=SFTC_SHOP, shop_order_id="A1", order_status=201, action_time=1
    )


async def confirm_return_of_an_unknown_order(wx: Emulator, client: WeChatClient) -> None:
    await client.delivery.confirm_return(shopid=TEST_SHOP, shop_order_id="nope", waybill_id="w")


# -- platform -----------------------------------------------------------------------------------
async def a_system_error(wx: Emulator, client: WeChatClient) -> None:
    wx.app.faults = Faults(system_error=1.0)
    await client.giftcard.list_pages()


CASES: list[tuple[Case, type[APIError], int]] = [
    (get_code_with_another_cards_id, NotFoundError, 40073),
    (get_an_unknown_code, InvalidParameterError, 40056),
    (consume_a_refunded_orders_code, InvalidParameterError, 40127),
    (get_an_unknown_page, InvalidParameterError, 40097),
    (update_an_unknown_page, InvalidParameterError, 40097),
    (update_a_page_with_an_unknown_card, NotFoundError, 40073),
    (maintain_an_unknown_page, InvalidParameterError, 40097),
    (set_wxa_on_an_unknown_page, InvalidParameterError, 40097),
    (bind_a_submch_not_on_the_whitelist, InvalidParameterError, 40097),
    (refund_an_unknown_order, InvalidParameterError, 40097),
    (get_auth_field_before_set, InvoiceAuthFieldNotSetError, 72029),
    (get_pay_mch_before_set, InvoicePayMchNotSetError, 72028),
    (get_auth_data_with_another_s_pappid, InvoiceInvalidMchidError, 72030),
    (get_auth_data_before_the_pay_mch_is_set, InvoiceInvalidMchidError, 72030),
    (order_from_a_shop_not_bound, DeliveryShopNotBoundError, 930560),
    (open_with_the_mini_programs_own_token, PermissionDeniedError, 86000),
    (bind_with_the_mini_programs_own_token, PermissionDeniedError, 86000),
    (quote_with_another_carriers_id, DeliveryError, 930561),
    (mock_update_on_a_real_carrier, DeliveryError, 930561),
    (mock_update_an_unknown_test_order, DeliveryOrderNotFoundError, 930563),
    (real_mock_update_on_the_test_carrier, DeliveryError, 930561),
    (real_mock_a_status_the_carrier_lacks, DeliveryError, 930561),
    (confirm_return_of_an_unknown_order, DeliveryOrderNotFoundError, 930563),
    (a_system_error, SystemBusyError, -1),
]


@pytest.mark.parametrize(("case", "error", "errcode"), CASES, ids=[c[0].__name__ for c in CASES])
async def test_each_error_reaches_the_sdk_typed(
    case: Case, error: type[APIError], errcode: int
) -> None:
    wx = Emulator(orders=3, seed=2)
    async with wx.client(retry=RetryPolicy(max_retries=0)) as client:
        with_accounts(client)
        with pytest.raises(error) as info:
            await case(wx, client)
    assert info.value.errcode == errcode
    assert type(info.value) is error  # the most specific class, not a parent of it


# -- carrier refusals (HTTP 200, resultcode, no errcode) -----------------------------------------
async def test_confirm_return_closes_a_returned_order_once() -> None:
    wx = Emulator()
    async with wx.client() as client:
        with_accounts(client)
        waybill = await place(client, DADA_SHOP, "R1", "DADA")
        common = {"shopid": DADA_SHOP, "shop_order_id": "R1"}
        with pytest.raises(CarrierError) as early:
            await client.delivery.confirm_return(**common, waybill_id=waybill)
        assert early.value.resultcode == 5  # nothing is being returned yet
        # The carrier's own test environment drives it: delivering, then sent back (304).
        for status in (102, 201, 202, 301, 304):
            await client.delivery.real_mock_update_order(
                **common, order_status=status, action_time=1
            )
        await client.delivery.confirm_return(**common, waybill_id=waybill)
        got = await client.delivery.get_order(**common)
        assert got.order_status is OrderStatus(401)
        with pytest.raises(DeliveryError) as twice:  # returned (401): the order has ended
            await client.delivery.confirm_return(**common, waybill_id=waybill)
        assert twice.value.errcode == 930565


async def test_tips_and_cancellation_carrier_refusals() -> None:
    wx = Emulator()
    async with wx.client() as client:
        with_accounts(client)
        waybill = await place(client, TEST_SHOP, "T1", "TEST")
        common = {"shopid": TEST_SHOP, "shop_order_id": "T1"}
        await client.delivery.mock_update_order(**common, order_status=102, action_time=1)
        with pytest.raises(CarrierError) as tip:
            await client.delivery.add_tips(**common, waybill_id=waybill, tips=3, remark="r")
        assert tip.value.resultcode == 3  # a rider is already on it
        for status in (201, 202, 301):
            await client.delivery.mock_update_order(**common, order_status=status, action_time=1)
        with pytest.raises(CarrierError) as cancel:
            await client.delivery.cancel_order(**common, delivery_id="TEST", cancel_reason_id=1)
        assert cancel.value.resultcode == 4  # out for delivery: too late
        with pytest.raises(CarrierError) as pre_cancel:
            await client.delivery.pre_cancel_order(**common, delivery_id="TEST", waybill_id=waybill)
        assert pre_cancel.value.resultcode == 4


# -- tokens -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("appid", "secret", "errcode"),
    [("wxnotthisapp", None, 40013), (None, "not-the-secret", 40125)],
)
@pytest.mark.parametrize("token_endpoint", ["stable", "token"])
async def test_wrong_credentials_are_typed(
    appid: str | None, secret: str | None, errcode: int, token_endpoint: Any
) -> None:
    wx = Emulator(orders=1)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=wx.app))
    async with WeChatClient(
        appid or wx.appid,
        secret or wx.secret,
        base_url="http://emulator",
        http_client=http,
        token_endpoint=token_endpoint,
    ) as client:
        with pytest.raises(InvalidCredentialsError) as info:
            await client.giftcard.list_pages()
    assert info.value.errcode == errcode


@pytest.mark.parametrize("errcode", [40001, 42001])
async def test_a_token_that_keeps_failing_is_an_access_token_error(errcode: int) -> None:
    now = [1_800_000_000.0]
    wx = Emulator(token_ttl=100, clock=lambda: now[0])
    if errcode == 40001:
        token = "EMU_TOKEN_never_issued"
    else:
        token = (await wx.tokens.stable_token(_stable_call(wx)))[1]["access_token"]
        now[0] += 101

    async def provider() -> str:
        return token  # a broken provider: always the same bad token

    async with wx.client(token_provider=provider) as client:
        with pytest.raises(AccessTokenError) as info:
            await client.giftcard.list_pages()
    assert info.value.errcode == errcode


def _stable_call(wx: Emulator) -> Any:
    from wechat_async.testing._app import Call

    body = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
    return Call("POST", "/cgi-bin/stable_token", {}, body, b"", {})


# -- what the SDK refuses before sending ---------------------------------------------------------
async def test_the_sdk_refuses_these_before_the_emulator_sees_them() -> None:
    """41005 (an empty image), 72031 (empty pay-mch fields, an auth field without both parts,
    get_auth_data without its ids) and the 31-day window: the SDK's own checks refuse them, so
    the emulator's answers to them are for other clients."""
    wx = Emulator()
    async with wx.client() as client:
        with pytest.raises(RequestValidationError):
            await client.giftcard.upload_image(buffer=Upload(content=b"", filename="a.png"))
        with pytest.raises(RequestValidationError):
            await client.invoice.set_pay_mch(paymch_info={"mchid": "", "s_pappid": "wx"})
        with pytest.raises(RequestValidationError):
            await client.invoice.set_auth_field(auth_field={"user_field": {"show_title": 1}})
        with pytest.raises(RequestValidationError):
            await client.invoice.get_auth_data(s_pappid="", order_id="O1")
    assert wx.requests == {}

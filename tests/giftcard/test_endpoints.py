"""Gift-card endpoints beyond the fixtures: retry safety, input checks, links."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from tests.helpers import AMBIGUOUS_FAILURES, BASE, client_for, mock_token
from wechat_async import RequestValidationError, Upload, WeChatError
from wechat_async.giftcard import GiftCardNamespace, parse_jump, shelf_url

FIXTURES = Path(__file__).parent.parent / "fixtures" / "giftcard"


def _call(endpoint: str, case: str = "success") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / endpoint / f"{case}.json").read_text())
    return data["call"]


OK = httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "card_id": "c", "page_id": "p"})


@pytest.mark.parametrize("name", ["refund_order", "consume_code", "create_card", "add_page"])
@AMBIGUOUS_FAILURES
async def test_non_idempotent_calls_are_never_retried_after_ambiguous_failure(
    name: str, failure: Any
) -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=BASE + "/card/").mock(side_effect=[failure, OK])
    async with client_for(router) as client:
        with pytest.raises(WeChatError) as info:
            await getattr(client.giftcard, name)(**_call(name))
    assert route.call_count == 1
    assert info.value.may_have_been_applied is True  # type: ignore[attr-defined]
    assert "may have been applied" in str(info.value)


async def test_idempotent_get_order_is_retried() -> None:
    router = respx.Router()
    mock_token(router)
    order = {"order_id": "o1", "card_list": []}
    route = router.post(url__startswith=BASE + "/card/giftcard/order/get").mock(
        side_effect=[
            httpx.ReadTimeout("t"),
            httpx.Response(200, json={"errcode": 0, "order": order}),
        ]
    )
    async with client_for(router) as client:
        result = await client.giftcard.get_order(order_id="o1")
    assert route.call_count == 2
    assert result.order.order_id == "o1"


def _card(**changes: Any) -> dict[str, Any]:
    call = copy.deepcopy(_call("create_card"))
    for path, value in changes.items():
        target = call["card"]["general_card"]
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(leaf)
        else:
            target[leaf] = value
    return call


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            _card(base_info__giftcard_info__price=9.99),
            "card.general_card.base_info.giftcard_info.price",
        ),
        (
            _card(base_info__giftcard_info__price=0),
            "card.general_card.base_info.giftcard_info.price",
        ),
        (_card(base_info__color="Color105"), "card.general_card.base_info.color"),
        (_card(base_info__color="red"), "card.general_card.base_info.color"),
        (_card(base_info__title="十个汉字的礼品卡标题"), "card.general_card.base_info.title"),
        (
            _card(base_info__brand_name="一二三四五六七八九十一二三"),
            "card.general_card.base_info.brand_name",
        ),
        (_card(base_info__code_type="CODE_TYPE_NFC"), "card.general_card.base_info.code_type"),
        (
            _card(base_info__date_info={"type": "DATE_TYPE_FOREVER"}),
            "card.general_card.base_info.date_info.type",
        ),
        (
            _card(base_info__date_info={"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": 5}),
            "card.general_card.base_info.date_info.end_timestamp",
        ),
        (
            _card(base_info__date_info={"type": "DATE_TYPE_FIX_TERM"}),
            "card.general_card.base_info.date_info.fixed_term",
        ),
        (_card(sub_card_type="MEMBER_CARD"), "card.general_card.sub_card_type"),
        # At most three of supply_balance and custom_field1..3 (section 6.3's note).
        (
            _card(
                supply_balance=True,
                custom_field1={"name": "a"},
                custom_field2={"name": "b"},
                custom_field3={"name": "c"},
            ),
            "card.general_card.custom_field3",
        ),
        (_card(init_balance="100"), "card.general_card.init_balance"),
        (_card(base_info=None), "card.general_card.base_info"),
    ],
)
async def test_create_card_bad_input_fails_before_sending(call: dict[str, Any], field: str) -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=BASE)
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.giftcard.create_card(**call)
    assert field in info.value.fields, info.value
    assert route.call_count == 0


def _page(**changes: Any) -> dict[str, Any]:
    call = copy.deepcopy(_call("add_page"))
    call["page"].update(changes)
    return call


@pytest.mark.parametrize(
    ("name", "call", "field"),
    [
        ("update_user_card", {"code": "1"}, "card_id"),
        ("update_user_card", {"code": "1", "card_id": "c", "balance": 12.5}, "balance"),
        (
            "update_user_card",
            {"code": "1", "card_id": "c", "custom_field_value1": "四个汉字多"},
            "custom_field_value1",
        ),
        # "4 characters and 12 bytes": five ASCII letters are 5 bytes, still one too many.
        (
            "update_user_card",
            {"code": "1", "card_id": "c", "custom_field_value2": "abcde"},
            "custom_field_value2",
        ),
        ("consume_code", {"card_id": "c"}, "code"),
        ("get_code", {"code": ""}, "code"),
        ("refund_order", {}, "order_id"),
        ("set_maintain", {"page_id": "p", "all": True}, "page_id"),
        ("set_maintain", {}, "page_id"),
        ("add_page", _page(page_title=None), "page.page_title"),
        ("add_page", _page(page_id="given"), "page.page_id"),
        (
            "add_page",
            _page(category_list=[{"title": "only one"}]),
            "page.theme_list[1].category_index",
        ),
        ("update_page", {"page": {"banner_pic_url": "u", "theme_list": []}}, "page.page_id"),
        ("upload_image", {"buffer": Upload(content=b"GIF89a", filename="x.gif")}, "buffer"),
        (
            "upload_image",
            {"buffer": Upload(content=b"x" * (1024 * 1024 + 1), filename="x.png")},
            "buffer",
        ),
        ("decrypt_code", {"encrypt_code": 123}, "encrypt_code"),
    ],
)
async def test_bad_input_names_the_field_and_sends_nothing(
    name: str, call: dict[str, Any], field: str
) -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__startswith=BASE)
    call = {k: v for k, v in call.items()}
    if name == "add_page":
        call["page"] = {k: v for k, v in call["page"].items() if v is not None}
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await getattr(client.giftcard, name)(**call)
    assert field in info.value.fields, info.value
    assert route.call_count == 0


async def test_upload_image_sends_a_multipart_png() -> None:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__startswith=BASE + "/cgi-bin/media/uploadimg").respond(
        json={"url": "https://cdn/x"}
    )
    async with client_for(router) as client:
        result = await client.giftcard.upload_image(
            buffer=Upload(content=b"\x89PNG", filename="a.png")
        )
    request = route.calls.last.request
    assert result.url == "https://cdn/x"
    assert b'name="buffer"; filename="a.png"' in request.content
    assert b"Content-Type: image/png" in request.content


#: The gift-card calls of the public contract (names users call).
CONTRACT = {
    "upload_image",
    "create_card",
    "add_page",
    "get_page",
    "update_page",
    "list_pages",
    "set_maintain",
    "add_pay_whitelist",
    "bind_submch",
    "set_wxa",
    "get_order",
    "batch_get_orders",
    "iter_orders",
    "refund_order",
    "update_user_card",
    "consume_code",
    "get_code",
    "decrypt_code",
}


def test_every_table_entry_is_on_the_namespace() -> None:
    names = {e.name for e in GiftCardNamespace.endpoints()} | {"iter_orders"}
    assert names >= CONTRACT


def test_shelf_url_encodes_page_id_and_outer_str() -> None:
    assert shelf_url("abcedfghifk=+Uasdaseq14fadkf8123h4jk") == (
        "https://mp.weixin.qq.com/bizmall/giftcard?action=homepage"
        "&page_id=abcedfghifk%3D%2BUasdaseq14fadkf8123h4jk#wechat_redirect"
    )
    assert shelf_url("a b", outer_str="x&y").endswith(
        "page_id=a%20b&outer_str=x%26y#wechat_redirect"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://mp.weixin.qq.com/?order_id=Z2y2rY4UxUZYitvVGA&openid=oAAAAAKe1ri5AAaAiB50-Ak6Vs1w",
            {"order_id": "Z2y2rY4UxUZYitvVGA", "openid": "oAAAAAKe1ri5AAaAiB50-Ak6Vs1w"},
        ),
        (
            "http://www.qq.com?encrypt_code=ENC%2B%3D&card_id=CARDID&openid=xxxx&outer_str=web",
            {"encrypt_code": "ENC+=", "card_id": "CARDID", "openid": "xxxx", "outer_str": "web"},
        ),
    ],
)
def test_parse_jump(url: str, expected: dict[str, str]) -> None:
    params = parse_jump(url)
    for key, value in expected.items():
        assert getattr(params, key) == value
    assert params.extra == {}
    assert parse_jump(url + "&later=1").extra == {"later": "1"}


async def test_the_test_whitelist_takes_ten_testers_in_all_and_lists_only() -> None:
    router = respx.Router(assert_all_called=False)
    mock_token(router)
    route = router.post(url__startswith=BASE + "/card/testwhitelist/set").respond(
        json={"errcode": 0, "errmsg": "ok"}
    )
    ten = {"openid": [f"o{i}" for i in range(6)], "username": [f"u{i}" for i in range(4)]}
    async with client_for(router) as client:
        await client.giftcard.set_test_whitelist(**ten)
        assert json.loads(route.calls.last.request.content) == ten
        with pytest.raises(RequestValidationError) as info:
            await client.giftcard.set_test_whitelist(
                **{**ten, "username": ["u0", "u1", "u2", "u3", "u4"]}
            )
        assert info.value.fields == ("username",)
        assert "at most 10 testers in all, got 11" in str(info.value)
        with pytest.raises(RequestValidationError) as info:
            await client.giftcard.set_test_whitelist(openid="o1")  # type: ignore[arg-type]
        assert info.value.fields == ("openid",)
    assert route.call_count == 1

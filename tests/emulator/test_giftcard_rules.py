"""Gift cards' documented rules through raw HTTP: card/create's limits, code/get's fields and
maintain/set's control types, whoever the client is."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.emulator._raw import Raw, raw_http
from tests.emulator._shelf import CARD, shelf_page
from wechat_async._errcodes import error_for
from wechat_async.errors import InvalidParameterError
from wechat_async.testing import Emulator
from wechat_async.testing._giftcard import CODE_TYPES

CREATE = "/card/create"
DAY = 86400


def card(**base_changes: Any) -> dict[str, Any]:
    """The gift-card document's own card, with ``base_info`` fields changed (None: removed)."""
    changed = copy.deepcopy(CARD)
    base = changed["general_card"]["base_info"]
    for name, value in base_changes.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return changed


async def create(raw: Raw, **base_changes: Any) -> dict[str, Any]:
    return await raw.post(CREATE, {"card": card(**base_changes)})


# -- card/create -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "errcode"),
    [
        ({"title": "A" * 40}, 45021),
        ({"title": "心" * 10}, 45021),  # 30 bytes: over 9 Chinese characters
        ({"title": "A" * 28}, 45021),
        ({"brand_name": "微" * 13}, 45021),
        ({"code_type": "BOGUS"}, 40072),
        ({"code_type": "code_type_qrcode"}, 40072),
        ({"code_type": None}, 40072),
        ({"get_limit": 5}, 40097),
        ({"get_limit": 1}, 40097),
    ],
)
async def test_card_create_refuses_what_the_document_forbids(
    changes: dict[str, Any], errcode: int
) -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        reply = await create(raw, **changes)
    assert reply["errcode"] == errcode, reply
    assert wx.giftcards.cards == {}


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "心" * 9},  # the documented 9 Chinese characters
        {"title": "A" * 27},  # the same 27 bytes
        {"brand_name": "微" * 12},
        {"get_limit": 0},
        {"get_limit": None},
        *({"code_type": code_type} for code_type in sorted(CODE_TYPES)),
    ],
)
async def test_card_create_accepts_what_the_document_allows(changes: dict[str, Any]) -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        reply = await create(raw, **changes)
    assert reply["errcode"] == 0, reply
    assert reply["card_id"] in wx.giftcards.cards


@pytest.mark.parametrize("errcode", [40072, 45021])
def test_the_card_errcodes_are_typed(errcode: int) -> None:
    # The SDK's own checks refuse these cards before sending; other clients meet the codes.
    error = error_for(errcode, "invalid hint: [x]", endpoint=CREATE)
    assert type(error) is InvalidParameterError


# -- card/code/get ---------------------------------------------------------------------------------
async def get_code(raw: Raw, code: str) -> dict[str, Any]:
    return await raw.post("/card/code/get", {"code": code, "check_consume": False})


async def test_code_get_carries_validity_card_number_and_background() -> None:
    wx = Emulator(orders=3, seed=4)
    order = wx.book.orders()[0]
    code = order["card_list"][0]["code"]
    async with raw_http(wx) as raw:
        reply = await get_code(raw, code)
    assert reply["errcode"] == 0
    got = reply["card"]
    assert {"card_id", "begin_time", "end_time", "balance", "code", "card_number"} <= set(got)
    assert got["card_number"] == got["code"] == code
    assert got["begin_time"] == order["create_time"]
    assert got["end_time"] > got["begin_time"]
    assert "background_pic_url" in reply


async def test_code_get_reads_the_cards_date_info_and_background() -> None:
    now = 1_767_225_600
    wx = Emulator(clock=lambda: float(now))
    async with raw_http(wx) as raw:
        fixed = (await create(raw))["card_id"]  # the document's DATE_TYPE_FIX_TIME_RANGE
        term = {"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30, "fixed_begin_term": 1}
        by_term = (await create(raw, date_info=term))["card_id"]
        forever = (await create(raw, date_info={"type": "DATE_TYPE_PERMANENT"}))["card_id"]
        codes = {
            card_id: wx.giftcards.buy(card_id=card_id, price=100, openid="oBUYER")["card_list"][0][
                "code"
            ]
            for card_id in (fixed, by_term, forever)
        }
        replies = {card_id: await get_code(raw, code) for card_id, code in codes.items()}
        date_info = CARD["general_card"]["base_info"]["date_info"]
        assert (replies[fixed]["card"]["begin_time"], replies[fixed]["card"]["end_time"]) == (
            date_info["begin_timestamp"],
            date_info["end_timestamp"],
        )
        assert (replies[by_term]["card"]["begin_time"], replies[by_term]["card"]["end_time"]) == (
            now + DAY,
            now + 31 * DAY,
        )
        assert replies[forever]["card"]["begin_time"] == now
        assert replies[forever]["card"]["end_time"] == 2**31 - 1
        # the card's background, until updateuser gives the code its own
        background = CARD["general_card"]["background_pic_url"]
        assert replies[fixed]["background_pic_url"] == background
        own = "https://mmbiz.qpic.cn/emu/own/0"
        update = {"code": codes[fixed], "card_id": fixed, "background_pic_url": own}
        assert (await raw.post("/card/generalcard/updateuser", update))["errcode"] == 0
        assert (await get_code(raw, codes[fixed]))["background_pic_url"] == own


async def test_the_sdk_reads_code_gets_fields() -> None:
    wx = Emulator(orders=2, seed=1)
    code = wx.book.orders()[0]["card_list"][0]["code"]
    async with wx.client() as client:
        got = await client.giftcard.get_code(code=code)
    assert got.card.card_number == code
    assert got.card.begin_time is not None
    assert got.card.end_time is not None
    assert got.background_pic_url is not None


# -- card/giftcard/maintain/set --------------------------------------------------------------------
DOCUMENTED = {"E_PAGE_CONTROL_BIZ", "E_PAGE_CONTROL_NORMAL", "E_PAGE_CONTROL_SYSTEM"}


def control_types(reply: dict[str, Any]) -> set[str]:
    info = reply["control_info"]
    found = {info["biz_control_type"], info["system_biz_control_type"]}
    for page in info["list"]:
        found |= {page["page_control_type"], page["system_page_control_type"]}
    return found


async def test_maintain_set_answers_the_documents_control_types() -> None:
    wx = Emulator()
    async with raw_http(wx) as raw:
        card_id = (await create(raw))["card_id"]
        first = (await raw.post("/card/giftcard/page/add", {"page": shelf_page(card_id)}))[
            "page_id"
        ]
        second = (await raw.post("/card/giftcard/page/add", {"page": shelf_page(card_id)}))[
            "page_id"
        ]
        one = await raw.post("/card/giftcard/maintain/set", {"page_id": first, "maintain": True})
        assert one["errcode"] == 0
        assert control_types(one) <= DOCUMENTED
        pages = {p["page_id"]: p["page_control_type"] for p in one["control_info"]["list"]}
        # every page of the merchant is listed: the one taken off, and the other
        assert pages == {first: "E_PAGE_CONTROL_BIZ", second: "E_PAGE_CONTROL_NORMAL"}
        assert one["control_info"]["biz_control_type"] == "E_PAGE_CONTROL_NORMAL"
        every = await raw.post("/card/giftcard/maintain/set", {"all": True, "maintain": True})
        assert control_types(every) <= DOCUMENTED
        assert every["control_info"]["biz_control_type"] == "E_PAGE_CONTROL_BIZ"
        assert {p["page_control_type"] for p in every["control_info"]["list"]} == {
            "E_PAGE_CONTROL_BIZ"
        }
        back = await raw.post("/card/giftcard/maintain/set", {"all": True, "maintain": False})
        assert back["control_info"]["biz_control_type"] == "E_PAGE_CONTROL_NORMAL"
        assert {p["page_control_type"] for p in back["control_info"]["list"]} == {
            "E_PAGE_CONTROL_NORMAL"
        }

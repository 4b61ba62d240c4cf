"""Seeded orders (and bought ones) name shelf pages and cards that exist in the emulator's
state, as on WeChat, where they were created before anything was sold."""

from __future__ import annotations

from typing import Any

from tests.emulator._shelf import CARD, shelf_page
from wechat_async.testing import Emulator


async def test_a_seeded_orders_page_and_cards_can_be_read() -> None:
    wx = Emulator(orders=50, seed=4)
    order = wx.book.orders()[0]
    async with wx.client() as client:
        page = (await client.giftcard.get_page(page_id=order["page_id"])).page
        assert page.page_id == order["page_id"]
        assert page.theme_list
        sold = {item.card_id for theme in page.theme_list for item in theme.item_list}
        assert {c["card_id"] for c in order["card_list"]} <= sold
        listed = (await client.giftcard.list_pages()).page_id_list
    for each in wx.book.orders():
        assert each["page_id"] in listed
        page_cards = {
            item["card_id"]
            for theme in wx.giftcards.pages[each["page_id"]]["theme_list"]
            for item in theme["item_list"]
        }
        for card in each["card_list"]:
            assert card["card_id"] in wx.giftcards.cards
            assert card["card_id"] in page_cards


async def test_the_seeded_cards_and_pages_are_ones_wechat_would_have_accepted() -> None:
    """Each passes the SDK's checks and the emulator's own card/create and page/add rules."""
    seeded = Emulator(orders=50, seed=4)
    fresh = Emulator()
    async with fresh.client() as client:
        created: dict[str, str] = {}
        for card_id, card in seeded.giftcards.cards.items():
            created[card_id] = (await client.giftcard.create_card(card=card)).card_id
        for page in seeded.giftcards.pages.values():
            copy: dict[str, Any] = {k: v for k, v in page.items() if k != "page_id"}
            copy["theme_list"] = [
                {
                    **theme,
                    "item_list": [{"card_id": created[i["card_id"]]} for i in theme["item_list"]],
                }
                for theme in page["theme_list"]
            ]
            assert (await client.giftcard.add_page(page=copy)).page_id


async def test_a_bought_card_and_its_page_exist_and_merchant_pages_are_kept() -> None:
    wx = Emulator()
    async with wx.client() as client:
        mine = (await client.giftcard.create_card(card=CARD)).card_id
        page_id = (await client.giftcard.add_page(page=shelf_page(mine))).page_id
        before = dict(wx.giftcards.pages[page_id])
        order = await wx.pay_gift_card(card_id="pNEWCARD", price=100, openid="oBuyer")
        page = (await client.giftcard.get_page(page_id=order["page_id"])).page
        assert page.theme_list
        assert page.theme_list[0].item_list[0].card_id == "pNEWCARD"
        assert "pNEWCARD" in wx.giftcards.cards
        await wx.pay_gift_card(card_id="pOTHER", price=100, openid="oBuyer", page_id=page_id)
        assert wx.giftcards.pages[page_id] == before  # a merchant's page is theirs

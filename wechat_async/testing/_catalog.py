"""The cards and shelf pages that orders refer to.

Seeded orders (and ``pay_gift_card``'s) name a ``page_id`` and ``card_id``s; on WeChat those
were created first (``card/create``, ``page/add``). ``stock`` creates the missing ones in the
emulator's state, as a merchant would have, so ``get_page(page_id=order["page_id"])`` works.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._giftcard import GiftCards

__all__ = ["stock"]


def stock(giftcards: GiftCards, orders: Iterable[dict[str, Any]]) -> None:
    """Create the cards and pages ``orders`` name and ``giftcards`` does not hold yet; a new
    page sells every card its orders were bought with (existing pages are left as they are)."""
    shelves: dict[str, dict[str, None]] = {}
    for order in orders:
        page_id = order.get("page_id")
        for card in order.get("card_list") or ():
            card_id = card.get("card_id")
            if not isinstance(card_id, str) or not card_id:
                continue
            if card_id not in giftcards.cards:
                giftcards.cards[card_id] = _card(card.get("price"))
            if isinstance(page_id, str) and page_id and page_id not in giftcards.pages:
                shelves.setdefault(page_id, {})[card_id] = None
    for page_id, card_ids in shelves.items():
        giftcards.pages[page_id] = _page(page_id, list(card_ids))


def _card(price: Any) -> dict[str, Any]:
    """A gift card as ``card/create`` would have received it."""
    return {
        "card_type": "GENERAL_CARD",
        "general_card": {
            "sub_card_type": "GIFT_CARD",
            "background_pic_url": "https://mmbiz.qpic.cn/emulator/background/0",
            "base_info": {
                "logo_url": "https://mmbiz.qpic.cn/emulator/logo/0",
                "brand_name": "模拟商户",
                "code_type": "CODE_TYPE_QRCODE",
                "title": "礼品卡",
                "color": "Color010",
                "notice": "使用时向服务员出示",
                "description": "不可与其他优惠同享",
                "date_info": {"type": "DATE_TYPE_PERMANENT"},
                "sku": {"quantity": 1_000_000},
                "giftcard_info": {"price": price if isinstance(price, int) else 10000},
                "max_give_friend_times": 1,
                "get_limit": 0,
                "use_custom_code": False,
                "can_give_friend": True,
            },
            "supply_balance": True,
            "init_balance": price if isinstance(price, int) else 10000,
        },
    }


def _page(page_id: str, card_ids: list[str]) -> dict[str, Any]:
    """A shelf page as ``page/add`` would have stored it, selling ``card_ids``."""
    return {
        "page_id": page_id,
        "page_title": "礼品卡",
        "banner_pic_url": "https://mmbiz.qpic.cn/emulator/banner/0",
        "theme_list": [
            {
                "theme_pic_url": "https://mmbiz.qpic.cn/emulator/theme/0",
                "title": "心意",
                "title_color": "#FB966E",
                "item_list": [{"card_id": card_id} for card_id in card_ids],
                "pic_item_list": [
                    {
                        "background_pic_url": "https://mmbiz.qpic.cn/emulator/background/0",
                        "default_gifting_msg": "祝你开心",
                    }
                ],
            }
        ],
        "address": "广州市海珠区",
        "service_phone": "020-12345678",
        "biz_description": "礼品卡购买后可转赠好友",
        "cell_1": {"title": "申请发票", "url": "https://emulator.invalid/invoice"},
        "cell_2": {"title": "申请退款", "url": "https://emulator.invalid/refund"},
    }

"""A gift card and a shelf page as merchants write them, shared by the emulator's tests."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers import FIXTURES

# The gift-card document's own card (its card/create example), as the documented example calls
# it.
CARD: dict[str, Any] = json.loads(
    (FIXTURES / "giftcard" / "create_card" / "success.json").read_text(encoding="utf-8")
)["call"]["card"]


def shelf_page(*card_ids: str, **changes: Any) -> dict[str, Any]:
    """A shelf page with one theme selling ``card_ids``."""
    page: dict[str, Any] = {
        "page_title": "礼品卡",
        "banner_pic_url": "https://mmbiz.qpic.cn/banner",
        "theme_list": [
            {
                "theme_pic_url": "https://mmbiz.qpic.cn/theme",
                "title": "生日",
                "title_color": "#FFFFFF",
                "item_list": [{"card_id": card_id} for card_id in card_ids],
                "pic_item_list": [
                    {"background_pic_url": "https://mmbiz.qpic.cn/bg", "default_gifting_msg": "祝"}
                ],
            }
        ],
        "address": "广州",
        "service_phone": "020-12345678",
        "biz_description": "说明",
        "cell_1": {"title": "申请发票", "url": "https://x/invoice"},
        "cell_2": {"title": "申请退款", "url": "https://x/refund"},
    }
    return page | changes

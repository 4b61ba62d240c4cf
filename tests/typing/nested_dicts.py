"""A user's script: nested request structures written as plain dicts (checked by mypy)."""

from __future__ import annotations

from decimal import Decimal

from typing_extensions import assert_type

from wechat_async import EmptyResponse, WeChatClient
from wechat_async.cityservice import SendMsgDataRequest, TemplateValueParam
from wechat_async.delivery import AddressParam, PreAddOrderResponse
from wechat_async.giftcard import AddPageResponse, CreateCardResponse, ThemeParam


async def user_code(client: WeChatClient) -> None:
    first: TemplateValueParam = {"value": "Your order shipped", "color": "#173177"}
    await client.cityservice.send_msg_data(
        openid="o",
        biz_template_id="t",
        order_no="1",
        data={"first": first, "remark": {"value": "r"}},
    )
    request = SendMsgDataRequest(
        openid="o", biz_template_id="t", order_no="1", data={"first": {"value": "v"}}
    )
    await client.cityservice.send_msg_data.send(request)

    home: AddressParam = {
        "name": "Shop",
        "city": "Guangzhou",
        "address": "Road 1",
        "address_detail": "Unit 2",
        "phone": "020",
        "lng": 113.32,
        "lat": 23.13,
    }
    fee = await client.delivery.pre_add_order(
        shopid="s",
        shop_order_id="A1",
        delivery_id="SFTC",
        openid="o",
        sender=home,
        receiver={**home, "name": "Customer", "coordinate_type": 0},
        cargo={
            "goods_value": Decimal("88.00"),
            "goods_weight": 1.5,
            "cargo_first_class": "food",
            "cargo_second_class": "tea",
            "goods_detail": {"goods": [{"good_count": 2, "good_name": "tea"}]},
        },
        order_info={"order_type": 1, "expected_delivery_time": 1_700_000_000},
        shop={"wxa_path": "/p", "img_url": "https://i", "goods_name": "tea", "goods_count": 2},
    )
    assert_type(fee, PreAddOrderResponse)

    theme: ThemeParam = {
        "theme_pic_url": "https://t",
        "title": "Thanks",
        "title_color": "#FB966E",
        "item_list": [{"card_id": "pFS7Fjg8kV1IdDz01r4SQwMkuCKc"}],
        "pic_item_list": [{"background_pic_url": "https://b"}],
        "category_index": 0,
    }
    page = await client.giftcard.add_page(
        page={
            "page_title": "Gifts",
            "banner_pic_url": "https://banner",
            "theme_list": [theme],
            "category_list": [{"title": "All"}],
            "cell_1": {"title": "Help", "url": "https://h"},
        }
    )
    assert_type(page, AddPageResponse)

    card = await client.giftcard.create_card(
        card={
            "general_card": {
                "base_info": {
                    "logo_url": "https://logo",
                    "brand_name": "Tea",
                    "code_type": "CODE_TYPE_QRCODE",
                    "title": "Gift",
                    "color": "Color010",
                    "notice": "Show the code",
                    "description": "A gift card",
                    "date_info": {"type": "DATE_TYPE_PERMANENT"},
                    "sku": {"quantity": 100},
                    "giftcard_info": {"price": 10000},
                    "max_give_friend_times": 1,
                },
                "advanced_info": {"text_image_list": [{"image_url": "https://x", "text": "t"}]},
            }
        }
    )
    assert_type(card, CreateCardResponse)

    done = await client.invoice.set_auth_field(
        auth_field={"user_field": {"show_title": 1, "custom_field": [{"key": "Room"}]}}
    )
    assert_type(done, EmptyResponse)
    await client.invoice.set_pay_mch(paymch_info={"mchid": "1", "s_pappid": "p"})

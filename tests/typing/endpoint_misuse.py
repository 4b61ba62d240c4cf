"""Each marked line must be a mypy error (tests/test_typing.py checks the line numbers)."""

from __future__ import annotations

from wechat_async import WeChatClient
from wechat_async.component import ComponentClient
from wechat_async.giftcard import BaseInfoParam, DateInfoParam


async def bad(client: WeChatClient) -> None:
    await client.cityservice.send_msg_data(openid="o", biz_template_id="t", order_no="1")  # E: data
    await client.cityservice.send_msg_data(openid=1, biz_template_id="t", order_no="", data={})  # E
    await client.cityservice.send_msg_data(bogus=1, openid="o", biz_template_id="t")  # E: kwarg
    result = await client.cityservice.send_msg_data(
        openid="o", biz_template_id="t", order_no="1", data={}
    )
    print(result.no_such_field)  # E: attribute
    await client.cityservice.send_msg_data(
        openid="o",
        biz_template_id="t",
        order_no="1",
        data={"k": {"valeu": "v"}},  # E: key typo
    )
    await client.cityservice.send_msg_data(
        openid="o",
        biz_template_id="t",
        order_no="1",
        data={"k": {"value": 1}},  # E: value type
    )
    await client.invoice.set_pay_mch(paymch_info={"mchid": "1"})  # E: s_pappid missing
    client.giftcard.iter_orders(0, 1, sort_type="asc")  # E: sort_type is "ASC" or "DESC"
    await client.giftcard.batch_get_orders(begin_time=0, end_time=1, sort_type="up")  # E
    await client.delivery.cancel_order(
        shopid="s",
        shop_order_id="o",
        delivery_id="SFTC",
        cancel_reason_id=7,  # E: 1 to 6
    )
    date: DateInfoParam = {"type": "DATE_TYPE_FOREVER"}  # E: not a DATE_TYPE_*
    base: BaseInfoParam = {
        "logo_url": "u",
        "brand_name": "b",
        "code_type": "CODE_TYPE_NFC",  # E: not a CODE_TYPE_*
        "title": "t",
        "color": "Color010",
        "notice": "n",
        "description": "d",
        "date_info": date,
        "sku": {"quantity": 1},
        "giftcard_info": {"price": 1},
        "max_give_friend_times": 1,
    }
    await client.giftcard.create_card(card={"general_card": {"base_info": base}})
    await client.giftcard.set_test_whitelist(openid="o1")  # E: a list of openids, not one


async def bad_platform(platform: ComponentClient, client: WeChatClient) -> None:
    await platform.component.query_auth(authorization_code=1)  # E: a str code
    await platform.component.get_authorizer_list(count="500")  # E: an int count
    await client.component.get_pre_auth_code()  # E: a merchant's client has no platform calls
    merchant = platform.authorizer("wx1")
    await merchant.delivery.open(shopid="s")  # E: open takes nothing

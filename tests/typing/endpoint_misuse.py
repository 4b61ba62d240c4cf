"""Each marked line must be a mypy error (tests/test_typing.py checks the line numbers)."""

from __future__ import annotations

from wechat_async import WeChatClient


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

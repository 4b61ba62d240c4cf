"""Checked by mypy in tests/test_typing.py: mypy must see each endpoint's kwargs and result."""

from __future__ import annotations

from typing_extensions import assert_type

from wechat_async import RawResponse, WeChatClient
from wechat_async.cityservice import SendMsgDataRequest, SendMsgDataResponse, TemplateValue


async def good(client: WeChatClient) -> None:
    result = await client.cityservice.send_msg_data(
        openid="o", biz_template_id="t", order_no="1", data={"first": TemplateValue(value="v")}
    )
    assert_type(result, SendMsgDataResponse)
    assert_type(result.result_page_url, str)
    raw = await client.cityservice.send_msg_data.raw(
        openid="o", biz_template_id="t", order_no="1", data={}
    )
    assert_type(raw, RawResponse[SendMsgDataResponse])
    request = SendMsgDataRequest(openid="o", biz_template_id="t", order_no="1", data={})
    assert_type(await client.cityservice.send_msg_data.send(request), SendMsgDataResponse)
    faster = client.with_options(timeout=1.0, max_retries=0)
    assert_type(faster, WeChatClient)

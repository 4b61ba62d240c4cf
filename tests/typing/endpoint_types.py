"""Checked by mypy in tests/test_typing.py: mypy must see each endpoint's kwargs and result."""

from __future__ import annotations

from typing_extensions import assert_type

from wechat_async import CarrierError, RawResponse, WeChatClient
from wechat_async.callbacks import UpdateWaybillStatus
from wechat_async.cityservice import SendMsgDataRequest, SendMsgDataResponse, TemplateValue
from wechat_async.component import ComponentClient
from wechat_async.delivery import DeliveryId, GetOrderResponse, OrderStatus
from wechat_async.giftcard import PageControlType
from wechat_async.invoice import InvoiceStatus


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


def waybill(event: UpdateWaybillStatus) -> bool:
    # the push's status is the replies' OrderStatus
    return event.order_status is not None and event.order_status.is_final


async def typed_values(client: WeChatClient) -> None:
    async with client.giftcard.iter_orders(0, 1, sort_type="DESC") as orders:
        async for order in orders:
            print(order.order_id)
    await client.delivery.cancel_order(
        shopid="s", shop_order_id="o", delivery_id=DeliveryId.SFTC, cancel_reason_id=6
    )
    shops = await client.delivery.get_bind_account()
    assert_type(shops.shop_list[0].delivery_id, DeliveryId)
    status = await client.delivery.get_order(shopid="s", shop_order_id="o")
    assert_type(status.order_status, OrderStatus | None)
    assert_type(status.order_token, str | None)
    maintain = await client.giftcard.set_maintain(all=True)
    if maintain.control_info is not None:
        assert_type(maintain.control_info.biz_control_type, PageControlType | None)
    auth = await client.invoice.get_auth_data(s_pappid="p", order_id="o")
    assert_type(auth.invoice_status, InvoiceStatus)
    try:
        await client.delivery.get_order(shopid="s", shop_order_id="o")
    except CarrierError as exc:
        if isinstance(exc.response, GetOrderResponse):
            print(exc.response.rider_phone, exc.body.get("order_token"))


async def platform_types(platform: ComponentClient) -> None:
    info = (await platform.query_auth("code")).authorization_info
    assert_type(info.permission_sets, list[int])
    assert_type(info.authorizer_refresh_token, str | None)
    listed = await platform.component.get_authorizer_list(offset=0, count=100)
    assert_type(listed.authorizers[0].authorizer_appid, str)
    assert_type(platform.authorizer("wx1"), WeChatClient)
    async for item in platform.iter_authorizers():
        assert_type(item.auth_time, int | None)

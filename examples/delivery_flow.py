"""An instant-delivery order from quote to cancel, on WeChat's sandbox carrier (delivery_id
TEST): a quote (pre_add_order), the order (add_order with the quote's delivery_token), the
status push WeChat sends when a rider takes it, then a cancel.

The script serves its own push receiver on --port (path /wechat/push) to hear the status.

Against the emulator (the push token is yours to choose):

    wechat-async emulator serve --push-to http://127.0.0.1:8000/wechat/push --push-token T
    WECHAT_BASE_URL=http://127.0.0.1:8080 WECHAT_APPID=wxemulator000000 \
        WECHAT_SECRET=emulator-app-secret WECHAT_PUSH_TOKEN=T python examples/delivery_flow.py

Against WeChat: WECHAT_APPID/WECHAT_SECRET of the Mini Program, WECHAT_PUSH_TOKEN (and
WECHAT_PUSH_AES_KEY in safe mode) as set in its message push settings (data format JSON),
whose URL must reach this script's port; DELIVERY_OPENID the openid of one of its
administrators or developers (the only users the sandbox delivers to). With a real carrier,
use its shopid, secret and delivery_id; the statuses then come from its riders, not from
mock_update_order.
"""

from __future__ import annotations

import argparse
import os
import socket
import time
from decimal import Decimal

import anyio
import uvicorn
from anyio.streams.memory import MemoryObjectReceiveStream

from wechat_async import WeChatClient
from wechat_async.callbacks import CallbackApp, CallbackRouter, UpdateWaybillStatus
from wechat_async.delivery import OrderStatus
from wechat_async.delivery.models import AddOrderRequest

SHOPID, CARRIER_SECRET = "test_shop_id", "test_app_secrect"  # the sandbox's documented account


async def deliver(
    client: WeChatClient, statuses: MemoryObjectReceiveStream[UpdateWaybillStatus]
) -> UpdateWaybillStatus:
    """Quote, order, hear the rider take it, cancel; returns the status push."""
    client.delivery.add_account(shopid=SHOPID, app_secret=CARRIER_SECRET)
    order = new_order(f"demo-{time.time_ns()}")
    quote = await client.delivery.pre_add_order.send(order)  # a quote: nothing is ordered
    print(f"quote: {quote.fee} yuan, {quote.distance} m")
    order.delivery_token = quote.delivery_token
    placed = await client.delivery.add_order.send(order)  # never resent if ambiguous
    print(f"ordered: waybill {placed.waybill_id}, {placed.order_status!r}")

    # The sandbox's carrier moves the order; WeChat pushes the change to the receiver.
    await client.delivery.mock_update_order(
        shopid=SHOPID,
        shop_order_id=order.shop_order_id,
        order_status=OrderStatus.RIDER_ASSIGNED,
        action_time=int(time.time()),
    )
    with anyio.fail_after(60):
        status = await statuses.receive()
        while status.shop_order_id != order.shop_order_id:  # another order's
            status = await statuses.receive()
    print(f"pushed: {status.order_status!r}, rider {status.agent.name if status.agent else None}")

    cancelled = await client.delivery.cancel_order(
        shopid=SHOPID,
        shop_order_id=order.shop_order_id,
        delivery_id="TEST",
        waybill_id=placed.waybill_id,
        cancel_reason_id=1,  # no longer needed
    )
    print(f"cancelled: the carrier keeps {cancelled.deduct_fee} yuan")
    return status


def new_order(shop_order_id: str) -> AddOrderRequest:
    """One body for the quote and the order."""
    return AddOrderRequest(
        shopid=SHOPID,
        shop_order_id=shop_order_id,
        delivery_id="TEST",
        openid=os.environ.get("DELIVERY_OPENID", "o-tester"),
        receiver={
            "name": "Li Lei",
            "city": "Guangzhou",
            "address": "Tianhe Road 1",
            "address_detail": "Room 101",
            "phone": "13800000000",
            "lng": 113.32,
            "lat": 23.13,
        },
        cargo={
            "goods_value": Decimal("88.00"),  # yuan, as Decimal: floats are refused for money
            "goods_weight": 1.5,
            "cargo_first_class": "美食宵夜",
            "cargo_second_class": "零食小吃",
        },
        order_info={"order_type": 0},  # deliver now
        shop={"img_url": "https://example.com/cake.png", "goods_name": "Cake", "goods_count": 1},
    )


async def main(port: int = 8000) -> UpdateWaybillStatus:
    """Serve the push receiver on ``port`` while the flow runs."""
    router = CallbackRouter(
        token=os.environ["WECHAT_PUSH_TOKEN"],
        encoding_aes_key=os.environ.get("WECHAT_PUSH_AES_KEY"),  # unset: plain mode
        app_id=os.environ["WECHAT_APPID"],
    )
    pushed, statuses = anyio.create_memory_object_stream[UpdateWaybillStatus](16)

    @router.on(UpdateWaybillStatus)
    async def status_changed(event: UpdateWaybillStatus) -> None:
        await pushed.send(event)

    server = uvicorn.Server(uvicorn.Config(CallbackApp(router), log_level="warning"))
    # Listening before anything makes WeChat push: a push waits in the backlog until served.
    with pushed, statuses, socket.create_server(("127.0.0.1", port)) as listener:
        async with WeChatClient() as client, anyio.create_task_group() as tasks:
            tasks.start_soon(server.serve, [listener])
            status = await deliver(client, statuses)
            server.should_exit = True
    return status


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Quote, order, status push, cancel.")
    parser.add_argument("--port", type=int, default=8000, help="the push receiver's port")
    anyio.run(main, parser.parse_args().port)

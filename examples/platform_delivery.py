"""A third-party platform serving its merchants' instant delivery orders.

WeChat pushes the platform's verify ticket every 10 minutes, and each merchant's authorisation,
to its authorisation event URL: ``app`` below serves it (any ASGI server: uvicorn, hypercorn).
A merchant authorised with permission set 51 (小程序即时配送) gets its delivery opened and its
orders placed by the platform, with the merchant's own token and state.

Against the emulator (built in: two merchants authorise, each gets an order):

    python examples/platform_delivery.py

Against WeChat, build the platform from your settings and serve ``CallbackApp(platform.router)``
at the authorisation event URL set on the open platform:

    platform = make_platform(
        "wx<platform appid>", "<AppSecret>", token="<push token>",
        encoding_aes_key="<EncodingAESKey>", store=RedisTokenStore("redis://..."))
"""

from __future__ import annotations

from decimal import Decimal

import anyio

from wechat_async import DeliveryError
from wechat_async.callbacks import Authorized, Unauthorized, UpdateAuthorized
from wechat_async.component import ComponentClient
from wechat_async.delivery.models import AddOrderRequest, AddOrderResponse
from wechat_async.stores import CredentialStore
from wechat_async.testing import Emulator

#: the sandbox carrier's test account WeChat binds to every Mini Program
CARRIER = {"shopid": "test_shop_id", "app_secret": "test_app_secrect", "delivery_id": "TEST"}


def make_platform(
    component_appid: str,
    component_appsecret: str,
    *,
    token: str,
    encoding_aes_key: str,
    store: CredentialStore | None = None,
) -> ComponentClient:
    """The platform, answering its authorisation event URL."""
    platform = ComponentClient(
        component_appid,
        component_appsecret,
        token=token,
        encoding_aes_key=encoding_aes_key,
        store=store,
    )
    handle_authorisations(platform)
    return platform


def handle_authorisations(platform: ComponentClient) -> None:
    """What the authorisation event URL does with each push. (The verify ticket needs
    nothing from us: the router stores it for every process.)"""

    @platform.router.on(Authorized)
    async def authorised(event: Authorized) -> None:
        # Exchange the code now: the refresh token is stored before this returns.
        info = (await platform.query_auth(event.authorization_code)).authorization_info
        if 51 in info.permission_sets:
            await open_delivery(platform, info.authorizer_appid)

    @platform.router.on(UpdateAuthorized)
    async def updated(event: UpdateAuthorized) -> None:
        await platform.query_auth(event.authorization_code)

    @platform.router.on(Unauthorized)
    async def cancelled(event: Unauthorized) -> None:
        print(f"{event.authorizer_appid} cancelled its authorisation")


async def open_delivery(platform: ComponentClient, appid: str) -> None:
    """Open instant delivery for a merchant and bind the carrier (third-party only calls)."""
    merchant = platform.authorizer(appid).delivery
    try:
        await merchant.open()
    except DeliveryError as exc:
        if exc.errcode != 930569:  # already opened
            raise
    await merchant.bind_account(delivery_id=CARRIER["delivery_id"])


async def deliver(
    platform: ComponentClient, appid: str, shop_order_id: str, receiver: str
) -> AddOrderResponse:
    """Place one order for merchant ``appid`` with its carrier account."""
    merchant = platform.authorizer(appid)
    merchant.delivery.add_account(shopid=CARRIER["shopid"], app_secret=CARRIER["app_secret"])
    order = AddOrderRequest(
        shopid=CARRIER["shopid"],
        shop_order_id=shop_order_id,
        delivery_id=CARRIER["delivery_id"],
        openid="oBuyer",
        sender={
            "name": "Shop",
            "city": "Shenzhen",
            "address": "Nanshan",
            "address_detail": "1 Keyuan Rd",
            "phone": "13800000000",
            "lng": 113.94,
            "lat": 22.54,
        },
        receiver={
            "name": receiver,
            "city": "Shenzhen",
            "address": "Futian",
            "address_detail": "2 Shennan Rd",
            "phone": "13900000000",
            "lng": 114.05,
            "lat": 22.54,
        },
        cargo={
            "goods_value": Decimal("88.00"),
            "goods_weight": 1.5,
            "cargo_first_class": "美食夜宵",
            "cargo_second_class": "零食小吃",
        },
        order_info={"order_type": 0},
        shop={
            "wxa_path": "/pages/order",
            "img_url": "https://shop.example/tea.png",
            "goods_name": "Tea",
            "goods_count": 1,
        },
    )
    return await merchant.delivery.add_order.send(order)


async def demo(wx: Emulator) -> dict[str, str]:
    """Two merchants authorise the platform in the emulator ``wx``; each gets an order
    delivered. Returns the waybill id of each merchant's order."""
    # The emulated platform's client; WeChat's pushes go to its router in-process.
    async with wx.component_client() as platform:
        handle_authorisations(platform)
        await wx.platform.push_ticket()  # WeChat's 10-minute push
        waybills = {}
        for appid in ("wxmerchant00001", "wxmerchant00002"):
            await wx.platform.authorize(appid, permission_sets=(51,))  # the merchant's admin
            placed = await deliver(platform, appid, f"{appid}-A1", receiver="Alice")
            waybills[appid] = str(placed.waybill_id)
    return waybills


if __name__ == "__main__":
    for appid, waybill in anyio.run(demo, Emulator()).items():
        print(f"{appid}: waybill {waybill}")

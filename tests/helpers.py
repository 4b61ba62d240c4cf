"""Shared test helpers: a client wired to a respx router, and the documented-example loader
(tests/fixtures/README.md)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import pytest
import respx

from wechat_async import AccessToken, MemoryTokenStore, Namespace, RetryPolicy, WeChatClient
from wechat_async._registry import PlatformNamespaces, namespaces
from wechat_async.testing import Emulator

BASE = "https://api.weixin.qq.com"
TOKEN = "ACCESS_TOKEN_abc123"
SECRET = "app-secret-xyz789"
APPID = "wx0123456789abcdef"
FIXTURES = Path(__file__).parent / "fixtures"

#: every namespace, by name (the SDK's registry)
NAMESPACES: dict[str, type[Namespace]] = namespaces()
#: An instant-delivery address and order body as the SDK takes them (Decimal yuan).
DELIVERY_ADDRESS: dict[str, Any] = {
    "name": "李四",
    "city": "北京市",
    "address": "海淀区中关村大街",
    "address_detail": "1号楼",
    "phone": "13812345678",
    "lng": 116.316102,
    "lat": 39.983211,
}
DELIVERY_ORDER: dict[str, Any] = {
    "shopid": "test_shop_id",
    "shop_order_id": "test_shop_order_id",
    "delivery_id": "TEST",
    "openid": "oABC",
    "receiver": DELIVERY_ADDRESS,
    "cargo": {
        "goods_value": Decimal("12.30"),
        "goods_weight": 1.5,
        "cargo_first_class": "果蔬生鲜",
        "cargo_second_class": "果蔬",
    },
    "order_info": {"order_type": 0},
    "shop": {
        "wxa_path": "/p",
        "img_url": "https://x/y.jpg",
        "goods_name": "宝贝",
        "goods_count": 1,
    },
}


#: One failure of each ambiguous kind: WeChat may or may not have acted on the request.
AMBIGUOUS_FAILURES = pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(502),
        httpx.ReadTimeout("timed out"),
        httpx.Response(200, json={"errcode": -1, "errmsg": "system error"}),
    ],
    ids=["502", "read-timeout", "errcode-1"],
)


async def no_sleep(_: float) -> None:
    return None


def fast_retry(**changes: Any) -> RetryPolicy:
    """Deterministic retries: no real sleeping, jitter fixed at the top of the range."""
    return attrs.evolve(RetryPolicy(sleep=no_sleep, random=lambda: 1.0), **changes)


def mock_token(router: respx.Router, token: str = TOKEN) -> respx.Route:
    return router.post(f"{BASE}/cgi-bin/stable_token").respond(
        json={"access_token": token, "expires_in": 7200}
    )


@asynccontextmanager
async def client_for(router: respx.Router, **options: Any) -> AsyncIterator[WeChatClient]:
    """A WeChatClient whose HTTP goes to ``router`` (no global patching)."""
    options.setdefault("retry", fast_retry())
    transport = httpx.MockTransport(router.async_handler)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        WeChatClient(APPID, SECRET, http_client=http, **options) as client,
    ):
        yield client


#: the platform's push settings in tests (a ComponentClient needs them)
PUSH_TOKEN = "platform-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def new_holder(domain: str, **options: Any) -> Any:
    """The client holding namespace ``domain``: a ``WeChatClient``, or for a third-party
    platform's own namespace a ``ComponentClient`` (appid ``APPID``, secret ``SECRET``)."""
    if domain in namespaces(PlatformNamespaces):
        from wechat_async.component import ComponentClient

        return ComponentClient(APPID, SECRET, token=PUSH_TOKEN, encoding_aes_key=AES_KEY, **options)
    return WeChatClient(APPID, SECRET, **options)


@asynccontextmanager
async def holder_for(router: respx.Router, domain: str, **options: Any) -> AsyncIterator[Any]:
    """``new_holder(domain)`` with its HTTP going to ``router`` and ``TOKEN`` its token: the
    token endpoint mocked for a ``WeChatClient``, the component token already in a
    ``ComponentClient``'s store."""
    if domain not in namespaces(PlatformNamespaces):
        mock_token(router)
        async with client_for(router, **options) as client:
            yield client
        return
    store = MemoryTokenStore()
    await store.set(APPID, AccessToken(TOKEN, time.time() + 7200))
    options.setdefault("retry", fast_retry())
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        new_holder(domain, http_client=http, store=store, **options) as platform,
    ):
        yield platform


@attrs.frozen
class Fixture:
    domain: str
    endpoint: str
    case: str
    path: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.domain}/{self.endpoint}/{self.case}"

    @property
    def is_error(self) -> bool:
        return "error" in self.data["expect"]


def iter_fixtures() -> Iterator[Fixture]:
    for path in sorted(FIXTURES.glob("*/*/*.json")):
        domain, endpoint = path.parent.parent.name, path.parent.name
        # Decimal, not float: calls carry money, and exact comparisons need exact numbers.
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        yield Fixture(domain, endpoint, path.stem, path, data)


@asynccontextmanager
async def emulator_and_client(
    orders: int, **server_options: Any
) -> AsyncIterator[tuple[Emulator, WeChatClient]]:
    """An emulator holding ``orders`` gift-card orders, and a client of it that retries
    quickly (the order-sync tests)."""
    async with (
        Emulator(orders=orders, **server_options) as wx,
        WeChatClient(
            wx.appid, wx.secret, base_url=wx.base_url, retry=fast_retry(max_retries=8)
        ) as client,
    ):
        yield wx, client


class CountedFetch:
    """A fetch for OrderSync that counts, where the client is, the fetches started, those that
    came back, and those that left by any way (cancelled: trio may raise a group of Cancelled
    from inside its connect). The server's own count may still grow by a request sent before
    a sync's exit and read late on a loaded machine."""

    def __init__(self, client: WeChatClient) -> None:
        self.client = client
        self.started = self.ended = self.left = 0

    async def __call__(self, **request: Any) -> Any:
        self.started += 1
        try:
            page = await self.client.giftcard.batch_get_orders(**request)
            self.ended += 1
            return page
        finally:
            self.left += 1

    async def wait_until_none_in_flight(self) -> None:
        """A loop left stops its read-ahead at once; the fetches in flight end at their next
        step (bounded: a stuck fetch fails the test)."""
        with anyio.fail_after(5):
            while self.left < self.started:  # noqa: ASYNC110 (counted by the fetch itself)
                await anyio.sleep(0.001)

    async def assert_nothing_left_running(self) -> None:
        at_exit = (self.started, self.ended)
        assert self.left == self.started  # every fetch came back or was cancelled
        await anyio.sleep(0.2)
        assert (self.started, self.ended) == at_exit  # none started or ran on after the exit

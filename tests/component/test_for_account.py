"""WeChatClient._for_account, the seam authorizer clients are made with: another account's
client on the same pool, retry budget and rate limiter, with its own tokens and settings."""

from __future__ import annotations

import time

import httpx
import respx

from tests.helpers import BASE
from wechat_async import (
    AccessToken,
    MemoryRateLimiter,
    MemoryTokenStore,
    TokenManager,
    WeChatClient,
)

SEND = f"{BASE}/cityservice/sendmsgdata"
CALL = {"openid": "o", "biz_template_id": "t", "order_no": "1", "data": {"k": {"value": "v"}}}


async def test_account_client_calls_with_its_own_tokens_on_the_shared_pool() -> None:
    limited: list[tuple[str, str]] = []

    class Limiter(MemoryRateLimiter):
        async def acquire(self, appid: str, path: str) -> None:
            limited.append((appid, path))

    async def authorizer_token() -> AccessToken:
        return AccessToken("AUTHORIZER_TOKEN_1", time.time() + 7200)

    router = respx.Router(assert_all_called=True)
    route = router.post(SEND).respond(json={"errcode": 0, "errmsg": "ok"})
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    platform = WeChatClient("wxplatform", "s", http_client=http, rate_limiter=Limiter(10))
    tokens = TokenManager("authorizer:wxplatform:wxmerchant", authorizer_token, MemoryTokenStore())
    merchant = platform._for_account("wxmerchant", tokens)
    merchant.delivery.add_account(shopid="shop", app_secret="carrier-secret", delivery_id="TEST")
    await merchant.cityservice.send_msg_data(**CALL)  # type: ignore[arg-type]
    assert route.calls.last.request.url.params["access_token"] == "AUTHORIZER_TOKEN_1"
    assert limited == [("wxmerchant", "/cityservice/sendmsgdata")]
    assert merchant.transport is platform.transport
    assert merchant.tokens is tokens
    assert merchant.appid == "wxmerchant"
    assert "secret=None" not in repr(merchant)
    assert platform._state == {}  # the merchant's carrier accounts are its own
    await merchant.aclose()  # leaves the pool to the platform's client
    assert not http.is_closed
    await platform.aclose()
    await http.aclose()

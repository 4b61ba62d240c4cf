"""``ComponentClient`` against the emulator playing the open platform: the ticket received
through the router, the component token fetched once for any crowd, the authorisation page,
``query_auth`` storing the refresh token, authorizer clients with the merchant namespaces,
rotating refresh tokens, permission sets, and memory that follows the authorizers in use."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import pytest

from tests.component.test_refresh import FlakyStore
from wechat_async import (
    CityServicePermissionSetError,
    ConfigurationError,
    DeliveryPermissionSetError,
    GiftCardPermissionSetError,
    InvoicePermissionSetError,
    PermissionSetError,
    ReauthorizationRequiredError,
    RequestValidationError,
    TokenStore,
    VerifyTicketMissingError,
    WeChatClient,
)
from wechat_async.callbacks import Authorized, CallbackApp, CallbackRouter
from wechat_async.component import ComponentClient
from wechat_async.component import _client as component_client
from wechat_async.errors import AuthorizationCodeError
from wechat_async.testing import Emulator

MERCHANT = "wxmerchant00001"
COMPONENT = "wxplatform000000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ORDERS = {"begin_time": 1_767_225_600, "end_time": 1_767_225_600 + 30 * 86400, "count": 10}


@pytest.fixture
async def wx() -> Emulator:
    return Emulator(orders=3)


@pytest.fixture
async def platform(wx: Emulator) -> AsyncIterator[ComponentClient]:
    async with wx.component_client() as platform:
        await wx.platform.push_ticket()
        yield platform


async def _authorised(wx: Emulator, platform: ComponentClient, *sets: int) -> str:
    code = await wx.platform.authorize(MERCHANT, permission_sets=sets, orders=5)
    info = (await platform.query_auth(code)).authorization_info
    return info.authorizer_appid


def _key(appid: str = MERCHANT) -> str:
    return f"authorizer-refresh:{COMPONENT}:{appid}"


async def test_the_flow_from_authorisation_page_to_a_merchants_call(
    wx: Emulator, platform: ComponentClient
) -> None:
    url = await platform.authorization_url("https://platform.example/authorised", auth_type=2)
    query = parse_qs(urlsplit(url).query)
    assert query["component_appid"] == [COMPONENT]
    assert query["auth_type"] == ["2"]
    granted: list[Authorized] = []

    @platform.router.on(Authorized)
    async def authorised(event: Authorized) -> None:  # what a platform's handler does
        granted.append(event)
        await platform.query_auth(event.authorization_code)

    await wx.platform.authorize(
        MERCHANT, permission_sets=(51, 8), pre_auth_code=query["pre_auth_code"][0], orders=5
    )
    assert [e.authorizer_appid for e in granted] == [MERCHANT]
    assert await platform._store.get_credential(_key()) == wx.platform.refresh_token_of(MERCHANT)

    merchant = platform.authorizer(MERCHANT)
    assert isinstance(merchant, WeChatClient)
    assert merchant.appid == MERCHANT
    page = await merchant.giftcard.batch_get_orders(**ORDERS)  # type: ignore[arg-type]
    book = wx.platform.authorizations[MERCHANT].domains["giftcards"].book  # its own orders
    total, orders = book.page(
        ORDERS["begin_time"], ORDERS["end_time"], descending=False, offset=0, count=10
    )
    assert page.total_count == total
    assert [o.order_id for o in page.order_list] == [o["order_id"] for o in orders]
    assert await merchant.delivery.get_all_delivery()
    # query_auth's access token served the calls: no exchange yet; one component token.
    assert wx.platform.stats["authorizer_tokens_issued"] == 1
    assert wx.platform.stats["component_tokens_issued"] == 1
    log = [r for r in wx.request_log if r.path.startswith("/cgi-bin/component/api_")]
    assert {tuple(r.query) for r in log if r.path.endswith("api_query_auth")} == {
        ("component_access_token",)
    }


async def test_a_rejected_authorizer_token_is_refreshed_and_the_rotation_stored(
    wx: Emulator, platform: ComponentClient
) -> None:
    await _authorised(wx, platform, 8)
    merchant = platform.authorizer(MERCHANT)
    first = await merchant.tokens.get()
    before = wx.platform.refresh_token_of(MERCHANT)
    await merchant.tokens.invalidate(first)  # as a 40001 would
    await merchant.giftcard.batch_get_orders(**ORDERS)  # type: ignore[arg-type]
    assert await merchant.tokens.get() != first
    assert wx.platform.refresh_token_of(MERCHANT) != before  # WeChat rotated it
    assert await platform._store.get_credential(_key()) == wx.platform.refresh_token_of(MERCHANT)
    assert wx.platform.stats["refresh_tokens_refused"] == 0


async def test_a_permission_set_not_granted_is_a_typed_error(
    wx: Emulator, platform: ComponentClient
) -> None:
    await _authorised(wx, platform, 51)
    with pytest.raises(GiftCardPermissionSetError) as caught:
        await platform.authorizer(MERCHANT).giftcard.batch_get_orders(**ORDERS)  # type: ignore[arg-type]
    assert caught.value.errcode == 61007
    assert 8 in caught.value.permission_sets


async def test_a_crowd_of_first_calls_fetches_one_component_token(
    wx: Emulator, platform: ComponentClient
) -> None:
    code = await wx.platform.authorize(MERCHANT, permission_sets=(8,))
    await platform.query_auth(code)
    wx.platform.stats["component_tokens_issued"] = 0
    await platform.tokens.invalidate(await platform.tokens.get())
    async with anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(lambda: platform.component.get_authorizer_info(authorizer_appid=MERCHANT))
    assert wx.platform.stats["component_tokens_issued"] == 1


async def test_no_ticket_anywhere_asks_wechat_to_push_one_now(
    wx: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    async with wx.component_client() as platform:  # a store that lost it, or a first start
        assert await platform.component.get_pre_auth_code()
    assert wx.platform.stats["tickets_pushed"] == 1
    assert "asking WeChat to push one now" in caplog.text


async def test_no_ticket_arriving_says_what_to_check(
    wx: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(component_client, "TICKET_WAIT", 0.3)
    elsewhere = CallbackRouter("another-token", encoding_aes_key=AES_KEY, app_id=COMPONENT)
    wx.platform.push_to(token="another-token", encoding_aes_key=AES_KEY, app=CallbackApp(elsewhere))
    async with wx.component_client() as platform:  # its URL is not where WeChat pushes
        with pytest.raises(VerifyTicketMissingError, match="authorisation event URL") as caught:
            await platform.component.get_pre_auth_code()
    assert "none was stored within 0.3 s" in str(caught.value)
    assert wx.platform.stats["tickets_pushed"] == 1


async def test_start_push_ticket_sends_the_secret_for_the_caller(wx: Emulator) -> None:
    async with wx.component_client() as platform:
        await platform.component.start_push_ticket()
        assert await platform.component.get_pre_auth_code()
    assert wx.platform.stats["tickets_pushed"] == 1


async def test_an_authorization_code_works_once(wx: Emulator, platform: ComponentClient) -> None:
    code = await wx.platform.authorize(MERCHANT, permission_sets=(8,))
    await platform.query_auth(code)
    with pytest.raises(AuthorizationCodeError) as caught:
        await platform.query_auth(code)
    assert caught.value.errcode == 61009
    assert not caught.value.may_have_been_applied


async def test_a_cancelled_authorisation_asks_for_a_new_one(
    wx: Emulator, platform: ComponentClient
) -> None:
    await _authorised(wx, platform, 8)
    merchant = platform.authorizer(MERCHANT)
    await wx.platform.unauthorize(MERCHANT)
    with pytest.raises(ReauthorizationRequiredError) as caught:
        await merchant.giftcard.batch_get_orders(**ORDERS)  # type: ignore[arg-type]
    assert caught.value.errcode == 61003


async def test_authorizers_are_listed_page_by_page(wx: Emulator, platform: ComponentClient) -> None:
    appids = [f"wxmerchant{i:05d}" for i in range(5)]
    for appid in appids:
        await platform.query_auth(await wx.platform.authorize(appid, permission_sets=(8,)))
    listed = [a async for a in platform.iter_authorizers(page_size=2)]
    assert [a.authorizer_appid for a in listed] == appids
    assert all(a.refresh_token for a in listed)
    lists = [r for r in wx.request_log if r.path.endswith("api_get_authorizer_list")]
    assert len(lists) == 3
    with pytest.raises(RequestValidationError, match="count"):
        await anext(platform.iter_authorizers(page_size=501))


async def test_memory_follows_the_authorizers_in_use(
    wx: Emulator, platform: ComponentClient
) -> None:
    await _authorised(wx, platform, 8)
    held = platform.authorizer(MERCHANT)
    assert platform.authorizer(MERCHANT) is held  # one client while something holds it
    for i in range(1000):
        platform.authorizer(f"wxother{i:05d}")  # made and dropped
    gc.collect()
    assert list(platform._authorizers) == [MERCHANT]
    assert list(platform._refreshes) == [MERCHANT]
    del held
    gc.collect()
    assert len(platform._authorizers) == 0
    again = platform.authorizer(MERCHANT)  # made again: its token comes from the store
    await again.giftcard.batch_get_orders(**ORDERS)  # type: ignore[arg-type]
    assert wx.platform.stats["authorizer_tokens_issued"] == 1


async def test_an_unsaved_rotation_outlives_its_client_until_the_store_takes_it(
    wx: Emulator,
) -> None:
    store = FlakyStore()
    async with wx.component_client(store=store) as platform:
        await wx.platform.push_ticket()
        await _authorised(wx, platform, 8)
        merchant = platform.authorizer(MERCHANT)
        store.down = {"swap_credential"}
        await merchant.tokens.invalidate(await merchant.tokens.get())
        await merchant.giftcard.batch_get_orders(**ORDERS)  # type: ignore[arg-type]
        del merchant
        gc.collect()
        assert list(platform._unsaved) == [MERCHANT]  # WeChat rotated it; only we know it
        store.down = set()
        again = platform.authorizer(MERCHANT)
        await again.tokens.invalidate(await again.tokens.get())
        await again.giftcard.batch_get_orders(**ORDERS)  # type: ignore[arg-type]
        assert platform._unsaved == {}
        assert await store.get_credential(_key()) == wx.platform.refresh_token_of(MERCHANT)
        assert wx.platform.stats["refresh_tokens_refused"] == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"component_appid": ""}, "component_appid is required"),
        ({"component_appsecret": ""}, "component_appsecret is required"),
        ({"encoding_aes_key": ""}, "WeChat encrypts everything"),
        ({"store": object()}, "store must keep durable credentials"),
    ],
)
def test_bad_configuration_is_refused_by_name(options: dict[str, Any], message: str) -> None:
    given: dict[str, Any] = {
        "component_appid": COMPONENT,
        "component_appsecret": "secret-value-1234",
        "token": "t",
        "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        **options,
    }
    with pytest.raises(ConfigurationError, match=message):
        ComponentClient(**given)


async def test_a_bad_redirect_uri_spends_no_pre_auth_code(
    wx: Emulator, platform: ComponentClient
) -> None:
    with pytest.raises(ConfigurationError, match="redirect_uri"):
        await platform.authorization_url("platform.example/authorised")
    assert wx.requests.get("/cgi-bin/component/api_create_preauthcode", 0) == 0
    with pytest.raises(ConfigurationError, match="authorizer_appid"):
        platform.authorizer("")


def test_the_secret_is_not_in_the_repr() -> None:
    platform = ComponentClient(
        COMPONENT,
        "secret-value-1234",
        token="t",
        encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    )
    assert "secret-value-1234" not in repr(platform)
    assert COMPONENT in repr(platform)


async def test_a_store_without_durable_credentials_is_refused(wx: Emulator) -> None:
    class TokensOnly:
        """A TokenStore, with no place for a refresh token that must never be lost."""

        async def get(self, key: str) -> None: ...
        async def set(self, key: str, token: object) -> None: ...
        async def invalidate(self, key: str, value: str) -> bool: ...
        async def lock(self, key: str, ttl: float) -> None: ...
        async def renew_lock(self, ticket: object, ttl: float) -> bool: ...
        async def unlock(self, ticket: object) -> bool: ...

    store: Any = TokensOnly()
    assert isinstance(store, TokenStore)
    with pytest.raises(ConfigurationError, match="got TokensOnly"):
        wx.component_client(store=store)


@pytest.mark.parametrize(
    ("domain", "granted", "error", "sets"),
    [
        ("delivery", 8, DeliveryPermissionSetError, (51, 71)),
        ("invoice", 8, InvoicePermissionSetError, (26,)),
        ("cityservice", 8, CityServicePermissionSetError, (22,)),
        ("giftcard", 51, GiftCardPermissionSetError, (8,)),
    ],
)
async def test_each_domain_names_the_permission_set_it_needs(
    wx: Emulator,
    platform: ComponentClient,
    domain: str,
    granted: int,
    error: type[PermissionSetError],
    sets: tuple[int, ...],
) -> None:
    await _authorised(wx, platform, granted)
    merchant = platform.authorizer(MERCHANT)
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "delivery": lambda: merchant.delivery.get_all_delivery(),
        "invoice": lambda: merchant.invoice.get_pay_mch(),
        "cityservice": lambda: merchant.cityservice.send_msg_data(
            openid="o", biz_template_id="t", order_no="1", data={"k": {"value": "v"}}
        ),
        "giftcard": lambda: merchant.giftcard.batch_get_orders(**ORDERS),  # type: ignore[arg-type]
    }
    with pytest.raises(error) as caught:
        await calls[domain]()
    assert caught.value.errcode == 61007
    assert isinstance(caught.value, PermissionSetError)
    assert caught.value.permission_sets == sets

"""The emulator as the open platform, over raw HTTP (what any platform's code sends): the
verify ticket pushed encrypted, on demand and on a schedule; the component token and its
refusals; the authorisation flow; refresh tokens rotated; authorizer tokens on the domain
endpoints, within the permission sets the merchant granted (61007 outside), on the account's
own state; delivery's third-party-only endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from wechat_async.callbacks import (
    Authorized,
    CallbackApp,
    CallbackRouter,
    ComponentVerifyTicket,
    Unauthorized,
    UpdateAuthorized,
)
from wechat_async.testing import Emulator

COMPONENT, SECRET = "wxplatform000000", "emulator-component-secret"
PUSH_TOKEN = "platform-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
MERCHANT = "wxmerchant00001"


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0

    def __call__(self) -> float:
        return self.now


class Platform:
    """The platform's side: its authorisation event URL (a router) and raw calls."""

    def __init__(self, wx: Emulator, http: httpx.AsyncClient) -> None:
        self.wx, self.http = wx, http
        self.router = CallbackRouter(
            PUSH_TOKEN, encoding_aes_key=AES_KEY, app_id=COMPONENT, clock=wx._clock
        )
        self.events: list[Any] = []

        @self.router.on(ComponentVerifyTicket)
        async def ticket(event: ComponentVerifyTicket) -> None:
            self.events.append(event)

        for kind in (Authorized, UpdateAuthorized, Unauthorized):
            self.router.on(kind)(self._keep)
        wx.platform.push_to(
            token=PUSH_TOKEN, encoding_aes_key=AES_KEY, app=CallbackApp(self.router)
        )

    async def _keep(self, event: Any) -> None:
        self.events.append(event)

    @property
    def ticket(self) -> str:
        tickets = [e for e in self.events if isinstance(e, ComponentVerifyTicket)]
        return str(tickets[-1].component_verify_ticket)

    async def call(self, name: str, body: dict[str, Any], token: str | None = None) -> Any:
        query = {"component_access_token": token} if token else {}
        reply = await self.http.post(f"/cgi-bin/component/{name}", params=query, json=body)
        assert reply.status_code == 200
        return reply.json()

    async def component_token(self) -> str:
        reply = await self.call(
            "api_component_token",
            {
                "component_appid": COMPONENT,
                "component_appsecret": SECRET,
                "component_verify_ticket": self.ticket,
            },
        )
        return str(reply["component_access_token"])

    async def authorizer(self, appid: str, sets: tuple[int, ...], **options: Any) -> Any:
        """Authorise ``appid`` and exchange the code: the authorization_info."""
        code = await self.wx.platform.authorize(appid, permission_sets=sets, **options)
        reply = await self.call(
            "api_query_auth",
            {"component_appid": COMPONENT, "authorization_code": code},
            await self.component_token(),
        )
        return reply["authorization_info"]

    async def domain(self, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
        reply = await self.http.post(path, params={"access_token": token}, json=body or {})
        return reply.json()


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    wx = Emulator(orders=5, clock=Clock())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=wx.app), base_url="http://emulator"
    ) as http:
        party = Platform(wx, http)
        await wx.platform.push_ticket()
        yield party


async def test_ticket_is_pushed_encrypted_for_the_platform_and_read_by_its_router(
    platform: Platform,
) -> None:
    [attempt] = platform.wx.platform.pusher.log
    assert attempt.accepted
    assert b"<AppId><![CDATA[wxplatform000000]]></AppId><Encrypt>" in attempt.body
    assert b"component_verify_ticket" not in attempt.body  # only inside the envelope
    assert platform.ticket.startswith("ticket@@@")
    assert platform.ticket in platform.wx.platform.tickets


async def test_component_token_needs_the_secret_and_a_live_ticket(platform: Platform) -> None:
    base = {"component_appid": COMPONENT, "component_appsecret": SECRET}
    wrong = await platform.call(
        "api_component_token", {**base, "component_appsecret": "x", "component_verify_ticket": "t"}
    )
    assert wrong["errcode"] == 40125
    unknown = await platform.call("api_component_token", {**base, "component_verify_ticket": "t"})
    assert unknown["errcode"] == 61006
    other = await platform.call(
        "api_component_token",
        {**base, "component_appid": "wxother", "component_verify_ticket": platform.ticket},
    )
    assert other["errcode"] == 61011
    assert (await platform.component_token()).startswith("EMU_COMPONENT_")
    platform.wx._clock.now += 12 * 3600  # type: ignore[attr-defined]
    expired = await platform.call(
        "api_component_token", {**base, "component_verify_ticket": platform.ticket}
    )
    assert expired["errcode"] == 61005


async def test_start_push_ticket_pushes_one_now(platform: Platform) -> None:
    reply = await platform.call(
        "api_start_push_ticket", {"component_appid": COMPONENT, "component_secret": SECRET}
    )
    assert reply["errcode"] == 0
    assert platform.wx.platform.stats["tickets_pushed"] == 2


async def test_component_apis_take_the_component_token_under_either_name(
    platform: Platform,
) -> None:
    token = await platform.component_token()
    body = {"component_appid": COMPONENT}
    assert (await platform.call("api_create_preauthcode", body))["errcode"] == 41001
    assert (await platform.call("api_create_preauthcode", body, "nope"))["errcode"] == 40001
    created = await platform.call("api_create_preauthcode", body, token)
    assert created["pre_auth_code"].startswith("preauthcode@@@")
    assert created["expires_in"] == 1800
    newer = await platform.http.post(
        "/cgi-bin/component/api_create_preauthcode", params={"access_token": token}, json=body
    )
    assert newer.json()["errcode"] == 0


async def test_authorisation_flow_pushes_the_code_it_exchanges_once(platform: Platform) -> None:
    token = await platform.component_token()
    pre = (await platform.call("api_create_preauthcode", {"component_appid": COMPONENT}, token))[
        "pre_auth_code"
    ]
    code = await platform.wx.platform.authorize(MERCHANT, permission_sets=(51,), pre_auth_code=pre)
    [authorized] = [e for e in platform.events if isinstance(e, Authorized)]
    assert (authorized.authorizer_appid, authorized.authorization_code) == (MERCHANT, code)
    assert authorized.pre_auth_code == pre
    with pytest.raises(ValueError, match="used or expired"):
        await platform.wx.platform.authorize("wxother", pre_auth_code=pre)
    body = {"component_appid": COMPONENT, "authorization_code": code}
    info = (await platform.call("api_query_auth", body, token))["authorization_info"]
    assert info["authorizer_appid"] == MERCHANT
    assert info["authorizer_refresh_token"] == platform.wx.platform.refresh_token_of(MERCHANT)
    assert info["func_info"] == [{"funcscope_category": {"id": 51}}]
    assert (await platform.call("api_query_auth", body, token))["errcode"] == 61009


async def test_expired_authorization_code_answers_61010(platform: Platform) -> None:
    token = await platform.component_token()
    code = await platform.wx.platform.authorize(MERCHANT, permission_sets=(51,))
    platform.wx._clock.now += 3601  # type: ignore[attr-defined]
    body = {"component_appid": COMPONENT, "authorization_code": code}
    assert (await platform.call("api_query_auth", body, token))["errcode"] == 61010


async def test_each_refresh_rotates_the_refresh_token_and_refuses_the_one_before(
    platform: Platform,
) -> None:
    info = await platform.authorizer(MERCHANT, (51,))
    token = await platform.component_token()
    body = {"component_appid": COMPONENT, "authorizer_appid": MERCHANT}
    first = await platform.call(
        "api_authorizer_token",
        {**body, "authorizer_refresh_token": info["authorizer_refresh_token"]},
        token,
    )
    assert first["authorizer_refresh_token"] != info["authorizer_refresh_token"]
    again = await platform.call(
        "api_authorizer_token",
        {**body, "authorizer_refresh_token": info["authorizer_refresh_token"]},
        token,
    )
    assert again["errcode"] == 61023
    listed = await platform.call(
        "api_get_authorizer_info",
        {"component_appid": COMPONENT, "authorizer_appid": MERCHANT},
        token,
    )
    assert (
        listed["authorization_info"]["authorizer_refresh_token"]
        == first["authorizer_refresh_token"]
    )


async def test_authorizer_token_works_within_the_granted_permission_sets(
    platform: Platform,
) -> None:
    info = await platform.authorizer(MERCHANT, (51,))
    token = info["authorizer_access_token"]
    delivery = "/cgi-bin/express/local/business/delivery/getall"
    assert (await platform.domain(delivery, token))["errcode"] == 0
    cards = await platform.domain("/card/giftcard/page/batchget", token)
    assert cards["errcode"] == 61007
    assert (await platform.domain("/card/invoice/getauthdata", token))["errcode"] == 61007
    await platform.wx.platform.authorize(MERCHANT, permission_sets=(51, 8))
    assert any(isinstance(e, UpdateAuthorized) for e in platform.events)
    assert (await platform.domain("/card/giftcard/page/batchget", token))["errcode"] == 0


async def test_open_and_shop_add_answer_platforms_only(platform: Platform) -> None:
    info = await platform.authorizer(MERCHANT, (51,))
    opened = await platform.domain(
        "/cgi-bin/express/local/business/open", info["authorizer_access_token"]
    )
    assert opened["errcode"] == 0
    again = await platform.domain(
        "/cgi-bin/express/local/business/open", info["authorizer_access_token"]
    )
    assert again["errcode"] == 930569
    grant = {"grant_type": "client_credential", "appid": platform.wx.appid}
    own = (
        await platform.http.post(
            "/cgi-bin/stable_token", json={**grant, "secret": platform.wx.secret}
        )
    ).json()["access_token"]
    refused = await platform.domain("/cgi-bin/express/local/business/open", own)
    assert refused["errcode"] == 86000


async def test_each_authorizer_has_its_own_state(platform: Platform) -> None:
    one = await platform.authorizer("wxmerchant00001", (8,), orders=30)
    two = await platform.authorizer("wxmerchant00002", (8,), orders=70)
    start = platform.wx.start_time
    window = {"begin_time": start, "end_time": start + 31 * 86400}
    path = "/card/giftcard/order/batchget"
    body = {**window, "sort_type": "ASC", "offset": 0, "count": 100}
    counts = [
        (await platform.domain(path, info["authorizer_access_token"], body))["total_count"]
        for info in (one, two)
    ]
    assert counts == [10, 22]  # a month of 30 and of 70 orders over 100 days
    assert len(platform.wx.book) == 5  # the emulator's own account
    books = [
        platform.wx.platform.authorizations[a].domains["giftcards"].book
        for a in ("wxmerchant00001", "wxmerchant00002")
    ]
    assert [len(b) for b in books] == [30, 70]


async def test_unauthorized_stops_the_refresh_and_access_tokens(platform: Platform) -> None:
    info = await platform.authorizer(MERCHANT, (51,))
    await platform.wx.platform.unauthorize(MERCHANT)
    assert any(isinstance(e, Unauthorized) for e in platform.events)
    token = await platform.component_token()
    refreshed = await platform.call(
        "api_authorizer_token",
        {
            "component_appid": COMPONENT,
            "authorizer_appid": MERCHANT,
            "authorizer_refresh_token": info["authorizer_refresh_token"],
        },
        token,
    )
    assert refreshed["errcode"] == 61003
    path = "/cgi-bin/express/local/business/delivery/getall"
    assert (await platform.domain(path, info["authorizer_access_token"]))["errcode"] == 40001


async def test_authorizer_list_pages_with_refresh_tokens(platform: Platform) -> None:
    for n in range(3):
        await platform.authorizer(f"wxmerchant0000{n}", (51,))
    token = await platform.component_token()
    page = await platform.call(
        "api_get_authorizer_list", {"component_appid": COMPONENT, "offset": 1, "count": 5}, token
    )
    assert page["total_count"] == 3
    assert [a["authorizer_appid"] for a in page["list"]] == ["wxmerchant00001", "wxmerchant00002"]
    assert all(a["refresh_token"].startswith("refreshtoken@@@") for a in page["list"])
    too_many = await platform.call(
        "api_get_authorizer_list", {"component_appid": COMPONENT, "offset": 0, "count": 501}, token
    )
    assert too_many["errcode"] == 40170  # the official page's code for a count over 500
    negative = await platform.call(
        "api_get_authorizer_list", {"component_appid": COMPONENT, "offset": -1, "count": 5}, token
    )
    assert negative["errcode"] == 40097


async def test_a_started_emulator_pushes_tickets_on_its_schedule() -> None:
    async with Emulator(ticket_interval=0.05) as wx:
        seen: list[str] = []
        three = anyio.Event()
        router = CallbackRouter(PUSH_TOKEN, encoding_aes_key=AES_KEY, app_id=COMPONENT)

        @router.on(ComponentVerifyTicket)
        async def ticket(event: ComponentVerifyTicket) -> None:
            seen.append(event.component_verify_ticket)
            if len(seen) == 3:
                three.set()

        wx.platform.push_to(token=PUSH_TOKEN, encoding_aes_key=AES_KEY, app=CallbackApp(router))
        with anyio.fail_after(10):
            await three.wait()
        assert len(set(seen)) == len(seen)

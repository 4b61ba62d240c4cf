"""What the emulator answers where WeChat has a rule: token lines, missing tokens, methods,
hostile bodies, dropped connections in-process, and how many tokens it keeps."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from wechat_async import RetryPolicy
from wechat_async.errors import InvalidParameterError, TransportError
from wechat_async.testing import Emulator, Faults
from wechat_async.testing._app import EmulatorApp

GET_ORDER = "/card/giftcard/order/get"
BATCHGET = "/card/giftcard/order/batchget"


@asynccontextmanager
async def in_process(wx: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=wx.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        yield http


async def stable(http: httpx.AsyncClient, wx: Emulator, **extra: Any) -> dict[str, Any]:
    body = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret, **extra}
    data: dict[str, Any] = (await http.post("/cgi-bin/stable_token", json=body)).json()
    return data


async def plain(http: httpx.AsyncClient, wx: Emulator) -> dict[str, Any]:
    query = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
    data: dict[str, Any] = (await http.get("/cgi-bin/token", params=query)).json()
    return data


async def get_order(http: httpx.AsyncClient, token: str | None, order_id: str) -> int:
    params = {"access_token": token} if token is not None else {}
    reply = await http.post(GET_ORDER, params=params, json={"order_id": order_id})
    errcode: int = reply.json()["errcode"]
    return errcode


async def test_cgi_bin_token_never_supersedes_the_stable_token() -> None:
    wx = Emulator(orders=1, token_grace=0)
    order_id = wx.book.orders()[0]["order_id"]
    async with in_process(wx) as http:
        shared = (await stable(http, wx))["access_token"]
        # A process using cgi-bin/token refreshes twice: the stable token other processes
        # share keeps working (WeChat keeps the two endpoints' tokens apart).
        first = (await plain(http, wx))["access_token"]
        second = (await plain(http, wx))["access_token"]
        assert await get_order(http, shared, order_id) == 0
        assert (await stable(http, wx))["access_token"] == shared
        assert await get_order(http, first, order_id) == 40001  # grace 0: superseded at once
        assert await get_order(http, second, order_id) == 0
        # and force_refresh on the stable line leaves the cgi-bin/token line alone
        assert (await stable(http, wx, force_refresh=True))["access_token"] != shared
        assert await get_order(http, shared, order_id) == 40001
        assert await get_order(http, second, order_id) == 0


async def test_the_sdk_on_each_endpoint_is_not_disturbed_by_the_other() -> None:
    wx = Emulator(orders=1, token_grace=0)
    order_id = wx.book.orders()[0]["order_id"]
    async with wx.client() as on_stable, wx.client(token_endpoint="token") as on_token:
        await on_stable.giftcard.get_order(order_id=order_id)
        await on_token.giftcard.get_order(order_id=order_id)
        for _ in range(3):
            async with wx.client(token_endpoint="token") as newcomer:
                await newcomer.giftcard.get_order(order_id=order_id)
        await on_stable.giftcard.get_order(order_id=order_id)
        await on_token.giftcard.get_order(order_id=order_id)  # its token died: one refresh
    # stable: 1; the three newcomers: 3; on_token: 1 and 1 refresh
    assert wx.tokens.issued == 6
    assert wx.requests["/cgi-bin/stable_token"] == 1  # the stable token was never refused


@pytest.mark.parametrize("force_refresh", ["false", 1, None, "true"])
async def test_force_refresh_must_be_a_json_boolean(force_refresh: object) -> None:
    wx = Emulator()
    async with in_process(wx) as http:
        live = (await stable(http, wx))["access_token"]
        refused = await stable(http, wx, force_refresh=force_refresh)
        assert refused["errcode"] == 47001
        assert "force_refresh" in refused["errmsg"]
        assert (await stable(http, wx))["access_token"] == live  # nothing was refreshed


async def test_no_access_token_is_41001_and_an_unknown_one_40001() -> None:
    wx = Emulator(orders=1)
    async with in_process(wx) as http:
        assert await get_order(http, None, "x") == 41001
        assert await get_order(http, "", "x") == 41001
        assert await get_order(http, "EMU_TOKEN_never_issued", "x") == 40001


async def test_the_wrong_method_is_named_and_unknown_paths_are_404() -> None:
    wx = Emulator()
    async with in_process(wx) as http:
        token = (await stable(http, wx))["access_token"]
        as_get = await http.get(GET_ORDER, params={"access_token": token})
        assert (as_get.status_code, as_get.json()["errcode"]) == (200, 43002)
        as_post = await http.post("/cgi-bin/token", json={})
        assert (as_post.status_code, as_post.json()["errcode"]) == (200, 43001)
        nowhere = await http.post("/card/nowhere", params={"access_token": token}, json={})
        assert (nowhere.status_code, nowhere.json()["errcode"]) == (404, 40066)


def test_a_path_is_routed_once() -> None:
    app = Emulator().app
    with pytest.raises(ValueError, match="already routed"):
        app.route("POST", GET_ORDER, app_handler)
    with pytest.raises(ValueError, match="already routed"):
        app.route("GET", GET_ORDER, app_handler)
    assert isinstance(app, EmulatorApp)


async def app_handler(call: object) -> tuple[int, dict[str, Any]]:
    return 200, {}


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's recursion limit
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"\xff\xfe not utf-8",
        b'{"begin_time": NaN}',
    ],
    ids=["deep-array", "deep-object", "not-utf8", "nan"],
)
async def test_hostile_bodies_are_47001_not_a_server_error(body: bytes) -> None:
    wx = Emulator(orders=3)
    async with in_process(wx) as http:
        token = (await stable(http, wx))["access_token"]
        reply = await http.post(BATCHGET, params={"access_token": token}, content=body)
        assert (reply.status_code, reply.json()["errcode"]) == (200, 47001), reply.text
        # and the emulator goes on serving
        assert await get_order(http, token, wx.book.orders()[0]["order_id"]) == 0


@pytest.mark.slow
async def test_a_dropped_connection_in_process_is_an_ambiguous_transport_error() -> None:
    consume = "/card/code/consume"
    dropped = Faults(drop=1.0)
    wx = Emulator(orders=2, path_faults={GET_ORDER: dropped, consume: dropped})
    order_id = wx.book.orders()[0]["order_id"]
    async with wx.client(retry=RetryPolicy(max_retries=3)) as client:
        with pytest.raises(TransportError) as info:
            await client.giftcard.get_order(order_id=order_id)  # retry-safe: retried, then fails
        assert info.value.may_have_been_applied
        with pytest.raises(TransportError) as once:
            await client.giftcard.consume_code(code="123456789012")  # not retry-safe
        assert once.value.may_have_been_applied
    assert wx.requests[GET_ORDER] == 4  # 1 + 3 retries, each read by the emulator
    assert wx.requests[consume] == 1


@pytest.mark.slow
async def test_refreshing_forever_keeps_a_bounded_number_of_tokens() -> None:
    now = [1_800_000_000.0]
    wx = Emulator(token_grace=300, token_ttl=7200, clock=lambda: now[0])
    async with in_process(wx) as http:
        for _ in range(2_000):
            await plain(http, wx)
            now[0] += 10  # a refresh every 10 s: 30 tokens within one grace period
    assert wx.tokens.issued == 2_000
    assert len(wx.tokens._tokens) <= 32


async def test_a_field_of_the_wrong_type_is_47001_naming_it() -> None:
    wx = Emulator()
    async with in_process(wx) as http:
        token = (await stable(http, wx))["access_token"]
        auth = {"access_token": token}
        page = {"page_title": "t", "theme_list": [{"item_list": [{"card_id": ["p1"]}]}]}
        reply = await http.post("/card/giftcard/page/add", params=auth, json={"page": page})
        data = reply.json()
        assert data["errcode"] == 47001
        assert "page.theme_list[0].item_list[0].card_id must be a string" in data["errmsg"]
        maintain = {"page_id": {"id": 1}, "maintain": True}
        data = (await http.post("/card/giftcard/maintain/set", params=auth, json=maintain)).json()
        assert (data["errcode"], "page_id must be a string" in data["errmsg"]) == (47001, True)
        # a missing page is still the documented 40097, not a format error
        data = (await http.post("/card/giftcard/maintain/set", params=auth, json={})).json()
        assert data["errcode"] == 40097


@pytest.mark.slow
async def test_a_served_drop_is_ambiguous_and_logs_no_traceback() -> None:
    records: list[logging.LogRecord] = []
    collect = logging.Handler()
    collect.emit = records.append  # type: ignore[method-assign]
    # uvicorn configures its loggers as it starts, and they do not propagate to the root:
    # listen where it logs, once it is serving.
    server_log = logging.getLogger("uvicorn.error")
    wx = Emulator(orders=2, path_faults={GET_ORDER: Faults(drop=1.0)})
    order_id = wx.book.orders()[0]["order_id"]
    try:
        async with wx, wx.client(retry=RetryPolicy(max_retries=1)) as client:
            server_log.addHandler(collect)
            with pytest.raises(TransportError) as info:
                await client.giftcard.get_order(order_id=order_id)
            assert info.value.may_have_been_applied
            pages = (await client.giftcard.list_pages()).page_id_list
            assert pages == sorted(wx.giftcards.pages)  # still serving
    finally:
        server_log.removeHandler(collect)
    assert wx.requests[GET_ORDER] == 2
    # The injected fault is not an error of the server's: no traceback per dropped reply.
    assert [r.getMessage() for r in records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "encrypt_code",
    [
        base64.urlsafe_b64encode(b"emu:\xff\xfe").decode(),  # ours in form, not UTF-8 inside
        base64.urlsafe_b64encode(b"emu:").decode(),  # ours in form, no code inside
        "not base64 at all!",
    ],
)
async def test_decrypt_code_refuses_what_it_did_not_encrypt(encrypt_code: str) -> None:
    wx = Emulator()
    async with wx.client() as client:
        with pytest.raises(InvalidParameterError) as info:
            await client.giftcard.decrypt_code(encrypt_code=encrypt_code)
        assert info.value.errcode == 40056
        code = "123456789012"
        assert (await client.giftcard.decrypt_code(encrypt_code=wx.encrypt_code(code))).code == code

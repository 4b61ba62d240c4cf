"""The emulator over real HTTP: tokens, order paging and its limits, errors, faults, latency."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest

from wechat_async import WeChatClient
from wechat_async.errors import AccessTokenError, InvalidParameterError
from wechat_async.giftcard import MAX_ORDER_WINDOW
from wechat_async.testing import Emulator, OrderBook

BATCHGET = "/card/giftcard/order/batchget"


@asynccontextmanager
async def http_to(wx: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=wx.base_url) as http:
        yield http


async def token_for(http: httpx.AsyncClient, wx: Emulator) -> str:
    reply = await http.post(
        "/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret},
    )
    token: str = reply.json()["access_token"]
    return token


async def batchget(http: httpx.AsyncClient, token: str, **body: Any) -> tuple[int, dict[str, Any]]:
    reply = await http.post(BATCHGET, params={"access_token": token}, json=body)
    data: dict[str, Any] = reply.json()
    return reply.status_code, data


async def test_both_token_endpoints_check_appid_secret_and_grant_type() -> None:
    async with Emulator() as wx, http_to(wx) as http:
        assert (await token_for(http, wx)).startswith("EMU_TOKEN_")
        good = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
        reply = await http.get("/cgi-bin/token", params=good)
        assert reply.json()["expires_in"] == 7200
        cases = [
            ({**good, "secret": "wrong"}, 40125),
            ({**good, "appid": "wxother"}, 40013),
            ({**good, "grant_type": "password"}, 40002),
        ]
        for body, errcode in cases:
            assert (await http.post("/cgi-bin/stable_token", json=body)).json()[
                "errcode"
            ] == errcode
            assert (await http.get("/cgi-bin/token", params=body)).json()["errcode"] == errcode


async def test_batchget_pages_the_inclusive_range_in_both_orders() -> None:
    async with Emulator(orders=250, days=10) as wx, http_to(wx) as http:
        token = await token_for(http, wx)
        window = {"begin_time": wx.start_time, "end_time": wx.start_time + 5 * 86400}
        ids: dict[str, list[str]] = {"ASC": [], "DESC": []}
        for sort_type, found in ids.items():
            for offset in range(0, 160, 40):
                _, data = await batchget(
                    http, token, **window, sort_type=sort_type, offset=offset, count=40
                )
                assert data["total_count"] == 126  # 25 orders a day, both ends included
                found.extend(o["order_id"] for o in data["order_list"])
        assert ids["ASC"] == [f"FAKE{i:08d}" for i in range(126)]
        assert ids["DESC"] == ids["ASC"][::-1]
        _, past_the_end = await batchget(http, token, **window, offset=500, count=10)
        assert past_the_end["order_list"] == []
        assert past_the_end["total_count"] == 126


@pytest.mark.parametrize(
    ("changes", "errcode"),
    [
        ({"count": 101}, 40097),
        ({"count": 0}, 40097),
        ({"end_time": 1_767_225_600 + MAX_ORDER_WINDOW + 1}, 40097),
        ({"end_time": 1_767_225_599}, 40097),
        ({"sort_type": "asc"}, 40097),
        ({"offset": -1}, 40097),
        ({"begin_time": "soon"}, 47001),
    ],
)
async def test_batchget_refuses_what_wechat_refuses(changes: dict[str, Any], errcode: int) -> None:
    body = {"begin_time": 1_767_225_600, "end_time": 1_767_225_600 + 86400, "count": 100}
    async with Emulator(orders=10) as wx, http_to(wx) as http:
        token = await token_for(http, wx)
        status, data = await batchget(http, token, **{**body, **changes})
    assert (status, data["errcode"]) == (200, errcode)
    assert "order_list" not in data


async def test_a_31_day_window_exactly_is_accepted() -> None:
    async with Emulator(orders=100, days=40) as wx, http_to(wx) as http:
        token = await token_for(http, wx)
        _, data = await batchget(
            http,
            token,
            begin_time=wx.start_time,
            end_time=wx.start_time + MAX_ORDER_WINDOW,
            count=1,
        )
    assert data["errcode"] == 0
    assert data["total_count"] == 78  # 2.5 orders a day: 0, 9.6 h, ... up to day 31


async def test_missing_token_41001_unknown_40001_and_unknown_paths_404() -> None:
    async with Emulator(orders=10) as wx, http_to(wx) as http:
        body = {"begin_time": 0, "end_time": 1, "count": 1}
        assert (await http.post(BATCHGET, json=body)).json()["errcode"] == 41001
        assert (await batchget(http, "EMU_TOKEN_forged", **body))[1]["errcode"] == 40001
        reply = await http.post("/card/giftcard/order/nothing", json={})
        assert reply.status_code == 404
        bad_json = await http.post(
            BATCHGET, params={"access_token": await token_for(http, wx)}, content=b"{nope"
        )
        assert bad_json.json()["errcode"] == 47001


async def test_same_seed_same_order_book_other_seed_other_book() -> None:
    def snapshot(seed: int) -> list[dict[str, Any]]:
        book = OrderBook.generate(300, start=1_767_225_600, days=3, seed=seed)
        return book.page(0, 2**31, descending=False, offset=0, count=300)[1]

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)
    orders = snapshot(3)
    assert all(o["total_price"] == sum(c["price"] for c in o["card_list"]) for o in orders)
    assert [o["create_time"] for o in orders] == sorted(o["create_time"] for o in orders)


@pytest.mark.slow
async def test_fault_injection_is_seeded_and_mixes_502_and_errcode_minus_1() -> None:
    async def outcomes(seed: int, rate: float) -> list[tuple[int, int]]:
        async with Emulator(orders=50, fault_rate=rate, seed=seed) as wx, http_to(wx) as http:
            token = await token_for(http, wx)
            body = {"begin_time": wx.start_time, "end_time": wx.start_time + 86400, "count": 5}
            results = []
            for _ in range(60):
                status, data = await batchget(http, token, **body)
                results.append((status, data.get("errcode", 0)))
            return results

    faulty = await outcomes(seed=9, rate=0.3)
    assert faulty == await outcomes(seed=9, rate=0.3)
    assert (502, -1) in faulty
    assert (200, -1) in faulty
    assert 5 <= sum(r != (200, 0) for r in faulty) <= 35
    assert set(await outcomes(seed=9, rate=0.0)) == {(200, 0)}


async def test_latency_is_added_to_every_request() -> None:
    async with Emulator(latency=0.05) as wx, http_to(wx) as http:
        await token_for(http, wx)  # connection set up
        started = time.perf_counter()
        await token_for(http, wx)
        assert time.perf_counter() - started >= 0.05


async def test_sdk_against_the_fake_get_order_and_its_errors() -> None:
    async with (
        Emulator(orders=20) as wx,
        WeChatClient(wx.appid, wx.secret, base_url=wx.base_url) as client,
    ):
        found = await client.giftcard.get_order(order_id="FAKE00000007")
        assert found.order.order_id == "FAKE00000007"
        assert found.order.total_price == sum(c.price for c in found.order.card_list)
        with pytest.raises(InvalidParameterError) as info:
            await client.giftcard.get_order(order_id="NO_SUCH_ORDER")
        assert info.value.errcode == 40097
    # A token the fake never issued is refused like a stale one.
    async with (
        Emulator(orders=1) as other,
        WeChatClient(other.appid, token_provider=_forged_token, base_url=other.base_url) as forged,
    ):
        with pytest.raises(AccessTokenError):
            await forged.giftcard.get_order(order_id="FAKE00000000")


async def _forged_token() -> str:
    return "EMU_TOKEN_not_issued"


async def test_orders_added_while_serving_show_up_and_stats_count_requests() -> None:
    async with Emulator(orders=10, days=1) as wx, http_to(wx) as http:
        token = await token_for(http, wx)
        seen: list[str] = []
        wx.on_request = lambda path, body: seen.append(path)
        added = wx.book.add_new(wx.start_time)
        _, data = await batchget(
            http, token, begin_time=wx.start_time, end_time=wx.end_time, count=100
        )
        assert data["total_count"] == 11
        assert added["order_id"] in {o["order_id"] for o in data["order_list"]}
        assert seen == [BATCHGET]
        stats = (await http.get("/__emulator__/stats")).json()
    assert stats["requests"][BATCHGET] == 1
    assert stats["requests"]["/cgi-bin/stable_token"] == 1
    assert stats["orders"] == 11
    assert "fake-app-secret" not in repr(wx)


async def test_hostile_requests_are_answered_and_the_server_keeps_serving() -> None:
    async with Emulator(orders=10) as wx, http_to(wx) as http:
        token = await token_for(http, wx)
        auth = {"access_token": token}
        for path, body in [
            ("/card/giftcard/order/get", b"[]"),
            (BATCHGET, b"[1]"),
            (BATCHGET, b'{"begin_time": 1e400, "end_time": 1, "count": 1}'),
            ("/cgi-bin/stable_token", b'"client_credential"'),
        ]:
            reply = await http.post(path, params=auth, content=body)
            assert reply.json()["errcode"] == 47001, (path, body)
        port = int(wx.base_url.rsplit(":", 1)[1])
        # Over 2 MiB: 413 as soon as the limit is passed (raw socket: httpx would warn under
        # trio about the body it could not finish sending).
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            head = f"POST {BATCHGET} HTTP/1.1\r\nHost: x\r\nContent-Length: {4 << 20}\r\n\r\n"
            await stream.send(head.encode() + b"x" * ((2 << 20) + 10))
            assert (await stream.receive()).startswith(b"HTTP/1.1 413 ")
        # Not HTTP at all: a 400 or a dropped connection, nothing else.
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"GARBAGE\r\n\r\n")
            try:
                answer = await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                answer = b""
            assert answer == b"" or answer.startswith(b"HTTP/1.1 400 ")

        def broken_hook(path: str, body: object) -> None:
            raise RuntimeError("bug in a test hook")

        wx.on_request = broken_hook
        failed = await http.post("/card/giftcard/order/get", params=auth, json={"order_id": "x"})
        assert (failed.status_code, failed.json()["errcode"]) == (500, -1)
        wx.on_request = None
        found = await http.post(
            "/card/giftcard/order/get", params=auth, json={"order_id": "FAKE00000003"}
        )
        assert found.json()["order"]["order_id"] == "FAKE00000003"

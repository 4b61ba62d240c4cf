"""iter_orders through a poisoned page: WeChat fails a whole batchget page over one order it
cannot serve. The sync narrows the page to that order, yields every other order once, and
reports each unread order's position and errmsg: never a silent skip."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
import respx

from tests.helpers import client_for, fast_retry, mock_token
from wechat_async import InvalidParameterError, WeChatClient
from wechat_async.giftcard import (
    OrderSync,
    SyncCheckpoint,
    UnreadOrder,
    UnreadOrdersError,
)
from wechat_async.testing import Emulator

BATCHGET = "/card/giftcard/order/batchget"
ERRMSG = "接收者的openid不能为空"


@asynccontextmanager
async def emulated(orders: int, **options: Any) -> AsyncIterator[tuple[Emulator, WeChatClient]]:
    async with (
        Emulator(orders=orders, **options) as wx,
        WeChatClient(wx.appid, wx.secret, base_url=wx.base_url, retry=fast_retry()) as client,
    ):
        yield wx, client


async def read_all(sync: OrderSync, *, pipelined: bool) -> tuple[list[str], UnreadOrdersError]:
    """Every order the sync yields, and the UnreadOrdersError it ends with."""
    ids: list[str] = []

    async def read() -> None:
        async for order in sync:
            ids.append(order.order_id)

    async with AsyncExitStack() as stack:
        if pipelined:
            await stack.enter_async_context(sync)
        with pytest.raises(UnreadOrdersError) as info:
            await read()
    return ids, info.value


async def test_the_emulator_fails_every_page_holding_an_unreadable_order() -> None:
    """Raw HTTP: the page holding it fails as a whole; the pages around it are served."""
    async with Emulator(orders=300, days=10) as wx, httpx.AsyncClient(base_url=wx.base_url) as http:
        wx.book.make_unreadable("FAKE00000150")
        token = (
            await http.post(
                "/cgi-bin/stable_token",
                json={"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret},
            )
        ).json()["access_token"]

        async def page(offset: int, count: int) -> dict[str, Any]:
            body = {"begin_time": wx.start_time, "end_time": wx.start_time + 20 * 86400}
            reply = await http.post(
                BATCHGET,
                params={"access_token": token},
                json={**body, "sort_type": "ASC", "offset": offset, "count": count},
            )
            data: dict[str, Any] = reply.json()
            return data

        failed = await page(100, 100)
        assert failed["errcode"] == 40097
        assert failed["errmsg"].startswith(ERRMSG + " hint: [")
        assert "order_list" not in failed
        assert len((await page(0, 100))["order_list"]) == 100
        assert len((await page(151, 100))["order_list"]) == 100
        assert (await page(150, 1))["errcode"] == 40097
        with pytest.raises(KeyError):
            wx.book.make_unreadable("NO-SUCH-ORDER")


#: positions (0-based, ASC) of the unreadable orders: a page's first, two side by side in the
#: middle of one, and the window's very last
POISONED = [200, 437, 438, 999]


@pytest.mark.parametrize("pipelined", [False, True])
@pytest.mark.parametrize("sort_type", ["ASC", "DESC"])
async def test_a_poisoned_page_is_narrowed_to_its_unread_orders(
    sort_type: str, pipelined: bool
) -> None:
    """Issue 16 item 6: iter_orders raised on the first such page and the sync stopped."""
    async with emulated(1000, days=10) as (wx, client):
        for n in POISONED:
            wx.book.make_unreadable(f"FAKE{n:08d}")
        sync = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, sort_type=sort_type, concurrency=4
        )
        ids, error = await read_all(sync, pipelined=pipelined)
        requests = wx.requests[BATCHGET]
    others = [f"FAKE{n:08d}" for n in range(1000) if n not in POISONED]
    assert ids == (others if sort_type == "ASC" else others[::-1])  # each once, in order
    offsets = POISONED if sort_type == "ASC" else sorted(999 - n for n in POISONED)
    assert [u.offset for u in error.unread] == offsets
    for unread in error.unread:
        assert (unread.window, unread.sort_type, unread.errcode) == (0, sort_type, 40097)
        assert (unread.begin_time, unread.end_time) == (wx.start_time, wx.end_time)
        assert unread.errmsg.startswith(ERRMSG)
        assert unread.rid  # the hint WeChat gave, for a support ticket
    assert sync.unread == sync.checkpoint.unread == error.unread
    assert sync.progress.orders_unread == 4
    assert "4 order(s) could not be read" in str(error)
    assert ERRMSG in str(error)
    # 10 pages, 3 of them poisoned: each narrowed in about 2 reads per halving
    assert requests <= 10 + 3 * 16


async def test_an_unread_order_is_never_skipped_silently_by_a_resume() -> None:
    """The checkpoint keeps the unread orders it passed; a resume reports them again, once."""
    async with emulated(600, days=10) as (wx, client):
        wx.book.make_unreadable("FAKE00000123")
        wx.book.make_unreadable("FAKE00000480")
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, page_size=50)
        first: list[str] = []
        async for order in sync:
            first.append(order.order_id)
            if len(first) == 300:
                break
        saved = json.loads(json.dumps(sync.checkpoint.to_dict()))
        assert [u["offset"] for u in saved["unread"]] == [123]  # passed, the other not yet
        resumed = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, page_size=50, checkpoint=SyncCheckpoint.from_dict(saved)
        )
        rest, error = await read_all(resumed, pipelined=False)
    assert sorted(first + rest) == [f"FAKE{n:08d}" for n in range(600) if n not in (123, 480)]
    assert [u.offset for u in error.unread] == [123, 480]
    # a finished checkpoint with unread orders says so again, and reads nothing
    async with emulated(600, days=10) as (wx, client):
        again = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, page_size=50, checkpoint=resumed.checkpoint
        )
        ids, repeated = await read_all(again, pipelined=True)
        assert wx.requests.get(BATCHGET, 0) == 0
    assert ids == []
    assert repeated.unread == error.unread


@pytest.mark.parametrize("page_size", [1, 2, 7])
async def test_small_pages_and_a_window_of_unreadable_orders_only(page_size: int) -> None:
    async with emulated(20, days=10) as (wx, client):
        for n in (0, 1, 19):
            wx.book.make_unreadable(f"FAKE{n:08d}")
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, page_size=page_size)
        ids, error = await read_all(sync, pipelined=False)
    assert ids == [f"FAKE{n:08d}" for n in range(2, 19)]
    assert [u.offset for u in error.unread] == [0, 1, 19]


async def test_an_order_on_the_second_two_windows_share_is_reported_in_each() -> None:
    """It is served by both windows; its id is unknown, so each reports its position."""
    async with emulated(20_000, days=100) as (wx, client):
        wx.book.make_unreadable("FAKE00006200")  # on the second windows 0 and 1 share
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=8)
        ids, error = await read_all(sync, pipelined=True)
    assert len(ids) == len(set(ids)) == 19_999
    assert [(u.window, u.offset) for u in error.unread] == [(0, 6200), (1, 0)]


def _every_page_fails(errcode: int) -> tuple[respx.Router, respx.Route]:
    router = respx.Router()
    mock_token(router)
    route = router.post(url__regex=r".*/order/batchget.*").respond(
        json={"errcode": errcode, "errmsg": "invalid args"}
    )
    return router, route


@pytest.mark.parametrize("pipelined", [False, True])
async def test_an_error_no_narrower_read_escapes_is_raised_as_it_came(pipelined: bool) -> None:
    """Every read fails: the error is about the call, not an order. Raised after a bounded
    number of narrower reads, nothing reported as unread."""
    router, route = _every_page_fails(40097)
    async with client_for(router) as client:
        sync = client.giftcard.iter_orders(0, 86400, concurrency=4)
        async with AsyncExitStack() as stack:
            if pipelined:
                await stack.enter_async_context(sync)
            with pytest.raises(InvalidParameterError) as info:
                async for _ in sync:
                    pass
    assert info.value.errcode == 40097
    assert route.call_count <= 1 + 16
    assert sync.unread == ()


def test_unread_orders_in_a_checkpoint_file_are_checked() -> None:
    good = UnreadOrder(0, 10, 20, "ASC", 5, 40097, ERRMSG, "abc").to_dict()
    data = SyncCheckpoint(10, 20, "ASC", 100, unread=()).to_dict() | {"unread": [good]}
    assert SyncCheckpoint.from_dict(data).unread[0].offset == 5
    for bad in ({**good, "offset": -1}, {**good, "errmsg": 5}, {"offset": 1}, "x"):
        with pytest.raises(ValueError, match="UnreadOrder"):
            SyncCheckpoint.from_dict(data | {"unread": [bad]})

"""The clients wechat_async is measured against, written the way a careful developer would.

Every loop does the same work as ``iter_orders``: fetch a token, read the first page of each
31-day window to learn its ``total_count``, read the remaining pages with at most
``concurrency`` requests in flight, and count distinct order ids. None of them builds models.

* ``aiohttp_lean``: the reference every "vs aiohttp loop" ratio is taken against, the fastest
  plain Python client we know: one ``aiohttp.ClientSession``, stdlib ``json``, ``asyncio.gather``
  under an ``asyncio.Semaphore``, each window's pages fetched as soon as its first page tells
  how many there are, and nothing kept but the order ids;
* ``aiohttp_pages_kept``: the project's earlier reference: the same requests through anyio task
  groups, every decoded page kept until the end (its garbage collection is part of its cost);
* ``httpx_loop``: the same with ``httpx.AsyncClient`` (pages kept);
* ``requests_threads``: what the synchronous SDKs do under load (requests in a thread pool,
  one ``Session`` per thread);
* ``wechatpy_threads``: wechatpy 1.8.18's ``WeChatClient`` in a thread pool, one client a
  thread sharing one token, calling the card API as a wechatpy user does.

The thread pools, like the lean loop, queue a window's pages once its first page is in and
keep only the ids. requests and wechatpy are bench-only dependencies (``nox -s bench``).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any
from urllib.parse import urlencode

import anyio

from wechat_async.giftcard import split_windows

PAGE = 100
BATCHGET = "/card/giftcard/order/batchget"


def _token_body(appid: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credential", "appid": appid, "secret": secret}


def _page_body(begin: int, end: int, offset: int) -> dict[str, Any]:
    return {
        "begin_time": begin,
        "end_time": end,
        "sort_type": "ASC",
        "offset": offset,
        "count": PAGE,
    }


def _rest(windows: list[tuple[int, int]], firsts: list[dict[str, Any]]) -> list[tuple[int, ...]]:
    """(begin, end, offset) of every page after each window's first."""
    return [
        (begin, end, offset)
        for (begin, end), first in zip(windows, firsts, strict=True)
        for offset in range(PAGE, int(first["total_count"]), PAGE)
    ]


def _ids(pages: Iterable[dict[str, Any]]) -> set[str]:
    seen: set[str] = set()
    for data in pages:
        if data.get("errcode", 0) != 0:
            raise RuntimeError(data)
        seen.update(order["order_id"] for order in data["order_list"])
    return seen


async def aiohttp_lean(
    base_url: str, appid: str, secret: str, begin: int, end: int, concurrency: int
) -> int:
    """The lean reference: a page is decoded, its ids kept, and the page dropped."""
    import aiohttp

    ids: set[str] = set()
    async with aiohttp.ClientSession(
        base_url, connector=aiohttp.TCPConnector(limit=concurrency)
    ) as http:
        async with http.post("/cgi-bin/stable_token", json=_token_body(appid, secret)) as r:
            token = json.loads(await r.read())["access_token"]
        url = f"{BATCHGET}?{urlencode({'access_token': token})}"  # built once, not per page
        gate = asyncio.Semaphore(concurrency)
        headers = {"content-type": "application/json"}

        async def page(b: int, e: int, offset: int) -> int:
            async with gate:
                body = json.dumps(_page_body(b, e, offset))
                async with http.post(url, data=body, headers=headers) as r:
                    data = json.loads(await r.read())
            if data.get("errcode", 0) != 0:
                raise RuntimeError(data)
            ids.update([order["order_id"] for order in data["order_list"]])
            return int(data["total_count"])

        async def window(b: int, e: int) -> None:
            total = await page(b, e, 0)
            await asyncio.gather(*(page(b, e, offset) for offset in range(PAGE, total, PAGE)))

        await asyncio.gather(*(window(b, e) for b, e in split_windows(begin, end)))
    return len(ids)


async def aiohttp_pages_kept(
    base_url: str, appid: str, secret: str, begin: int, end: int, concurrency: int
) -> int:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(base_url, connector=connector) as http:
        async with http.post("/cgi-bin/stable_token", json=_token_body(appid, secret)) as r:
            token = (await r.json())["access_token"]
        gate = anyio.Semaphore(concurrency)

        async def page(b: int, e: int, offset: int) -> dict[str, Any]:
            async with (
                gate,
                http.post(
                    BATCHGET,
                    params={"access_token": token},
                    data=json.dumps(_page_body(b, e, offset)),
                    headers={"content-type": "application/json"},
                ) as response,
            ):
                data: dict[str, Any] = json.loads(await response.read())
                return data

        windows = split_windows(begin, end)
        return len(await _run_async(page, windows))


async def httpx_loop(
    base_url: str, appid: str, secret: str, begin: int, end: int, concurrency: int
) -> int:
    import httpx

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:
        reply = await http.post("/cgi-bin/stable_token", json=_token_body(appid, secret))
        token = reply.json()["access_token"]
        gate = anyio.Semaphore(concurrency)

        async def page(b: int, e: int, offset: int) -> dict[str, Any]:
            async with gate:
                response = await http.post(
                    BATCHGET, params={"access_token": token}, json=_page_body(b, e, offset)
                )
                data: dict[str, Any] = response.json()
                return data

        windows = split_windows(begin, end)
        return len(await _run_async(page, windows))


async def _run_async(page: Callable[..., Any], windows: list[tuple[int, int]]) -> set[str]:
    firsts: list[dict[str, Any]] = [{} for _ in windows]
    rest_specs: list[tuple[int, ...]] = []

    async def first(i: int, b: int, e: int) -> None:
        firsts[i] = await page(b, e, 0)

    async with anyio.create_task_group() as tg:
        for i, (b, e) in enumerate(windows):
            tg.start_soon(first, i, b, e)
    rest_specs = _rest(windows, firsts)
    rest: list[dict[str, Any]] = [{} for _ in rest_specs]

    async def other(i: int, spec: tuple[int, ...]) -> None:
        rest[i] = await page(*spec)

    async with anyio.create_task_group() as tg:
        for i, spec in enumerate(rest_specs):
            tg.start_soon(other, i, spec)
    return _ids([*firsts, *rest])


def requests_threads(
    base_url: str, appid: str, secret: str, begin: int, end: int, concurrency: int
) -> int:
    import requests

    local = threading.local()
    sessions: list[requests.Session] = []

    def session() -> requests.Session:
        current: requests.Session | None = getattr(local, "session", None)
        if current is None:
            current = local.session = requests.Session()
            sessions.append(current)
        return current

    token = (
        session()
        .post(base_url + "/cgi-bin/stable_token", json=_token_body(appid, secret), timeout=30)
        .json()["access_token"]
    )

    def page(spec: tuple[int, ...]) -> dict[str, Any]:
        b, e, offset = spec
        response = session().post(
            base_url + BATCHGET,
            params={"access_token": token},
            json=_page_body(b, e, offset),
            timeout=30,
        )
        data: dict[str, Any] = response.json()
        return data

    try:
        return _run_threads(page, split_windows(begin, end), concurrency)
    finally:
        for s in sessions:
            s.close()


def wechatpy_threads(
    base_url: str, appid: str, secret: str, begin: int, end: int, concurrency: int
) -> int:
    """wechatpy 1.8.18 has no method for ``card/giftcard/order/batchget``: its users post to
    it through the card API's ``_post``, which puts the card API's base URL in front."""
    from wechatpy import WeChatClient
    from wechatpy.session.memorystorage import MemoryStorage

    class LocalWeChatClient(WeChatClient):  # type: ignore[misc]
        # wechatpy fetches its token from a fixed https URL; the same call, to base_url.
        API_BASE_URL = base_url + "/cgi-bin/"

        def fetch_access_token(self) -> Any:
            return self._fetch_access_token(
                url=self.API_BASE_URL + "token",
                params={"grant_type": "client_credential", "appid": appid, "secret": secret},
            )

    storage = MemoryStorage()  # one token for every thread's client
    first = LocalWeChatClient(appid, secret, session=storage, timeout=30)
    token = first.access_token
    local = threading.local()
    clients = [first]

    def client() -> Any:
        current = getattr(local, "client", None)
        if current is None:
            current = local.client = LocalWeChatClient(
                appid, secret, access_token=token, session=storage, timeout=30
            )
            current.card.API_BASE_URL = base_url + "/"
            clients.append(current)
        return current

    def page(spec: tuple[int, ...]) -> dict[str, Any]:
        b, e, offset = spec
        data: dict[str, Any] = client().card._post(
            "card/giftcard/order/batchget", data=_page_body(b, e, offset)
        )
        return data

    try:
        return _run_threads(page, split_windows(begin, end), concurrency)
    finally:
        for c in clients:
            c._http.close()


def _run_threads(
    page: Callable[[tuple[int, ...]], dict[str, Any]],
    windows: list[tuple[int, int]],
    concurrency: int,
) -> int:
    """Each window's other pages are queued as soon as its first page is in; a page is
    dropped once its ids are read."""

    def read(spec: tuple[int, ...]) -> tuple[set[str], int]:
        data = page(spec)
        return _ids([data]), int(data["total_count"])

    ids: set[str] = set()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        firsts = {pool.submit(read, (b, e, 0)): (b, e) for b, e in windows}
        rest: list[Future[tuple[set[str], int]]] = []
        for done in as_completed(firsts):
            b, e = firsts[done]
            page_ids, total = done.result()
            ids |= page_ids
            rest += [pool.submit(read, (b, e, offset)) for offset in range(PAGE, total, PAGE)]
        for future in rest:
            ids |= future.result()[0]
    return len(ids)

"""The clients wechat_async is measured against, written the way a careful developer would.

Every loop does the same work as ``iter_orders``: fetch a token, read the first page of each
31-day window to learn its ``total_count``, read the remaining pages with at most
``concurrency`` requests in flight, and count distinct order ids. None of them builds models:
they keep the decoded dicts, which is the floor the SDK's typed orders are compared with.

* ``aiohttp_loop``: the fastest Python client we know (one ``ClientSession``, ``json.loads``);
* ``httpx_loop``: the same with ``httpx.AsyncClient``;
* ``requests_threads``: what the synchronous SDKs do under load (requests in a thread pool,
  one ``Session`` per thread); ``requests``/``aiohttp`` are bench-only dependencies.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

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


async def aiohttp_loop(
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

    windows = split_windows(begin, end)
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            firsts = list(pool.map(page, [(b, e, 0) for b, e in windows]))
            rest = list(pool.map(page, _rest(windows, firsts)))
    finally:
        for s in sessions:
            s.close()
    return len(_ids([*firsts, *rest]))

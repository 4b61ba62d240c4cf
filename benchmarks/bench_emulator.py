"""The emulator's own cost per request: one ``order/batchget`` page of 100 orders, in-process
(``httpx.ASGITransport``, no sockets) and served on 127.0.0.1 (uvicorn on asyncio, hypercorn on
trio), each with 16 callers sharing one httpx client. Tells whether the emulator, not the SDK,
bounds a benchmark that runs against it.

    python -m benchmarks.bench_emulator [--requests 2000] [--callers 16]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import anyio
import httpx

from wechat_async.testing import Emulator

PAGE = "/card/giftcard/order/batchget"


async def _token(http: httpx.AsyncClient, wx: Emulator) -> str:
    body = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
    token: str = (await http.post("/cgi-bin/stable_token", json=body)).json()["access_token"]
    return token


async def _load(http: httpx.AsyncClient, wx: Emulator, requests: int, callers: int) -> float:
    token = await _token(http, wx)
    body: dict[str, Any] = {
        "begin_time": wx.start_time,
        "end_time": wx.start_time + 30 * 86400,
        "count": 100,
    }
    left = [requests]

    async def caller() -> None:
        while left[0] > 0:
            left[0] -= 1
            reply = await http.post(PAGE, params={"access_token": token}, json=body)
            assert len(reply.json()["order_list"]) == 100

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(callers):
            tg.start_soon(caller)
    return requests / (time.perf_counter() - started)


async def _measure(mode: str, requests: int, callers: int) -> float:
    wx = Emulator(orders=20_000, seed=1)
    if mode == "in-process":
        transport = httpx.ASGITransport(app=wx.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
            return await _load(http, wx, requests, callers)
    limits = httpx.Limits(max_connections=callers)
    async with wx, httpx.AsyncClient(base_url=wx.base_url, limits=limits) as http:
        return await _load(http, wx, requests, callers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--callers", type=int, default=16)
    args = parser.parse_args()
    print(f"{'backend':8} {'mode':11} {'pages/s':>8}  (100 orders a page)")
    for backend in ("asyncio", "trio"):
        for mode in ("in-process", "served"):
            rate = anyio.run(_measure, mode, args.requests, args.callers, backend=backend)
            print(f"{backend:8} {mode:11} {rate:8.0f}")


if __name__ == "__main__":
    main()

"""Gift-card order sync: ``iter_orders`` against a hand-written raw-httpx loop.

Both run in this process against the same fake WeChat server, started in a separate process
(so its CPU does not count against the client) on 127.0.0.1, with 20 ms latency per request.

    python benchmarks/bench_order_sync.py [--orders 20000] [--concurrency 32] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx

from wechat_async import WeChatClient
from wechat_async.giftcard import split_windows


class Server:
    def __init__(self, orders: int, latency: float) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own module
            [
                sys.executable,
                "-m",
                "wechat_async.testing",
                "--orders",
                str(orders),
                "--latency",
                str(latency),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        _, self.base_url, self.appid, self.secret = self.proc.stdout.readline().split()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


START, DAYS = 1_767_225_600, 100
END = START + DAYS * 86400


async def sdk_sync(server: Server, concurrency: int) -> int:
    async with WeChatClient(server.appid, server.secret, base_url=server.base_url) as client:
        count = 0
        async for _ in client.giftcard.iter_orders(START, END, concurrency=concurrency):
            count += 1
        return count


async def raw_sync(server: Server, concurrency: int) -> int:
    """What a careful developer writes by hand with httpx: token, first page of each window,
    the other pages through a semaphore, ids de-duplicated at window boundaries."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=30) as http:
        reply = await http.post(
            "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": server.appid,
                "secret": server.secret,
            },
        )
        token = reply.json()["access_token"]
        gate = anyio.Semaphore(concurrency)
        seen: set[str] = set()

        async def page(begin: int, end: int, offset: int) -> dict[str, object]:
            async with gate:
                response = await http.post(
                    "/card/giftcard/order/batchget",
                    params={"access_token": token},
                    json={
                        "begin_time": begin,
                        "end_time": end,
                        "sort_type": "ASC",
                        "offset": offset,
                        "count": 100,
                    },
                )
                data: dict[str, object] = response.json()
                if data.get("errcode", 0) != 0:
                    raise RuntimeError(data)
                return data

        for begin, end in split_windows(START, END):
            first = await page(begin, end, 0)
            total = int(first["total_count"])  # type: ignore[call-overload]
            pages = [first]

            async def fetch(
                offset: int, slot: int, b: int = begin, e: int = end, out: list[Any] = pages
            ) -> None:
                out[slot] = await page(b, e, offset)

            offsets = list(range(100, total, 100))
            pages.extend({} for _ in offsets)
            async with anyio.create_task_group() as tg:
                for slot, offset in enumerate(offsets, start=1):
                    tg.start_soon(fetch, offset, slot)
            for data in pages:
                for order in data["order_list"]:  # type: ignore[attr-defined]
                    seen.add(order["order_id"])
        return len(seen)


async def timed(fn: Callable[[Server, int], Awaitable[int]], server: Server, c: int) -> float:
    started = time.perf_counter()
    count = await fn(server, c)
    elapsed = time.perf_counter() - started
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server = Server(args.orders, args.latency)
    try:
        sdk: list[float] = []
        raw: list[float] = []
        for _ in range(args.rounds):  # alternate, so drift hits both alike
            sdk.append(asyncio.run(timed(sdk_sync, server, args.concurrency)))
            raw.append(asyncio.run(timed(raw_sync, server, args.concurrency)))
        tracemalloc.start()
        asyncio.run(sdk_sync(server, args.concurrency))
        _, sdk_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        asyncio.run(raw_sync(server, args.concurrency))
        _, raw_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        server.close()
    s, r = statistics.median(sdk), statistics.median(raw)
    setup = f"orders: {args.orders}, concurrency: {args.concurrency}"
    print(f"{setup}, latency: {args.latency * 1000:.0f} ms, median of {args.rounds} runs")
    print(f"sdk iter_orders: {s:,.0f} orders/s, peak {sdk_peak / 1e6:.1f} MB")
    print(f"raw httpx loop:  {r:,.0f} orders/s, peak {raw_peak / 1e6:.1f} MB")
    print(f"ratio sdk/raw: {s / r:.2f}x")


if __name__ == "__main__":
    main()

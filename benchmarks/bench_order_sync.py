"""Gift-card order sync: ``iter_orders`` against a hand-written raw-httpx loop.

Both run in this process against the same fake WeChat server, started in a separate process
(so its CPU does not count against the client) on 127.0.0.1, with 20 ms latency per request.
The SDK is measured both ways it can be consumed: ``async for`` alone (batches of
``concurrency`` pages) and inside ``async with`` (pipelined prefetch).

    python benchmarks/bench_order_sync.py [--orders 20000] [--concurrency 32] [--latency 0.02]
"""

from __future__ import annotations

import argparse
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

START, DAYS = 1_767_225_600, 100  # the fake server's default order range
END = START + DAYS * 86400
PAGE = 100


class Server:
    """``python -m wechat_async.testing`` in a child process."""

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

    def requests_served(self) -> int:
        stats = httpx.get(f"{self.base_url}/__fake__/stats").json()
        return sum(stats["requests"].values())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


Sync = Callable[["Server", int], Awaitable[int]]


async def sdk_sync(server: Server, concurrency: int) -> int:
    """``async for`` alone: pages fetched ``concurrency`` at a time, in batches."""
    async with WeChatClient(server.appid, server.secret, base_url=server.base_url) as client:
        count = 0
        async for _ in client.giftcard.iter_orders(START, END, concurrency=concurrency):
            count += 1
        return count


async def sdk_sync_pipelined(server: Server, concurrency: int) -> int:
    """Inside ``async with``: ``concurrency`` requests kept in flight while orders are read."""
    async with (
        WeChatClient(server.appid, server.secret, base_url=server.base_url) as client,
        client.giftcard.iter_orders(START, END, concurrency=concurrency) as orders,
    ):
        count = 0
        async for _ in orders:
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

        async def page(begin: int, end: int, offset: int) -> dict[str, Any]:
            async with gate:
                response = await http.post(
                    "/card/giftcard/order/batchget",
                    params={"access_token": token},
                    json={
                        "begin_time": begin,
                        "end_time": end,
                        "sort_type": "ASC",
                        "offset": offset,
                        "count": PAGE,
                    },
                )
                data: dict[str, Any] = response.json()
                if data.get("errcode", 0) != 0:
                    raise RuntimeError(data)
                return data

        for begin, end in split_windows(START, END):
            first = await page(begin, end, 0)
            offsets = range(PAGE, int(first["total_count"]), PAGE)
            pages: list[dict[str, Any]] = [first, *({} for _ in offsets)]

            async def fetch(
                slot: int, offset: int, b: int = begin, e: int = end, out: list[Any] = pages
            ) -> None:
                out[slot] = await page(b, e, offset)

            async with anyio.create_task_group() as tg:
                for slot, offset in enumerate(offsets, start=1):
                    tg.start_soon(fetch, slot, offset)
            for data in pages:
                seen.update(order["order_id"] for order in data["order_list"])
        return len(seen)


def measure(sync: Sync, server: Server, concurrency: int) -> tuple[int, float, int]:
    """(orders, seconds, requests served) of one run."""
    before = server.requests_served()
    started = time.perf_counter()
    count = anyio.run(sync, server, concurrency)
    elapsed = time.perf_counter() - started
    return count, elapsed, server.requests_served() - before - 1  # minus the stats call


def peak_memory(sync: Sync, server: Server, concurrency: int) -> int:
    """Peak bytes allocated by Python during one run (tracemalloc)."""
    tracemalloc.start()
    try:
        anyio.run(sync, server, concurrency)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(orders: int, concurrency: int, latency: float, rounds: int) -> dict[str, dict[str, float]]:
    """Median orders/s and requests/s of each loop, and its peak memory."""
    loops: dict[str, Sync] = {
        "sdk iter_orders (async with)": sdk_sync_pipelined,
        "sdk iter_orders (async for)": sdk_sync,
        "raw httpx loop": raw_sync,
    }
    server = Server(orders, latency)
    try:
        runs: dict[str, list[tuple[int, float, int]]] = {name: [] for name in loops}
        for _ in range(rounds):  # interleaved, so drift hits every loop alike
            for name, sync in loops.items():
                runs[name].append(measure(sync, server, concurrency))
        results = {}
        for name, sync in loops.items():
            counts = {count for count, _, _ in runs[name]}
            if counts != {orders}:
                raise RuntimeError(f"{name} read {counts} orders, not {orders}")
            results[name] = {
                "orders_per_s": statistics.median(n / t for n, t, _ in runs[name]),
                "requests_per_s": statistics.median(r / t for _, t, r in runs[name]),
                "requests": statistics.median(r for _, _, r in runs[name]),
                "peak_mb": peak_memory(sync, server, concurrency) / 1e6,
            }
        return results
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = run(args.orders, args.concurrency, args.latency, args.rounds)
    print(
        f"orders: {args.orders}, concurrency: {args.concurrency}, "
        f"latency: {args.latency * 1000:.0f} ms, median of {args.rounds} runs"
    )
    for name, r in results.items():
        print(
            f"{name:30} {r['orders_per_s']:9,.0f} orders/s {r['requests_per_s']:7,.0f} req/s "
            f"({r['requests']:.0f} requests)  peak {r['peak_mb']:.1f} MB"
        )
    raw = results["raw httpx loop"]["orders_per_s"]
    for name, r in results.items():
        if name != "raw httpx loop":
            print(f"ratio {name} / raw: {r['orders_per_s'] / raw:.2f}x")


if __name__ == "__main__":
    main()

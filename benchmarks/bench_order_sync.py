"""Gift-card order sync: ``iter_orders`` on each transport and backend against the peers.

One run measures every client against the same local WeChat (its own process, its own core;
this process on the other), interleaved round by round so drift hits all alike, and reports
orders/s with ratios to the hand-written aiohttp loop (the fastest client we know) and to
requests in 32 threads (what the synchronous SDKs do).

    python benchmarks/bench_order_sync.py [--orders 20000] [--concurrency 32] [--latency 0.02]
                                          [--rounds 3] [--clients sdk,aiohttp,...]
"""

from __future__ import annotations

import argparse
import functools
import tracemalloc
from collections.abc import Callable
from typing import Any

import anyio

from benchmarks import _peers
from benchmarks._harness import END, START, Server, median, pin, print_table, timed
from wechat_async import WeChatClient

AIOHTTP_LOOP = "aiohttp loop (dicts, no models)"
REQUESTS_THREADS = "requests, 32 threads"


async def _sdk(server: Server, concurrency: int, *, transport: str, pipelined: bool) -> int:
    async with WeChatClient(
        server.appid,
        server.secret,
        base_url=server.base_url,
        transport=transport,  # type: ignore[arg-type]
    ) as client:
        count = 0
        sync = client.giftcard.iter_orders(START, END, concurrency=concurrency)
        if pipelined:
            async with sync as orders:
                async for _ in orders:
                    count += 1
        else:
            async for _ in sync:
                count += 1
        return count


def _async(fn: Callable[..., Any], backend: str = "asyncio", **kwargs: Any) -> Callable[..., int]:
    def run(server: Server, concurrency: int) -> int:
        call = functools.partial(fn, server, concurrency, **kwargs)
        result: int = anyio.run(call, backend=backend)
        return result

    return run


def _peer(fn: Callable[..., Any], *, is_async: bool) -> Callable[[Server, int], int]:
    def run(server: Server, concurrency: int) -> int:
        args = (server.base_url, server.appid, server.secret, START, END, concurrency)
        if is_async:
            result: int = anyio.run(fn, *args)
        else:
            result = fn(*args)
        return result

    return run


def clients() -> dict[str, Callable[[Server, int], int]]:
    return {
        AIOHTTP_LOOP: _peer(_peers.aiohttp_loop, is_async=True),
        REQUESTS_THREADS: _peer(_peers.requests_threads, is_async=False),
        "httpx loop (dicts, no models)": _peer(_peers.httpx_loop, is_async=True),
        "sdk async for, aiohttp": _async(_sdk, transport="aiohttp", pipelined=False),
        "sdk async with, aiohttp": _async(_sdk, transport="aiohttp", pipelined=True),
        "sdk async for, httpx": _async(_sdk, transport="httpx", pipelined=False),
        "sdk async for, httpx, trio": _async(
            _sdk, backend="trio", transport="httpx", pipelined=False
        ),
    }


def run(
    orders: int,
    concurrency: int,
    latency: float,
    rounds: int,
    only: list[str] | None = None,
) -> dict[str, dict[str, float]]:
    """Median orders/s, requests and peak traced memory of each client."""
    # A client is chosen by any part of its name ("sdk", "requests", "trio").
    chosen = {k: v for k, v in clients().items() if only is None or any(part in k for part in only)}
    with Server(orders, latency) as server:
        runs: dict[str, list[tuple[int, float, int]]] = {name: [] for name in chosen}
        for _ in range(rounds):
            for name, sync in chosen.items():
                before = server.requests_served()
                count, seconds = timed(lambda s=sync: s(server, concurrency))
                served = server.requests_served() - before - 1  # minus the stats call
                if count != orders:
                    raise RuntimeError(f"{name} read {count} orders, not {orders}")
                runs[name].append((count, seconds, served))
        results: dict[str, dict[str, float]] = {}
        for name, sync in chosen.items():
            tracemalloc.start()
            try:
                sync(server, concurrency)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            results[name] = {
                "orders_per_s": median([n / t for n, t, _ in runs[name]]),
                "requests": median([r for _, _, r in runs[name]]),
                "peak_mb": peak / 1e6,
            }
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--clients", help="comma-separated parts of client names: sdk,aiohttp loop,requests"
    )
    args, _ = parser.parse_known_args()
    pin(0)
    only = [part.strip() for part in args.clients.split(",")] if args.clients else None
    results = run(args.orders, args.concurrency, args.latency, args.rounds, only)
    print_table(
        f"order sync: {args.orders:,} orders, concurrency {args.concurrency}, "
        f"{args.latency * 1000:.0f} ms per request, median of {args.rounds} rounds",
        {name: r["orders_per_s"] for name, r in results.items()},
        "orders/s",
        [AIOHTTP_LOOP, REQUESTS_THREADS],
        {
            name: f"{r['requests']:.0f} requests, peak {r['peak_mb']:.1f} MB traced"
            for name, r in results.items()
        },
    )


if __name__ == "__main__":
    main()

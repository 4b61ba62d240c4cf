"""Gift-card order sync: ``iter_orders`` on each transport and backend against the peers.

One run measures every client against the same local WeChat (its own process on its own
core, uvicorn on uvloop + httptools when installed; this process on the other core), in
interleaved rounds (each round runs every client once, starting one client later than the
round before) so drift hits all alike. It reports median orders/s with ratios to the lean
aiohttp loop (stdlib ``json``, ``asyncio.gather`` under a semaphore, only the order ids kept:
the reference every "vs aiohttp loop" ratio is taken against), to requests in 32 threads and
to wechatpy 1.8.18 in 32 threads (what the synchronous SDKs do), and per page: this process's
CPU time (``time.process_time``, every thread), the part of it spent in garbage collection,
and the server's CPU time (from ``/proc``), so a slow client cannot hide behind a slow server.

    python -m benchmarks.bench_order_sync [--orders 20000] [--concurrency 32] [--latency 0.02]
                                          [--rounds 7] [--clients sdk,lean,...] [--no-peak]
    python -m benchmarks.bench_order_sync --orders 100000   # the steady state: 1,000 pages

``--no-peak`` skips the extra run of each client under ``tracemalloc`` (peak traced memory).
requests and wechatpy are bench-only peers (``nox -s bench`` installs them).
"""

from __future__ import annotations

import argparse
import functools
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import anyio

from benchmarks import _peers
from benchmarks._harness import END, START, Server, median, pin, print_table, server_stack
from wechat_async import WeChatClient

AIOHTTP_LEAN = "aiohttp loop, lean (ids only)"
AIOHTTP_PAGES_KEPT = "aiohttp loop, anyio task groups, pages kept"
REQUESTS_THREADS = "requests, 32 threads"
WECHATPY_THREADS = "wechatpy 1.8.18, 32 threads"
REFERENCES = [AIOHTTP_LEAN, REQUESTS_THREADS, WECHATPY_THREADS]
#: the peers a plain test install lacks (``nox -s bench`` installs them)
BENCH_ONLY = [REQUESTS_THREADS, WECHATPY_THREADS]
BATCHGET = "/card/giftcard/order/batchget"


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
        AIOHTTP_LEAN: _peer(_peers.aiohttp_lean, is_async=True),
        AIOHTTP_PAGES_KEPT: _peer(_peers.aiohttp_pages_kept, is_async=True),
        REQUESTS_THREADS: _peer(_peers.requests_threads, is_async=False),
        WECHATPY_THREADS: _peer(_peers.wechatpy_threads, is_async=False),
        "httpx loop, anyio task groups, pages kept": _peer(_peers.httpx_loop, is_async=True),
        "sdk async for, aiohttp": _async(_sdk, transport="aiohttp", pipelined=False),
        "sdk async with, aiohttp": _async(_sdk, transport="aiohttp", pipelined=True),
        "sdk async for, httpx": _async(_sdk, transport="httpx", pipelined=False),
        "sdk async with, httpx": _async(_sdk, transport="httpx", pipelined=True),
        "sdk async for, httpx, trio": _async(
            _sdk, backend="trio", transport="httpx", pipelined=False
        ),
        "sdk async with, httpx, trio": _async(
            _sdk, backend="trio", transport="httpx", pipelined=True
        ),
    }


class _GcClock:
    """CPU time spent in garbage collection (any thread) while it is installed: the CPU
    time of the thread collecting, so time the process waited for a core is not counted."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._started

    def __enter__(self) -> _GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)


def _measure(
    name: str, sync: Callable[[Server, int], int], server: Server, concurrency: int, orders: int
) -> dict[str, float]:
    """One run of one client: its wall time, CPU and GC time, and the server's CPU time."""
    before = server.stats()["requests"]
    with server.cpu() as server_cpu, _GcClock() as gc_clock:
        cpu, wall = time.process_time(), time.perf_counter()
        count = sync(server, concurrency)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = server.stats()["requests"]
    if count != orders:
        raise RuntimeError(f"{name} read {count} orders, not {orders}")
    pages = after.get(BATCHGET, 0) - before.get(BATCHGET, 0)
    served = sum(after.values()) - sum(before.values()) - 1  # minus the stats call
    return {
        "orders_per_s": count / wall,
        "seconds": wall,
        "requests": served,
        "pages": pages,
        "client_us_per_page": cpu / pages * 1e6,
        "gc_us_per_page": gc_clock.seconds / pages * 1e6,
        "server_us_per_page": server_cpu.seconds / pages * 1e6,
        "server_busy": server_cpu.seconds / wall,
    }


def _peak_mb(sync: Callable[[Server, int], int], server: Server, concurrency: int) -> float:
    tracemalloc.start()
    try:
        sync(server, concurrency)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run(
    orders: int,
    concurrency: int,
    latency: float,
    rounds: int,
    only: list[str] | None = None,
    *,
    peak: bool = True,
) -> dict[str, dict[str, float]]:
    """Medians over ``rounds`` of each client's figures (see ``_measure``), after one untimed
    run of each, and its peak traced memory in one more run (``peak_mb``, NaN without
    ``peak``)."""
    # A client is chosen by any part of its name ("sdk", "requests", "trio").
    chosen = {k: v for k, v in clients().items() if only is None or any(part in k for part in only)}
    names = list(chosen)
    with Server(orders, latency) as server:
        for name in names:  # imports, connections and caches out of the figures
            _measure(name, chosen[name], server, concurrency, orders)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in chosen}
        for index in range(rounds):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                runs[name].append(_measure(name, chosen[name], server, concurrency, orders))
        results: dict[str, dict[str, float]] = {}
        for name, sync in chosen.items():
            figures = {key: median([r[key] for r in runs[name]]) for key in runs[name][0]}
            figures["peak_mb"] = _peak_mb(sync, server, concurrency) if peak else float("nan")
            results[name] = figures
        return results


def print_cpu_table(results: dict[str, dict[str, float]]) -> None:
    width = max([44, *map(len, results)])
    print(
        f"{'client':{width}} {'wall s':>7} {'client CPU':>11} {'of it GC':>9} "
        f"{'server CPU':>11} {'server on':>10} {'requests':>9} {'peak MB':>8}"
    )
    print(f"{'':{width}} {'':>7} {'us/page':>11} {'us/page':>9} {'us/page':>11} {'a core':>10}")
    for name, r in results.items():
        print(
            f"{name:{width}} {r['seconds']:7.3f} {r['client_us_per_page']:11,.0f} "
            f"{r['gc_us_per_page']:9,.0f} {r['server_us_per_page']:11,.0f} "
            f"{r['server_busy']:10.0%} {r['requests']:9.0f} {r['peak_mb']:8.1f}"
        )
    print(
        "server on a core: share of the wall time the server ran (near 100% it would be the limit)"
    )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--clients", help="comma-separated parts of client names: sdk,lean,requests,wechatpy"
    )
    parser.add_argument("--no-peak", action="store_true", help="skip the tracemalloc runs")
    args, _ = parser.parse_known_args()
    pin(0)
    only = [part.strip() for part in args.clients.split(",")] if args.clients else None
    results = run(
        args.orders, args.concurrency, args.latency, args.rounds, only, peak=not args.no_peak
    )
    print(f"server: {server_stack()}; client and server pinned to one core each")
    print_table(
        f"order sync: {args.orders:,} orders, concurrency {args.concurrency}, "
        f"{args.latency * 1000:.0f} ms per request, medians of {args.rounds} interleaved rounds",
        {name: r["orders_per_s"] for name, r in results.items()},
        "orders/s",
        [ref for ref in REFERENCES if ref in results],
    )
    print_cpu_table(results)


if __name__ == "__main__":
    main()

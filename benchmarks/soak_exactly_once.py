"""Exactly once, at scale: bounded re-runs of what the test suite proves at a smaller size.

- ``faults``: a 6,000-order sync through 8% errcode -1, 8% HTTP 502, 8% connections dropped
  mid-reply and 5% trickled bodies, on every transport (aiohttp, httpx on asyncio, httpx on
  trio) and in both forms (``async with``, plain ``async for``), ``--runs`` times each: orders
  out, duplicates, missing, requests sent.
- ``inserts``: ``--runs`` syncs of 1,000 orders with a new order inserted every 4th page read
  (each shifts every later page by one): duplicates and missing.
- ``pushes``: 1,000 identical concurrent deliveries of one push to a router (memory dedupe):
  how many times the handler ran, and the statuses answered.
- ``cancels``: at each of ``--points`` instants (0 to 60 ms, 10 ms a request), a fresh client
  with 20 concurrent calls is cancelled (its token fetch, connects, requests, replies), then a
  sync of 2,000 orders (about 100 ms; ``async with`` at even instants, plain ``async for`` at
  odd ones) is cut at twice that instant and resumed from its checkpoint, on every transport:
  orders repeated or missing, syncs cut, sockets left.
- ``breaks``: at each of ``--points`` instants (0 to 60 ms), a plain ``async for`` over a
  2,000-order sync (its read-ahead with requests in flight) is left by ``break`` at the first
  order after that instant, and the same sync is iterated again to its end, on every
  transport: orders repeated or missing.
- ``sockets``: 6,000 calls, 50 at a time, whose every attempt fails (connections dropped
  mid-reply, HTTP 502, errcode -1), retried as policy allows, on every transport: failed
  attempts, and the sockets this process holds after the client and the emulator closed.

    python -m benchmarks.soak_exactly_once [--scenario faults|inserts|pushes|cancels|sockets]
                                              [--runs 3] [--points 60]
                                              (or breaks)
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import time
from collections import Counter
from typing import Any, Literal

import anyio

from wechat_async import RetryPolicy, WeChatClient
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.testing import Emulator, Faults, push_fields, sign_push

_FAULTS = Faults(
    system_error=0.08, bad_gateway=0.08, drop=0.08, slow_body=0.05, slow_body_seconds=0.05
)
_BATCHGET = "/card/giftcard/order/batchget"
# Every attempt that fails is retried quickly: the point is exactly-once, not backoff.
_RETRY = RetryPolicy(max_retries=12, initial_delay=0.002, max_delay=0.02)
_TRANSPORTS: tuple[tuple[Literal["aiohttp", "httpx"], str], ...] = (
    ("aiohttp", "asyncio"),
    ("httpx", "asyncio"),
    ("httpx", "trio"),
)


def _tally(ids: list[str], expected: set[str]) -> dict[str, int]:
    return {
        "out": len(ids),
        "duplicates": len(ids) - len(set(ids)),
        "missing": len(expected - set(ids)),
    }


async def _fault_sync(
    transport: Literal["aiohttp", "httpx"], seed: int, *, plain: bool = False
) -> dict[str, int]:
    async with (
        Emulator(orders=6_000, days=60, seed=seed, faults=_FAULTS) as wx,
        WeChatClient(
            wx.appid, wx.secret, base_url=wx.base_url, transport=transport, retry=_RETRY
        ) as client,
    ):
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=16)
        if plain:
            ids = [order.order_id async for order in sync]
        else:
            async with sync:
                ids = [order.order_id async for order in sync]
        expected = {order["order_id"] for order in wx.book.orders()}
        return {**_tally(ids, expected), "requests": wx.requests[_BATCHGET]}


async def _inserting_sync(seed: int) -> dict[str, int]:
    async with (
        Emulator(orders=1_000, days=30, seed=seed) as wx,
        WeChatClient(wx.appid, wx.secret, base_url=wx.base_url) as client,
    ):
        expected = {order["order_id"] for order in wx.book.orders()}
        reads = 0

        def insert(path: str, body: object) -> None:
            nonlocal reads
            if path == _BATCHGET:
                reads += 1
                if reads % 4 == 0:
                    wx.book.add_new(wx.start_time + reads)

        wx.on_request = insert
        async with client.giftcard.iter_orders(
            wx.start_time, wx.end_time, concurrency=8, page_size=50
        ) as sync:
            ids = [order.order_id async for order in sync]
        return _tally(ids, expected)


async def _identical_pushes(count: int) -> tuple[int, Counter[int]]:
    router = CallbackRouter("push-token")
    runs = 0

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        nonlocal runs
        runs += 1
        await anyio.sleep(0.05)  # still running while the duplicates arrive

    push = sign_push(push_fields("giftcard_pay_done"), token="push-token")
    statuses: Counter[int] = Counter()

    async def deliver() -> None:
        reply = await router.handle("POST", dict(push.query), push.body)
        statuses[reply.status] += 1

    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(deliver)
    return runs, statuses


def _open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the listing's own, closed by now
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


async def _failing_calls(transport: Literal["aiohttp", "httpx"], calls: int) -> dict[str, int]:
    path = "/card/giftcard/order/get"
    every_attempt_fails = Faults(drop=0.5, bad_gateway=0.3, system_error=0.2)
    before = _open_sockets()
    failed = 0
    async with (
        Emulator(path_faults={path: every_attempt_fails}) as wx,
        WeChatClient(
            wx.appid, wx.secret, base_url=wx.base_url, transport=transport, retry=_RETRY
        ) as client,
    ):
        limit = anyio.CapacityLimiter(50)

        async def call(i: int) -> None:
            nonlocal failed
            async with limit:
                try:
                    await client.giftcard.get_order(order_id=f"Z{i}")
                except Exception:  # every one fails: counted, not raised
                    failed += 1

        async with anyio.create_task_group() as tg:
            for i in range(calls):
                tg.start_soon(call, i)
        attempts = wx.requests[path]
    await anyio.sleep(0.1)  # closed sockets leave the table once their close is processed
    left = _open_sockets() - before
    return {"calls": calls, "failed": failed, "attempts": attempts, "sockets_left": left}


async def _cancelled_everywhere(
    transport: Literal["aiohttp", "httpx"], points: int
) -> dict[str, int]:
    before = _open_sockets()
    totals: Counter[str] = Counter()
    async with Emulator(orders=2_000, days=20, latency=0.01) as wx:
        expected = {order["order_id"] for order in wx.book.orders()}
        order_id = next(iter(expected))

        def client() -> WeChatClient:
            return WeChatClient(wx.appid, wx.secret, base_url=wx.base_url, transport=transport)

        for point in range(points):
            delay = 0.06 * point / points
            async with client() as calls:
                with anyio.move_on_after(delay):
                    async with anyio.create_task_group() as tg:
                        for _ in range(20):
                            tg.start_soon(lambda: calls.giftcard.get_order(order_id=order_id))
                await calls.giftcard.get_order(order_id=order_id)  # nothing left stuck
            async with client() as syncs:
                ids: list[str] = []
                sync = syncs.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=8)
                with anyio.move_on_after(delay * 2) as cut:
                    async with contextlib.nullcontext() if point % 2 else sync:
                        async for order in sync:  # each kept as handed out: the cut may
                            ids.append(order.order_id)  # fall between any two
                rest = syncs.giftcard.iter_orders(
                    wx.start_time, wx.end_time, concurrency=8, checkpoint=sync.checkpoint
                )
                async with rest:
                    ids.extend([order.order_id async for order in rest])
                totals.update(_tally(ids, expected))
                totals["syncs_cut"] += cut.cancelled_caught
    await anyio.sleep(0.1)
    return {**totals, "points": points, "sockets_left": _open_sockets() - before}


async def _left_and_resumed(transport: Literal["aiohttp", "httpx"], points: int) -> dict[str, int]:
    totals: Counter[str] = Counter()
    async with (
        Emulator(orders=2_000, days=20, latency=0.01) as wx,
        WeChatClient(wx.appid, wx.secret, base_url=wx.base_url, transport=transport) as client,
    ):
        expected = {order["order_id"] for order in wx.book.orders()}
        for point in range(points):
            left_at = time.perf_counter() + 0.06 * point / points
            sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=8)
            ids: list[str] = []
            async for order in sync:
                ids.append(order.order_id)
                if time.perf_counter() >= left_at:
                    break  # fetches in flight are cancelled; the next loop fetches them again
            first = len(ids)
            ids.extend([order.order_id async for order in sync])
            totals.update(_tally(ids, expected))
            totals["left_early"] += first < len(expected)
    return {**totals, "points": points}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario",
        choices=("faults", "inserts", "pushes", "cancels", "breaks", "sockets", "all"),
        default="all",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--points", type=int, default=60)
    args = parser.parse_args()
    if args.scenario in ("faults", "all"):
        for transport, backend in _TRANSPORTS:
            for seed in range(args.runs):
                for plain in (False, True):
                    started = time.perf_counter()
                    run = functools.partial(_fault_sync, transport, seed, plain=plain)
                    row: dict[str, Any] = anyio.run(run, backend=backend)
                    row["seconds"] = round(time.perf_counter() - started, 1)
                    form = "async for" if plain else "async with"
                    print(f"faults {transport}/{backend} {form} seed={seed}: {row}", flush=True)
    if args.scenario in ("inserts", "all"):
        totals: Counter[str] = Counter()
        for seed in range(args.runs):
            for backend in ("asyncio", "trio"):
                totals.update(anyio.run(_inserting_sync, seed, backend=backend))
        print(f"inserts {args.runs * 2} syncs: {dict(totals)}", flush=True)
    if args.scenario in ("pushes", "all"):
        for backend in ("asyncio", "trio"):
            runs, statuses = anyio.run(_identical_pushes, 1_000, backend=backend)
            print(f"pushes {backend}: handler ran {runs}x, statuses {dict(statuses)}", flush=True)
    if args.scenario in ("cancels", "all"):
        for transport, backend in _TRANSPORTS:
            row = anyio.run(_cancelled_everywhere, transport, args.points, backend=backend)
            print(f"cancels {transport}/{backend}: {row}", flush=True)
    if args.scenario in ("breaks", "all"):
        for transport, backend in _TRANSPORTS:
            row = anyio.run(_left_and_resumed, transport, args.points, backend=backend)
            print(f"breaks {transport}/{backend}: {row}", flush=True)
    if args.scenario in ("sockets", "all"):
        # a warning a call once the retry budget is spent: thousands of lines, no news
        logging.getLogger("wechat_async").setLevel(logging.ERROR)
        for transport, backend in _TRANSPORTS:
            row = anyio.run(_failing_calls, transport, 6_000, backend=backend)
            print(f"sockets {transport}/{backend}: {row}", flush=True)


if __name__ == "__main__":
    main()

"""A sync "up to now" on a live merchant: orders keep arriving while ``iter_orders`` runs.

The local WeChat streams ``--rate`` new orders a second on top of ``--orders`` old ones; the
sync reads everything from the start up to now (ASC). Reported: requests made against the
pages the final data needs plus one per window (the goal is at most 1.1x that), and that every
order that existed when the sync ended at its window was read once.

    python -m benchmarks.bench_live_sync [--orders 20000] [--rate 200]
"""

from __future__ import annotations

import argparse
import math
import time

import anyio

from benchmarks._harness import Server, pin
from wechat_async import WeChatClient
from wechat_async.giftcard import split_windows

START = 1_767_225_600


async def _sync(server: Server, end: int) -> tuple[int, int]:
    seen: set[str] = set()
    repeats = 0
    async with (
        WeChatClient(server.appid, server.secret, base_url=server.base_url) as client,
        client.giftcard.iter_orders(START, end, concurrency=16) as orders,
    ):
        async for order in orders:
            if order.order_id in seen:
                repeats += 1
            seen.add(order.order_id)
    return len(seen), repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=200.0)
    args, _ = parser.parse_known_args()
    pin(0)
    # The old orders end now: the sync's last window is the live one.
    now = int(time.time())
    days = max(1, (now - START) // 86400)
    extra = ("--orders-per-second", str(args.rate), "--days", str(days))
    with Server(args.orders, 0.0, *extra) as server:
        before = server.requests_served()
        read, repeats = anyio.run(_sync, server, int(time.time()) + 3600)
        requests = server.requests_served() - before - 1
        total = server.stats()["orders"]
    windows = split_windows(START, int(time.time()) + 3600)
    pages = sum(1 for _ in windows) + math.ceil(total / 100)
    print(
        f"live sync: {args.orders:,} orders + {args.rate:g}/s arriving: read {read:,} of "
        f"{total:,} ({repeats} repeats), {requests} requests for {pages} pages + windows "
        f"({requests / pages:.2f}x, goal <= 1.10x)"
    )


if __name__ == "__main__":
    main()

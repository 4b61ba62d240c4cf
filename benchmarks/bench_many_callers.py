"""10,000 callers at once, each with a short deadline: does every call finish by it?

Each caller makes one ``order/get`` call against the local WeChat (its own process and core)
with a ``--deadline`` second deadline, all started together, on each transport and backend. A
ticker task measures the longest the event loop went without running it: a pool whose waiting
costs grow with the queue stalls the loop, and no deadline fires while it is stalled.

    python -m benchmarks.bench_many_callers [--calls 10000] [--deadline 5] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter

import anyio

from benchmarks._harness import Server, pin
from wechat_async import RetryPolicy, TransportError, WeChatClient
from wechat_async.transports import HttpxTransport, Transport

_TICK = 0.01


async def _run(
    server: Server, transport: str, calls: int, deadline: float, pool: int | None
) -> tuple[float, Counter[str], float]:
    outcomes: Counter[str] = Counter()
    stalls = [0.0]
    chosen: Transport | str = transport
    if transport == "httpx" and pool is not None:
        chosen = HttpxTransport(max_connections=pool)
    async with WeChatClient(
        server.appid,
        server.secret,
        base_url=server.base_url,
        transport=chosen,  # type: ignore[arg-type]
        retry=RetryPolicy(deadline=deadline),
    ) as client:
        await client.giftcard.get_order(order_id="FAKE00000001")  # the token, outside the clock

        async def call() -> None:
            try:
                await client.giftcard.get_order(order_id="FAKE00000001")
                outcomes["ok"] += 1
            except TransportError as exc:
                if "deadline" in str(exc):
                    outcomes["deadline"] += 1
                else:
                    outcomes[str(exc).partition(" at ")[0]] += 1
            except Exception as exc:  # counted, shown by name
                outcomes[type(exc).__name__] += 1

        async def ticker() -> None:
            last = time.monotonic()
            while True:
                await anyio.sleep(_TICK)
                now = time.monotonic()
                stalls.append(now - last - _TICK)
                last = now

        started, cpu = time.monotonic(), time.process_time()
        async with anyio.create_task_group() as outer:
            outer.start_soon(ticker)
            async with anyio.create_task_group() as tg:
                for _ in range(calls):
                    tg.start_soon(call)
            outer.cancel_scope.cancel()
        elapsed = time.monotonic() - started
        outcomes["cpu ms"] = round((time.process_time() - cpu) * 1000)
        if isinstance(chosen, HttpxTransport):
            await chosen.aclose()
    return elapsed, outcomes, max(stalls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--deadline", type=float, default=5.0)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--pool", type=int, default=None, help="the httpx transport's pool")
    parser.add_argument("--only", choices=["httpx", "aiohttp"], default=None)
    args, _ = parser.parse_known_args()
    pin(0)
    logging.getLogger("wechat_async").setLevel(logging.ERROR)  # no line per unretried call
    runs = [("asyncio", "aiohttp"), ("asyncio", "httpx"), ("trio", "httpx")]
    with Server(100, args.latency) as server:
        for backend, transport in runs:
            if args.only not in (None, transport):
                continue
            elapsed, outcomes, stall = anyio.run(
                _run, server, transport, args.calls, args.deadline, args.pool, backend=backend
            )
            print(
                f"{transport} on {backend}: {args.calls:,} calls, {args.deadline:g} s deadline, "
                f"{args.latency * 1000:g} ms latency: done in {elapsed:.1f} s; "
                + ", ".join(f"{n:,} {k}" for k, n in sorted(outcomes.items()))
                + f"; longest loop stall {stall:.2f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()

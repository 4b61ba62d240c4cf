"""Stale keep-alive connections: how many calls fail as "may have been applied" though the
server never received them.

A server on 127.0.0.1 closes each connection ``--keepalive`` seconds after its last reply.
Workers call a non-idempotent endpoint, each waiting about that long between calls (a few
milliseconds either side), while a busy task keeps the event loop from reading sockets for a
few milliseconds at a time, as a loaded service does. A failure with
``may_have_been_applied=True`` whose body the server never read is a false alarm.

    python -m benchmarks.bench_stale_connections [--calls 300] [--keepalive 0.25]
"""

from __future__ import annotations

import argparse
import random
import time

import anyio
import attrs

from tests.http_peer import KeepAlivePeer
from wechat_async import (
    EmptyResponse,
    Endpoint,
    Namespace,
    RetryPolicy,
    TransportError,
    WeChatClient,
)


@attrs.define(kw_only=True)
class _Refund:
    n: int


class _Probe(Namespace):
    refund = Endpoint("POST", "/t/refund", _Refund, EmptyResponse, idempotent=False)


async def _token() -> str:
    return "TOKEN_bench"


async def _run(transport: str, calls: int, keepalive: float, workers: int) -> dict[str, int]:
    counts = {"served": 0, "false alarms": 0, "ambiguous, received": 0, "not sent": 0}
    with KeepAlivePeer(keepalive=keepalive) as peer:
        async with WeChatClient(
            "wx0123456789abcdef",
            token_provider=_token,
            base_url=peer.base_url,
            transport=transport,  # type: ignore[arg-type]
            retry=RetryPolicy(deadline=10),
        ) as client:
            probe = _Probe(client)
            numbers = iter(range(calls))
            done = anyio.Event()

            async def busy() -> None:  # the loop reads no socket while this runs
                while not done.is_set():
                    until = time.perf_counter() + 0.004
                    while time.perf_counter() < until:
                        pass
                    await anyio.sleep(0.001)

            async def worker() -> None:
                for n in numbers:
                    await anyio.sleep(keepalive + random.uniform(-0.004, 0.004))
                    try:
                        await probe.refund(n=n)
                        counts["served"] += 1
                    except TransportError as exc:
                        if not exc.may_have_been_applied:
                            counts["not sent"] += 1
                        elif any(line.endswith(f'{{"n":{n}}}') for line in peer.received):
                            counts["ambiguous, received"] += 1
                        else:
                            counts["false alarms"] += 1

            async with anyio.create_task_group() as outer:
                outer.start_soon(busy)
                async with anyio.create_task_group() as tg:
                    for _ in range(workers):
                        tg.start_soon(worker)
                done.set()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--keepalive", type=float, default=0.25)
    parser.add_argument("--workers", type=int, default=5)
    args, _ = parser.parse_known_args()
    runs = [("asyncio", "aiohttp"), ("asyncio", "httpx"), ("trio", "httpx")]
    for backend, transport in runs:
        started = time.monotonic()
        counts = anyio.run(
            _run, transport, args.calls, args.keepalive, args.workers, backend=backend
        )
        print(
            f"{transport} on {backend}: {args.calls} non-idempotent calls against a "
            f"{args.keepalive:g} s keep-alive in {time.monotonic() - started:.0f} s: "
            + ", ".join(f"{n} {k}" for k, n in counts.items()),
            flush=True,
        )


if __name__ == "__main__":
    main()

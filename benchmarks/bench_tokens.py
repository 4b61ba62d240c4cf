"""1,000 concurrent callers with short-lived tokens: how many token requests the SDK makes.

The local WeChat issues tokens that live ``--ttl`` seconds through ``cgi-bin/token`` (each
fetch supersedes the last, no grace); 1,000 tasks call ``order/get`` for ``--seconds``. The
figure that matters is token requests against the token lifetimes the run spans (one fetch
per lifetime is the floor), and that no call fails.

    python -m benchmarks.bench_tokens [--callers 1000] [--ttl 2] [--seconds 6]
"""

from __future__ import annotations

import argparse
import math
import time

import anyio

from benchmarks._harness import Server, pin
from wechat_async import WeChatClient


async def _run(server: Server, callers: int, seconds: float) -> tuple[int, int]:
    calls = failures = 0
    reasons: dict[str, int] = {}
    order_id = "FAKE00000001"
    async with WeChatClient(
        server.appid, server.secret, base_url=server.base_url, token_endpoint="token"
    ) as client:
        stop = time.monotonic() + seconds

        async def caller() -> None:
            nonlocal calls, failures
            while time.monotonic() < stop:
                try:
                    await client.giftcard.get_order(order_id=order_id)
                    calls += 1
                except Exception as exc:
                    failures += 1
                    reasons[type(exc).__name__ + ": " + str(exc)[:120]] = 1

        async with anyio.create_task_group() as tg:
            for _ in range(callers):
                tg.start_soon(caller)
    for reason in list(reasons)[:3]:
        print("failure:", reason)
    return calls, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--callers", type=int, default=1000)
    parser.add_argument("--ttl", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=6.0)
    args, _ = parser.parse_known_args()
    pin(0)
    extra = ("--token-ttl", str(args.ttl), "--token-grace", "0")
    with Server(10, 0.0, *extra) as server:
        started = time.monotonic()
        calls, failures = anyio.run(_run, server, args.callers, args.seconds)
        spanned = math.ceil((time.monotonic() - started) / args.ttl)
        fetched = server.stats()["tokens_issued"]
    print(
        f"tokens: {args.callers} concurrent callers for {args.seconds:g} s, tokens live "
        f"{args.ttl} s (no grace): {calls:,} calls, {failures} failed, {fetched} token "
        f"requests for {spanned} lifetimes spanned (floor {spanned})"
    )


if __name__ == "__main__":
    main()

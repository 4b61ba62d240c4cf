"""Sequential calls (one at a time, no latency): what a request handler pays per call.

Each client makes the same ``order/get`` calls one after the other against the local WeChat
(its own process and core): bare requests (a ``Session``), a bare aiohttp session, and the
SDK on each transport and backend. Reported as calls/s with ratios to bare requests and to
bare aiohttp, medians of interleaved rounds.

    python -m benchmarks.bench_sequential [--calls 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Callable
from typing import Any

import anyio

from benchmarks._harness import Server, median, pin, print_table, timed
from wechat_async import WeChatClient

PATH = "/card/giftcard/order/get"
BARE_REQUESTS = "requests, one Session"
BARE_AIOHTTP = "aiohttp, one ClientSession"


def _token(server: Server) -> str:
    import httpx

    reply = httpx.post(
        server.base_url + "/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": server.appid, "secret": server.secret},
    )
    token: str = reply.json()["access_token"]
    return token


def _order_ids(server: Server, calls: int) -> list[str]:
    import httpx

    from benchmarks._harness import START

    token = _token(server)
    reply = httpx.post(
        server.base_url + "/card/giftcard/order/batchget",
        params={"access_token": token},
        json={"begin_time": START, "end_time": START + 86400 * 31, "offset": 0, "count": 100},
    ).json()
    ids = [o["order_id"] for o in reply["order_list"]]
    return [ids[i % len(ids)] for i in range(calls)]


def bare_requests(server: Server, ids: list[str]) -> int:
    import requests

    token = _token(server)
    with requests.Session() as session:
        for order_id in ids:
            data = session.post(
                server.base_url + PATH,
                params={"access_token": token},
                json={"order_id": order_id},
                timeout=30,
            ).json()
            if data.get("errcode", 0):
                raise RuntimeError(data)
    return len(ids)


async def bare_aiohttp(server: Server, ids: list[str]) -> int:
    import aiohttp

    token = _token(server)
    async with aiohttp.ClientSession() as session:
        for order_id in ids:
            async with session.post(
                server.base_url + PATH,
                params={"access_token": token},
                data=json.dumps({"order_id": order_id}),
                headers={"content-type": "application/json"},
            ) as response:
                data = json.loads(await response.read())
            if data.get("errcode", 0):
                raise RuntimeError(data)
    return len(ids)


async def sdk(server: Server, ids: list[str], *, transport: str) -> int:
    async with WeChatClient(
        server.appid,
        server.secret,
        base_url=server.base_url,
        transport=transport,  # type: ignore[arg-type]
    ) as client:
        for order_id in ids:
            await client.giftcard.get_order(order_id=order_id)
    return len(ids)


def _on(backend: str, fn: Callable[..., Any], **kwargs: Any) -> Callable[[Server, list[str]], int]:
    def run(server: Server, ids: list[str]) -> int:
        result: int = anyio.run(functools.partial(fn, server, ids, **kwargs), backend=backend)
        return result

    return run


def clients() -> dict[str, Callable[[Server, list[str]], int]]:
    return {
        BARE_REQUESTS: bare_requests,
        BARE_AIOHTTP: _on("asyncio", bare_aiohttp),
        "sdk, aiohttp": _on("asyncio", sdk, transport="aiohttp"),
        "sdk, httpx": _on("asyncio", sdk, transport="httpx"),
        "sdk, httpx, trio": _on("trio", sdk, transport="httpx"),
    }


def run(calls: int, rounds: int, only: list[str] | None = None) -> dict[str, float]:
    chosen = {k: v for k, v in clients().items() if only is None or k in only}
    with Server(200, 0.0) as server:
        ids = _order_ids(server, calls)
        seconds: dict[str, list[float]] = {name: [] for name in chosen}
        for _ in range(rounds):
            for name, client in chosen.items():
                count, elapsed = timed(lambda c=client: c(server, ids))
                assert count == calls
                seconds[name].append(elapsed)
    return {name: calls / median(s) for name, s in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args, _ = parser.parse_known_args()
    pin(0)
    rates = run(args.calls, args.rounds)
    print_table(
        f"sequential calls: {args.calls:,} x order/get, no latency, median of {args.rounds}",
        rates,
        "calls/s",
        [BARE_REQUESTS, BARE_AIOHTTP],
    )


if __name__ == "__main__":
    main()

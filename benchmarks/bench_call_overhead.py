"""CPU cost the SDK adds to one call, against a hand-written raw-httpx call.

Both sides use the same in-memory transport (no sockets, no latency), so the difference is
the SDK's own work: validation, JSON, URL building, token lookup, errcode check, parsing.

``--observability`` measures instead what observing adds to a call, on a transport that
answers at once (no HTTP at all, so only the SDK's and the observers' own work counts): no
hooks, five hooks doing nothing, ``OpenTelemetryHooks`` on the API alone and on the SDK.
CPU microseconds a call, medians of interleaved rounds.

    python benchmarks/bench_call_overhead.py [--calls 20000] [--observability [--rounds 5]]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Mapping

import anyio
import httpx

from wechat_async import WeChatClient
from wechat_async.transports import Timeouts, TransportResponse

BASE = "https://api.weixin.qq.com"
REPLY = json.dumps({"errcode": 0, "errmsg": "ok", "result_page_url": "https://x"}).encode()
TOKEN_REPLY = json.dumps({"access_token": "T", "expires_in": 7200}).encode()
CALL = {
    "openid": "o",
    "biz_template_id": "t",
    "order_no": "1",
    "data": {"first": {"value": "巧克力", "color": "#173177"}},
}


def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("stable_token"):
        return httpx.Response(200, content=TOKEN_REPLY)
    return httpx.Response(200, content=REPLY)


async def _run(calls: int) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_handler)) as http:
        client = WeChatClient("wx", "secret", http_client=http)
        send = client.cityservice.send_msg_data
        await send(**CALL)  # type: ignore[arg-type]
        started = time.perf_counter()
        for _ in range(calls):
            await send(**CALL)  # type: ignore[arg-type]
        sdk = time.perf_counter() - started

        started = time.perf_counter()
        for _ in range(calls):
            response = await http.post(
                f"{BASE}/cityservice/sendmsgdata",
                params={"access_token": "T"},
                content=json.dumps(CALL, ensure_ascii=False).encode(),
                headers={"content-type": "application/json"},
            )
            if response.json()["errcode"] != 0:
                raise RuntimeError("unexpected reply")
        raw = time.perf_counter() - started

    print(f"calls: {calls}")
    print(f"sdk: {calls / sdk:,.0f} calls/s ({sdk / calls * 1e6:.1f} us/call)")
    print(f"raw httpx: {calls / raw:,.0f} calls/s ({raw / calls * 1e6:.1f} us/call)")
    print(f"ratio sdk/raw throughput: {raw / sdk:.2f}x")


class _Answering:
    """A transport that answers every request at once, with the same order/get reply."""

    reply = json.dumps({"errcode": 0, "errmsg": "ok", "order": {"order_id": "o1"}}).encode()

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeouts: Timeouts,
    ) -> TransportResponse:
        return TransportResponse(200, {}, self.reply)

    async def aclose(self) -> None:
        pass


async def _token() -> str:
    return "TOKEN_0123456789abcdef"


async def _observed(observe: str | None, calls: int) -> float:
    """CPU microseconds a call (this process, every thread: span export included)."""
    from benchmarks.bench_sequential import _hooks

    async with WeChatClient(
        "wx", token_provider=_token, transport=_Answering(), hooks=_hooks(observe)
    ) as client:
        get = client.giftcard.get_order
        for _ in range(200):  # warm: first-use costs are not a call's
            await get(order_id="o1")
        started = time.process_time()
        for _ in range(calls):
            await get(order_id="o1")
        return (time.process_time() - started) / calls * 1e6


def observability(calls: int, rounds: int) -> dict[str, float]:
    from benchmarks.bench_sequential import OBSERVERS

    cpu: dict[str | None, list[float]] = {observe: [] for observe in OBSERVERS}
    for _ in range(rounds):
        for observe in OBSERVERS:
            cpu[observe].append(anyio.run(_observed, observe, calls))
    return {OBSERVERS[observe]: statistics.median(us) for observe, us in cpu.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--observability", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    args, _ = parser.parse_known_args()
    if not args.observability:
        anyio.run(_run, args.calls)
        return
    cpu = observability(args.calls, args.rounds)
    base = next(iter(cpu.values()))
    print(
        f"what observing adds: {args.calls:,} x order/get answered at once, median of {args.rounds}"
    )
    for name, us in cpu.items():
        print(f"{name:28} {us:7.1f} us CPU/call ({us - base:+.1f})")


if __name__ == "__main__":
    main()

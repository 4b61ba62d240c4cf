"""CPU cost of one push through ``CallbackRouter.handle``: signature, XML parse, nonce markers,
claim, the handler beside its claim-renewing task, done mark, reply. In process, no sockets.

Three cases on asyncio and trio: a new push (claim, run, complete), a duplicate of a handled
one (claim answers DONE, nothing runs), and the parse-only baseline (``parse_event``), so the
router's own share is the difference. Then the memory one handled push keeps (its claim and
nonce markers) when its FromUserName is 512 KB.

    python -m benchmarks.bench_pushes [--pushes 5000]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import anyio

from wechat_async.callbacks import CallbackRouter, GiftCardPayDone, parse_event
from wechat_async.callbacks._signature import sign

TOKEN = "bench-token"
NOW = 1_700_000_000


def _query(nonce: str) -> dict[str, str]:
    """Each push signed with its own nonce, as WeChat sends them."""
    return {"signature": sign(TOKEN, str(NOW), nonce), "timestamp": str(NOW), "nonce": nonce}


def _push(order_id: str) -> bytes:
    return (
        "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName>"
        "<FromUserName><![CDATA[obLatjgoYejavUtHsWwrX-2GtFJE]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[giftcard_pay_done]]></Event>"
        f"<OrderId><![CDATA[{order_id}]]></OrderId></xml>"
    ).encode()


async def _rates(pushes: int) -> dict[str, float]:
    router = CallbackRouter(TOKEN, clock=lambda: NOW)
    handled = 0

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        nonlocal handled
        handled += 1

    bodies = [(_query(str(i)), _push(f"ORDER{i:08d}")) for i in range(pushes)]
    rates: dict[str, float] = {}

    started = time.perf_counter()
    for _, body in bodies:
        parse_event(body)
    rates["parse only"] = pushes / (time.perf_counter() - started)

    started = time.perf_counter()
    for query, body in bodies:
        if (await router.handle("POST", query, body)).status != 200:
            raise RuntimeError("push refused")
    rates["new push"] = pushes / (time.perf_counter() - started)

    started = time.perf_counter()
    for query, body in bodies:  # retried as it was sent
        if (await router.handle("POST", query, body)).status != 200:
            raise RuntimeError("duplicate refused")
    rates["duplicate"] = pushes / (time.perf_counter() - started)

    if handled != pushes:
        raise RuntimeError(f"{handled} handler runs for {pushes} pushes")
    return rates


async def _kept_bytes(pushes: int, from_user_bytes: int = 512 * 1024) -> float:
    """Memory the router and its in-memory store keep per handled push whose FromUserName
    is ``from_user_bytes`` long (what a push holds for the 25 hours WeChat may retry it)."""
    router = CallbackRouter(TOKEN, clock=lambda: NOW)

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        pass

    long_name = b"o" * from_user_bytes
    bodies = [
        (
            _query(f"m{i}"),
            _push(f"ORDER{i:08d}").replace(b"obLatjgoYejavUtHsWwrX-2GtFJE", long_name),
        )
        for i in range(pushes + 1)
    ]
    await router.handle("POST", *bodies.pop())  # imports and caches out of the count
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for query, body in bodies:
            if (await router.handle("POST", query, body)).status != 200:
                raise RuntimeError("push refused")
        bodies.clear()
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / pushes
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pushes", type=int, default=5000)
    args, _ = parser.parse_known_args()
    print(f"pushes: {args.pushes} (rates in pushes/s, us per push)")
    for backend in ("asyncio", "trio"):
        rates = anyio.run(_rates, args.pushes, backend=backend)
        for case, rate in rates.items():
            print(f"{backend:8} {case:11} {rate:10,.0f}/s {1e6 / rate:8.1f} us")
    kept = anyio.run(_kept_bytes, 50)
    print(f"kept per handled push with a 512 KB FromUserName: {kept / 1024:,.1f} KB")


if __name__ == "__main__":
    main()

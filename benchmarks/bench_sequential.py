"""Sequential calls (one at a time, no latency): what a request handler pays per call.

Each client makes the same ``order/get`` calls one after the other against the local WeChat
(its own process and core): bare requests (a ``Session``), a bare aiohttp session, and the
SDK on each transport and backend. Reported as calls/s with ratios to bare requests and to
bare aiohttp, medians of interleaved rounds.

``--observability`` measures instead what observing costs, on each asyncio transport: no hooks,
five hooks that do nothing, ``OpenTelemetryHooks`` on the API alone (no SDK: no-op spans and
instruments), and on the SDK (spans batched to an exporter that drops them, metrics to an
in-memory reader).

    python -m benchmarks.bench_sequential [--calls 2000] [--rounds 3] [--observability]
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections.abc import Callable
from typing import Any

import anyio

from benchmarks._harness import Server, median, pin, print_table, timed
from wechat_async import Hooks, WeChatClient

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


async def sdk(server: Server, ids: list[str], *, transport: str, observe: str | None = None) -> int:
    async with WeChatClient(
        server.appid,
        server.secret,
        base_url=server.base_url,
        transport=transport,  # type: ignore[arg-type]
        hooks=_hooks(observe),
    ) as client:
        for order_id in ids:
            await client.giftcard.get_order(order_id=order_id)
    return len(ids)


async def _nothing(event: object) -> None:
    pass


def _hooks(observe: str | None) -> Hooks | None:
    if observe is None:
        return None
    if observe == "hooks":
        return Hooks(
            on_request=_nothing,
            on_response=_nothing,
            on_retry=_nothing,
            on_call_end=_nothing,
            on_token_refresh=_nothing,
        )
    from wechat_async.otel import OpenTelemetryHooks

    if observe == "otel-api":
        return OpenTelemetryHooks()  # no SDK set up: the API's no-op providers
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class Dropping(SpanExporter):
        """Takes each batch as an exporter would and keeps nothing (an in-memory exporter
        would hold every span: a growing heap for the garbage collector to walk)."""

        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(Dropping()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    return OpenTelemetryHooks(tracer_provider=tracer_provider, meter_provider=meter_provider)


#: what --observability compares, on each asyncio transport
OBSERVERS = {
    None: "no hooks",
    "hooks": "5 hooks doing nothing",
    "otel-api": "OTel API only (no-op)",
    "otel-sdk": "OTel SDK (batched spans)",
}


def observability_clients() -> dict[str, Callable[[Server, list[str]], int]]:
    return {
        f"sdk, {transport}, {label}": _on("asyncio", sdk, transport=transport, observe=observe)
        for transport in ("aiohttp", "httpx")
        for observe, label in OBSERVERS.items()
    }


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


def run_observability(calls: int, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """calls/s and this process's CPU microseconds a call (the client, and the span export
    thread), medians of interleaved rounds. CPU time moves less than wall time on a busy
    machine: the per-call cost of observing is read from it."""
    chosen = observability_clients()
    with Server(200, 0.0) as server:
        ids = _order_ids(server, calls)
        for client in chosen.values():  # imports and first-use costs are not a call's
            client(server, ids[:50])
        seconds: dict[str, list[float]] = {name: [] for name in chosen}
        cpu: dict[str, list[float]] = {name: [] for name in chosen}
        for _ in range(rounds):
            for name, client in chosen.items():
                cpu_before = time.process_time()
                count, elapsed = timed(lambda c=client: c(server, ids))
                cpu[name].append((time.process_time() - cpu_before) / calls * 1e6)
                assert count == calls
                seconds[name].append(elapsed)
    rates = {name: calls / median(s) for name, s in seconds.items()}
    return rates, {name: median(c) for name, c in cpu.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--observability", action="store_true")
    args, _ = parser.parse_known_args()
    pin(0)
    if args.observability:
        rates, cpu = run_observability(args.calls, args.rounds)
        base = {t: cpu[f"sdk, {t}, {OBSERVERS[None]}"] for t in ("aiohttp", "httpx")}
        notes = {
            name: f"{us:6.1f} us CPU/call ({us - base[name.split(', ')[1]]:+.1f})"
            for name, us in cpu.items()
        }
        print_table(
            f"what observing costs: {args.calls:,} x order/get, no latency, "
            f"median of {args.rounds}",
            rates,
            "calls/s",
            [f"sdk, aiohttp, {OBSERVERS[None]}", f"sdk, httpx, {OBSERVERS[None]}"],
            notes,
        )
        return
    rates = run(args.calls, args.rounds)
    print_table(
        f"sequential calls: {args.calls:,} x order/get, no latency, median of {args.rounds}",
        rates,
        "calls/s",
        [BARE_REQUESTS, BARE_AIOHTTP],
    )


if __name__ == "__main__":
    main()

"""Where an order sync's client CPU goes, per 100-order page: a sampling profile by part.

Runs one client of ``bench_order_sync`` against the local WeChat (its own process, 20 ms a
request), after one untimed run, and samples this process's stack on a CPU-time timer
(``ITIMER_PROF``, every 0.5 ms of CPU). Each sample goes to the part its innermost known frame
belongs to (JSON decode, model building, the transport...); garbage collection is timed apart
(``gc.callbacks``) and the other parts share the rest of the CPU time by their samples.

    python -m benchmarks.profile_order_sync [--orders 100000] [--client "sdk async with, aiohttp"]
                                            [--runs 3]

The parts are found by module and function names, so the same command profiles an older
checkout of the SDK (``PYTHONPATH=<checkout> python -m benchmarks.profile_order_sync``).
"""

from __future__ import annotations

import argparse
import gc
import re
import signal
import time
from collections import Counter
from types import FrameType

from benchmarks import bench_order_sync
from benchmarks._harness import Server, pin

#: (part, pattern on "path:function"), the first part whose pattern an innermost frame matches
PARTS: list[tuple[str, str]] = [
    ("JSON decode", r"_typed\.py:decode$|_json\.py:loads$|json/decoder\.py|orjson"),
    ("building the models", r"<typed build|<compiled structure|_typed\.py|_convert\.py"),
    ("the request (checks, body)", r"_paging\.py:fill|_request\.py|_validation\.py|_checks\.py"),
    ("transport (aiohttp, httpx)", r"aiohttp/|transports/|httpx/|httpcore/|h11/|yarl/|multidict"),
    ("call path (retries, tokens)", r"_client\.py|_token\.py|_reply\.py|_paging\.py|_retry\.py"),
    ("order sync bookkeeping", r"giftcard/_sync\.py"),
    ("the consumer's loop", r"bench_order_sync\.py:_sdk|_peers\.py"),
    ("anyio", r"anyio/|sniffio/"),
    ("event loop and sockets", r"asyncio/|selectors\.py|trio/|socket\.py|uvloop"),
]
_COMPILED = [(part, re.compile(pattern)) for part, pattern in PARTS]
_INTERVAL = 0.0005


class _Sampler:
    def __init__(self) -> None:
        self.samples: Counter[str] = Counter()
        self._cache: dict[tuple[str, str], str | None] = {}

    def _part(self, frame: FrameType) -> str:
        f: FrameType | None = frame
        while f is not None:
            code = f.f_code
            key = (code.co_filename, code.co_name)
            part = self._cache.get(key, "")
            if part == "":
                where = f"{code.co_filename}:{code.co_name}"
                part = next((p for p, rx in _COMPILED if rx.search(where)), None)
                self._cache[key] = part
            if part is not None:
                return part
            f = f.f_back
        return "other"

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if frame is not None:
            self.samples[self._part(frame)] += 1

    def __enter__(self) -> _Sampler:
        signal.signal(signal.SIGPROF, self)
        signal.setitimer(signal.ITIMER_PROF, _INTERVAL, _INTERVAL)
        return self

    def __exit__(self, *_: object) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)


def profile(client: str, orders: int, runs: int, latency: float = 0.02) -> dict[str, float]:
    """Microseconds of client CPU per page, by part (and ``total``)."""
    sync = bench_order_sync.clients()[client]
    pages = orders / 100
    with Server(orders, latency) as server:
        sync(server, 32)  # imports, connections and caches out of the figures
        with _Sampler() as sampler, bench_order_sync._GcClock() as gc_clock:
            cpu = time.process_time()
            for _ in range(runs):
                if sync(server, 32) != orders:
                    raise RuntimeError(f"{client} did not read {orders} orders")
            cpu = time.process_time() - cpu
    total_us = cpu / (pages * runs) * 1e6
    gc_us = gc_clock.seconds / (pages * runs) * 1e6
    counted = sum(sampler.samples.values()) or 1
    figures = {part: (total_us - gc_us) * n / counted for part, n in sampler.samples.most_common()}
    figures["garbage collection"] = gc_us
    figures["total"] = total_us
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--client", default="sdk async with, aiohttp")
    parser.add_argument("--runs", type=int, default=3)
    args, _ = parser.parse_known_args()
    pin(0)
    gc.collect()
    figures = profile(args.client, args.orders, args.runs)
    print(f"{args.client}: {args.orders:,} orders, {args.runs} runs, client CPU per page")
    for part, us in figures.items():
        if part != "total":
            print(f"  {part:30} {us:7,.0f} us  {us / figures['total']:5.0%}")
    print(f"  {'total':30} {figures['total']:7,.0f} us")


if __name__ == "__main__":
    main()

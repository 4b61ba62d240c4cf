"""Smoke test of the order-sync benchmark: tiny, no latency, so it only proves it runs."""

from __future__ import annotations

import importlib.util
import math

import pytest

from benchmarks import bench_order_sync as bench

# requests and wechatpy are bench-only peers: the suite runs every other client always, and
# those two where they are installed (nox -s bench).
CLIENTS = [name for name in bench.clients() if name not in bench.BENCH_ONLY]


def test_benchmark_runs_every_client_over_the_same_orders() -> None:
    # run() raises when a client reads another number of orders than the server holds.
    results = bench.run(orders=200, concurrency=4, latency=0.0, rounds=1, only=CLIENTS)
    assert set(results) == set(CLIENTS)
    for figures in results.values():
        # 200 orders over 100 days: 4 windows, one page each, plus the token
        assert figures["requests"] == 5
        assert figures["pages"] == 4
        assert figures["orders_per_s"] > 0
        assert figures["client_us_per_page"] > 0
        assert figures["peak_mb"] > 0


@pytest.mark.parametrize(
    "peer", [bench.AIOHTTP_LEAN, *bench.BENCH_ONLY], ids=["lean", "requests", "wechatpy"]
)
def test_each_reference_reads_the_pages_the_sdk_reads(peer: str) -> None:
    module = "wechatpy" if peer == bench.WECHATPY_THREADS else peer.split(",")[0].split()[0]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is a bench-only peer, not installed here")
    sdk = "sdk async for, aiohttp"
    results = bench.run(orders=1000, concurrency=4, latency=0.0, rounds=1, only=[peer, sdk])
    assert results[peer]["pages"] == results[sdk]["pages"] > 4  # more than the first pages
    assert results[peer]["requests"] == results[sdk]["requests"]
    assert results[peer]["client_us_per_page"] > 0


def test_peak_memory_run_can_be_skipped() -> None:
    results = bench.run(orders=200, concurrency=4, latency=0.0, rounds=1, only=["lean"], peak=False)
    assert math.isnan(results[bench.AIOHTTP_LEAN]["peak_mb"])

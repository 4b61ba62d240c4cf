"""Smoke test of the order-sync benchmark: tiny, no latency, so it only proves it runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).parents[2] / "benchmarks" / "bench_order_sync.py"


def test_benchmark_runs_every_loop_over_the_same_orders() -> None:
    spec = importlib.util.spec_from_file_location("bench_order_sync", BENCH)
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # run() raises when a loop reads another number of orders than the server holds.
    results = bench.run(orders=200, concurrency=4, latency=0.0, rounds=1)
    assert set(results) == {
        "sdk iter_orders (async with)",
        "sdk iter_orders (async for)",
        "raw httpx loop",
    }
    for figures in results.values():
        # 200 orders over 100 days: 4 windows, one page each, plus the token
        assert figures["requests"] == 5
        assert figures["orders_per_s"] > 0
        assert figures["peak_mb"] > 0

"""Smoke test of the order-sync benchmark: tiny, no latency, so it only proves it runs."""

from __future__ import annotations

import pytest

from benchmarks import bench_order_sync as bench

# requests is a bench-only peer: the test suite runs every other client.
CLIENTS = [name for name in bench.clients() if name != bench.REQUESTS_THREADS]


@pytest.mark.slow
def test_benchmark_runs_every_client_over_the_same_orders() -> None:
    # run() raises when a client reads another number of orders than the server holds.
    results = bench.run(orders=200, concurrency=4, latency=0.0, rounds=1, only=CLIENTS)
    assert set(results) == set(CLIENTS)
    for figures in results.values():
        # 200 orders over 100 days: 4 windows, one page each, plus the token
        assert figures["requests"] == 5
        assert figures["orders_per_s"] > 0
        assert figures["peak_mb"] > 0

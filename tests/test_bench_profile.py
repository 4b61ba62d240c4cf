"""Smoke test of the per-page CPU profile of an order sync: tiny, no latency, so it only
proves it runs and that its parts add up to the CPU time it measured."""

from __future__ import annotations

import math

import pytest

from benchmarks import profile_order_sync as profile


@pytest.mark.slow
def test_the_parts_add_up_to_the_client_cpu_per_page() -> None:
    figures = profile.profile("sdk async with, aiohttp", orders=2_000, runs=1, latency=0.0)
    total = figures.pop("total")
    assert total > 0
    assert math.isclose(sum(figures.values()), total, rel_tol=1e-6)
    known = {part for part, _ in profile.PARTS} | {"garbage collection", "other"}
    assert set(figures) <= known

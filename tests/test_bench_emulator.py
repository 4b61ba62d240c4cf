"""The emulator benchmark still runs: every mode serves full pages (small counts)."""

from __future__ import annotations

import anyio
import pytest

from benchmarks.bench_emulator import _measure


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("mode", ["in-process", "served"])
def test_each_mode_serves_full_pages(backend: str, mode: str) -> None:
    rate = anyio.run(_measure, mode, 20, 4, backend=backend)
    assert rate > 0

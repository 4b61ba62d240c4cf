"""Smoke test of the decode benchmark: a few pages, so it only proves the paths it compares
read the same page into the same objects."""

from __future__ import annotations

import pytest

from benchmarks import bench_decode as bench
from wechat_async._reply import decode_json, parse_response


@pytest.mark.slow
def test_every_path_of_the_benchmark_reads_the_same_page() -> None:
    # run() raises when the compiled structuring and the converter's disagree on the page.
    figures = bench.run(pages=2, repeats=1)
    assert "structure: compiled per model (after)" in figures
    assert "page now, typed: read_reply + parse_response" in figures  # msgspec: test extra
    page = parse_response(bench.ENDPOINT, decode_json(bench.ENDPOINT, 200, bench.page_body()))
    assert len(page.order_list) == 100
    assert all(order.card_list for order in page.order_list)

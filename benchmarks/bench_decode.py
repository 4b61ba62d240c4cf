"""Decoding and structuring one ``batch_get_orders`` page of 100 orders, the order sync's
per-page CPU cost, taken apart: JSON parsing (json against orjson) and structuring (the cattrs
converter the SDK used before against the structure function compiled per response model),
and the typed path (msgspec, the ``fast`` extra) that decodes the bytes straight into the
model's mirror and builds the models from it.

The page is the local WeChat's own (``OrderBook``, the orders it serves), encoded as it sends
them. Garbage collection stays on: the allocations it is triggered by are part of the cost.

    python benchmarks/bench_decode.py [--pages 2000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from wechat_async._convert import _fast_converter, structure_response, typed_responses
from wechat_async._json import loads
from wechat_async._reply import decode_json, parse_response, read_reply
from wechat_async.giftcard import GiftCardNamespace
from wechat_async.giftcard.models import BatchGetOrdersResponse
from wechat_async.testing._orders import OrderBook

try:
    import orjson
except ImportError:  # the ``fast`` extra is optional
    orjson = None

ENDPOINT = GiftCardNamespace.batch_get_orders
START = 1_767_225_600


def page_body(orders: int = 100) -> bytes:
    """One reply page as the local WeChat sends it."""
    book = OrderBook.generate(orders * 10, start=START, days=100, seed=7)
    total, page = book.page(START, START + 100 * 86400, descending=False, offset=0, count=orders)
    reply = {"errcode": 0, "errmsg": "ok", "total_count": total, "order_list": page}
    return json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode()


def _body_only(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("errcode", "errmsg")}


def _time_per_page(work: Callable[[], object], pages: int, repeats: int) -> float:
    """Median microseconds per page over ``repeats`` runs of ``pages`` pages."""
    runs = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        for _ in range(pages):
            work()
        runs.append((time.perf_counter() - start) / pages * 1e6)
    return statistics.median(runs)


def run(pages: int, repeats: int) -> dict[str, float]:
    body = page_body()
    data = json.loads(body)
    inner = _body_only(data)
    before = _fast_converter.structure(inner, BatchGetOrdersResponse)
    after = structure_response(inner, BatchGetOrdersResponse)
    if before != after or [o.extra for o in before.order_list] != [
        o.extra for o in after.order_list
    ]:
        raise SystemExit("compiled structuring differs from the converter's: not comparable")

    cases: dict[str, Callable[[], object]] = {
        "parse: json.loads": lambda: json.loads(body),
        "structure: cattrs converter (before)": lambda: _fast_converter.structure(
            inner, BatchGetOrdersResponse
        ),
        "structure: compiled per model (after)": lambda: structure_response(
            inner, BatchGetOrdersResponse
        ),
        "page before: json + cattrs": lambda: _fast_converter.structure(
            _body_only(json.loads(body)), BatchGetOrdersResponse
        ),
        "page, generic path: decode_json + parse_response": lambda: parse_response(
            ENDPOINT, decode_json(ENDPOINT, 200, body)
        ),
    }
    typed = typed_responses.for_class(BatchGetOrdersResponse)
    if typed is not None:
        read = parse_response(ENDPOINT, read_reply(ENDPOINT, 200, {}, body).data)
        if read != after or [o.extra for o in read.order_list] != [
            o.extra for o in after.order_list
        ]:
            raise SystemExit("the typed path differs from the converter's: not comparable")
        cases["parse: msgspec into the mirror"] = lambda: typed.decode(200, body)
        cases["page now, typed: read_reply + parse_response"] = lambda: parse_response(
            ENDPOINT, read_reply(ENDPOINT, 200, {}, body).data
        )
    if orjson is not None:
        cases["parse: orjson.loads"] = lambda: orjson.loads(body)
        cases["parse: SDK loads (orjson, json fallback)"] = lambda: loads(body)
        cases["page now, json only: json + compiled"] = lambda: structure_response(
            _body_only(json.loads(body)), BatchGetOrdersResponse
        )
    return {name: _time_per_page(work, pages, repeats) for name, work in cases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args, _ = parser.parse_known_args()  # nox passes options every benchmark accepts
    body = page_body()
    typed = "on" if typed_responses.for_class(BatchGetOrdersResponse) else "not installed"
    print(
        f"one page: 100 orders, {len(body)} bytes; orjson "
        f"{'on' if orjson else 'not installed'}; msgspec {typed}"
    )
    for name, micros in run(args.pages, args.repeats).items():
        print(f"{name:50} {micros:9.1f} us/page")


if __name__ == "__main__":
    main()

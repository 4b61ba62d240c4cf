"""The README's delivery block runs as written against the emulator: a quote, the order, its
status, a cancel. (It once quoted with ``pre_add_order`` and then read the order with
``get_order``, which WeChat answers 930563: a quote places nothing.)"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from wechat_async import DeliveryOrderNotFoundError
from wechat_async.delivery import OrderStatus
from wechat_async.testing import CarrierAccount, Emulator

README = Path(__file__).resolve().parents[2] / "README.md"


def _delivery_block() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "client.delivery.add_account" in b]
    return str(block)


async def _run(block: str, client: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme"}
    source = "async def readme_block(client):\n" + textwrap.indent(block, "    ")
    source += "\n    return locals()\n"
    exec(compile(source, str(README), "exec"), namespace)  # noqa: S102 - our own README
    result: dict[str, Any] = await namespace["readme_block"](client)
    return result


def _emulator() -> Emulator:
    # The README's placeholder carrier account, bound as WeChat would bind a real one.
    return Emulator(carrier_accounts=[CarrierAccount("carrier-appkey", "...", "SFTC")])


def test_the_block_quotes_orders_reads_and_cancels() -> None:
    block = _delivery_block()
    calls = re.findall(r"client\.delivery\.(\w+)", block)
    assert calls == ["add_account", "pre_add_order", "add_order", "get_order", "cancel_order"]


async def test_the_readme_delivery_flow_runs_against_the_emulator() -> None:
    wx = _emulator()
    async with wx.client() as client:
        done = await _run(_delivery_block(), client)
    assert done["quote"].fee > 0
    assert done["placed"].waybill_id
    assert done["status"].order_status == OrderStatus.WAITING_FOR_RIDER
    assert done["cancelled"].deduct_fee == 0  # no rider yet: nothing kept
    order = wx.delivery.orders[("carrier-appkey", "A1")]
    assert order["order_status"] == OrderStatus.MERCHANT_CANCELLED


async def test_a_quote_alone_places_no_order() -> None:
    """Why the block orders after quoting: the quote alone leaves nothing to read."""
    block = _delivery_block().split("placed = await", 1)[0]
    wx = _emulator()
    async with wx.client() as client:
        await _run(block, client)
        with pytest.raises(DeliveryOrderNotFoundError):
            await client.delivery.get_order(shopid="carrier-appkey", shop_order_id="A1")

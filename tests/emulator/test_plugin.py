"""The pytest plugin users get: the ``wechat_emulator`` fixture and its marker."""

from __future__ import annotations

import pytest

from wechat_async.testing import Emulator


async def test_the_fixture_is_a_fresh_emulator_usable_in_process(
    wechat_emulator: Emulator,
) -> None:
    assert len(wechat_emulator.book) == 100
    async with wechat_emulator.client() as client:
        orders = [
            o
            async for o in client.giftcard.iter_orders(
                wechat_emulator.start_time, wechat_emulator.end_time
            )
        ]
    assert len({o.order_id for o in orders}) == 100


@pytest.mark.wechat_emulator(orders=7, seed=3, token_ttl=60)
async def test_the_marker_configures_it_and_it_serves_on_a_port(
    wechat_emulator: Emulator,
) -> None:
    async with wechat_emulator as wx, wx.client() as client:
        assert wx.base_url.startswith("http://127.0.0.1:")
        order_id = wx.book.orders()[0]["order_id"]
        assert (await client.giftcard.get_order(order_id=order_id)).order.order_id == order_id
    assert len(wechat_emulator.book) == 7
    assert wechat_emulator.tokens.ttl == 60

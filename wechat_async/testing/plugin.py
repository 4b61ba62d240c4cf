"""pytest plugin (registered as ``wechat_async`` under ``pytest11``): the ``wechat_emulator``
fixture, a fresh, started ``Emulator`` for each async test.

    @pytest.mark.anyio
    async def test_my_push_handler(wechat_emulator: Emulator) -> None:
        wechat_emulator.push_to(app=my_asgi_app, token="my-push-token")  # in-process
        order = await wechat_emulator.pay_gift_card(card_id="p1", price=100, openid="o1")
        ...  # the push was answered before pay_gift_card returned

It is served on 127.0.0.1 (``wechat_emulator.base_url``; ``wechat_emulator.client()`` talks
to it) and retries pushes on a short schedule (``TEST_SCHEDULE``: three retries within 0.07 s;
an ``Emulator`` made by hand keeps WeChat's 30 attempts). Async tests need anyio's pytest
plugin (installed with anyio) and ``@pytest.mark.anyio``; ``AsgiServer`` serves your own app
for a test that needs its URL.

Options: ``@pytest.mark.wechat_emulator(orders=500, seed=1, token_ttl=60, ...)`` on a test
passes keyword arguments to ``Emulator``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ._emulator import Emulator
from ._pushes import TEST_SCHEDULE

__all__ = ["wechat_emulator"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "wechat_emulator(**options): keyword arguments for the wechat_emulator fixture"
    )


@pytest.fixture
async def wechat_emulator(
    request: pytest.FixtureRequest, anyio_backend: Any
) -> AsyncIterator[Emulator]:
    """A fresh local WeChat, started: 100 seeded orders and quick push retries unless the
    test's marker says otherwise."""
    options: dict[str, Any] = {"orders": 100, "seed": 0, "push_schedule": TEST_SCHEDULE}
    marker = request.node.get_closest_marker("wechat_emulator")
    if marker is not None:
        options.update(marker.kwargs)
    async with Emulator(**options) as wx:
        yield wx

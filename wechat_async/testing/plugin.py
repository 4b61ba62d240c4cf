"""pytest plugin (registered as ``wechat_async`` under ``pytest11``): the ``wechat_emulator``
fixture, a fresh ``Emulator`` for each test.

    async def test_my_sync(wechat_emulator):
        async with wechat_emulator.client() as client:  # in-process, no port
            ...
        async with wechat_emulator as wx:  # or served on 127.0.0.1 for code that needs a URL
            ...

Options: ``@pytest.mark.wechat_emulator(orders=500, seed=1, token_ttl=60, ...)`` on a test
passes keyword arguments to ``Emulator``.
"""

from __future__ import annotations

from typing import Any

import pytest

from ._emulator import Emulator

__all__ = ["wechat_emulator"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "wechat_emulator(**options): keyword arguments for the wechat_emulator fixture"
    )


@pytest.fixture
def wechat_emulator(request: pytest.FixtureRequest) -> Emulator:
    """A fresh local WeChat: 100 seeded orders unless the test's marker says otherwise."""
    options: dict[str, Any] = {"orders": 100, "seed": 0}
    marker = request.node.get_closest_marker("wechat_emulator")
    if marker is not None:
        options.update(marker.kwargs)
    return Emulator(**options)

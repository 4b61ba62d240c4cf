"""examples/platform_delivery.py runs as written against the emulator: two merchants authorise
the platform (their codes exchanged by the router's handler), each gets delivery opened, the
carrier bound and an order placed with its own token, on its own state."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from wechat_async.testing import Emulator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform_delivery.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("platform_delivery", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_two_merchants_each_get_their_order_delivered() -> None:
    wx = Emulator()
    waybills = await _example().demo(wx)
    assert sorted(waybills) == ["wxmerchant00001", "wxmerchant00002"]
    for appid, waybill in waybills.items():
        delivery = wx.platform.authorizations[appid].domains["delivery"]
        assert delivery.opened
        [(key, order)] = delivery.orders.items()
        assert key == ("test_shop_id", f"{appid}-A1")
        assert order["waybill_id"] == waybill
    assert wx.requests["/cgi-bin/express/local/business/shop/add"] == 2  # the carrier bound
    assert wx.delivery.orders == {}  # nothing on the emulator's own account
    assert wx.platform.stats["refresh_tokens_refused"] == 0


def test_the_example_runs_from_the_shell() -> None:
    proc = subprocess.run(  # noqa: S603 - this interpreter, our own example
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == [
        "wxmerchant00001",
        "wxmerchant00002",
    ]

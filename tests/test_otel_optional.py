"""OpenTelemetry is an optional extra: without it installed the SDK imports, calls and runs
hooks as before, and only ``wechat_async.otel`` fails, naming the extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

# ``None`` in sys.modules makes ``import opentelemetry`` fail as if it were not installed.
_WITHOUT_OTEL = """
import sys
sys.modules["opentelemetry"] = None
import anyio
import wechat_async
from wechat_async import Hooks
from wechat_async.testing import Emulator

seen = []

async def record(event):
    seen.append(event.call.endpoint)

async def main():
    async with Emulator() as wx, wx.client(hooks=Hooks(on_call_end=record)) as client:
        await client.delivery.get_all_delivery()
    print("calls", seen)
    try:
        import wechat_async.otel
    except ImportError as exc:
        print("otel:", exc)
    loaded = [m for m in sys.modules if m.startswith("opentelemetry") and sys.modules[m]]
    print("loaded", loaded)

anyio.run(main)
"""


@pytest.mark.slow
def test_without_opentelemetry_the_sdk_calls_and_hooks_and_otel_names_its_extra() -> None:
    proc = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", _WITHOUT_OTEL], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "calls ['stable_token', 'delivery.get_all_delivery']" in proc.stdout
    assert "otel: wechat_async.otel needs the otel extra: pip install 'wechat-async[otel]'" in (
        proc.stdout
    )
    assert "loaded []" in proc.stdout

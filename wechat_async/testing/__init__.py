"""A local WeChat for tests, demos and benchmarks: ``Emulator``.

>>> async with Emulator(orders=500) as wx:  # doctest: +SKIP
...     async with wx.client() as client:
...         orders = [o async for o in client.giftcard.iter_orders(wx.start_time, wx.end_time)]

Pushes without WeChat: ``wx.push_to(app=your_asgi_app, token=...)`` delivers the emulator's
pushes in-process; ``sign_push(push_fields("giftcard_pay_done"), token=...)`` builds one by
hand; ``AsgiServer(app)`` serves an ASGI app on 127.0.0.1 for a test that needs a URL.

``wechat_emulator`` is a pytest fixture for your own tests (this package's pytest plugin).
"""

from ._app import Faults, Quota, RecordedRequest
from ._delivery import CarrierAccount, CarrierFaults
from ._emulator import STATS_PATH, Emulator
from ._orders import OrderBook
from ._pushes import (
    PUSH_KINDS,
    TEST_SCHEDULE,
    PushAttempt,
    SignedPush,
    judge_reply,
    push_fields,
    sign_push,
)
from ._serve import AsgiServer

__all__ = [
    "PUSH_KINDS",
    "STATS_PATH",
    "TEST_SCHEDULE",
    "AsgiServer",
    "CarrierAccount",
    "CarrierFaults",
    "Emulator",
    "Faults",
    "OrderBook",
    "PushAttempt",
    "Quota",
    "RecordedRequest",
    "SignedPush",
    "judge_reply",
    "push_fields",
    "sign_push",
]

"""A local WeChat for tests, demos and benchmarks: ``Emulator``.

>>> async with Emulator(orders=500) as wx:  # doctest: +SKIP
...     async with wx.client() as client:
...         orders = [o async for o in client.giftcard.iter_orders(wx.start_time, wx.end_time)]

``wechat_emulator`` is a pytest fixture for your own tests (this package's pytest plugin).
"""

from ._app import Faults, Quota, RecordedRequest
from ._delivery import CarrierAccount
from ._emulator import STATS_PATH, Emulator
from ._orders import OrderBook
from ._pushes import PushAttempt

#: Deprecated: the emulator's former name (the same class; use ``Emulator``).
FakeWeChat = Emulator

__all__ = [
    "STATS_PATH",
    "CarrierAccount",
    "Emulator",
    "FakeWeChat",
    "Faults",
    "OrderBook",
    "PushAttempt",
    "Quota",
    "RecordedRequest",
]

"""Test helpers for wechat_async and for apps built on it: a local fake WeChat server.

>>> async with FakeWeChat(orders=500) as wx:  # doctest: +SKIP
...     async with WeChatClient(wx.appid, wx.secret, base_url=wx.base_url) as client:
...         orders = [o async for o in client.giftcard.iter_orders(wx.start_time, wx.end_time)]
"""

from ._orders import OrderBook
from ._server import FakeWeChat

__all__ = ["FakeWeChat", "OrderBook"]

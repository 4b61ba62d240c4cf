"""Send layers for ``WeChatClient(transport=...)``.

``HttpxTransport`` is always available (asyncio and trio, respx, your own ``httpx.AsyncClient``);
``wechat_async.transports.aiohttp.AiohttpTransport`` needs the ``fast`` extra and runs on asyncio,
where it is the default. Any object with the ``Transport`` protocol's ``send``/``aclose`` fits.
"""

from ._base import SendError, Timeouts, Transport, TransportResponse
from .httpx import HttpxTransport

__all__ = ["HttpxTransport", "SendError", "Timeouts", "Transport", "TransportResponse"]

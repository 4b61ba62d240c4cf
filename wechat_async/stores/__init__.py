"""Where access tokens (and, later, push dedupe marks) are kept: in memory by default, or in
a store shared by many processes (``wechat_async.stores.redis``)."""

from ._base import AccessToken, TokenStore
from .memory import MemoryTokenStore

__all__ = ["AccessToken", "MemoryTokenStore", "TokenStore"]

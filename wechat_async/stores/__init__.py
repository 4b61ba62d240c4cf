"""Where access tokens and push dedupe marks are kept: in memory by default, or in Redis,
shared by many processes (``wechat_async.stores.redis``, the ``redis`` extra)."""

from ._base import AccessToken, CredentialStore, Ticket, TokenStore
from .memory import MemoryTokenStore

__all__ = ["AccessToken", "CredentialStore", "MemoryTokenStore", "Ticket", "TokenStore"]

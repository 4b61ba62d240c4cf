"""wechat_async: a typed asyncio SDK for WeChat's server-side APIs."""

import contextlib

import attrs as _attrs

from ._client import TokenProvider, WeChatClient
from ._endpoint import BoundEndpoint, Endpoint, Namespace, OffsetPaging, RawResponse
from ._models import EmptyResponse, Response, Upload, datetime_to_unix, unix_to_datetime
from ._ratelimit import MemoryRateLimiter, RateLimiter
from ._retry import RetryBudget, RetryPolicy
from ._token import TokenManager
from .errors import *  # noqa: F403
from .errors import __all__ as _errors_all
from .stores import AccessToken, MemoryTokenStore, TokenStore

__version__ = "0.1.0.dev0"

__all__ = [
    "AccessToken",
    "BoundEndpoint",
    "EmptyResponse",
    "Endpoint",
    "MemoryRateLimiter",
    "MemoryTokenStore",
    "Namespace",
    "OffsetPaging",
    "RateLimiter",
    "RawResponse",
    "Response",
    "RetryBudget",
    "RetryPolicy",
    "TokenManager",
    "TokenProvider",
    "TokenStore",
    "Upload",
    "WeChatClient",
    "datetime_to_unix",
    "unix_to_datetime",
    *_errors_all,
]

# Show public names as wechat_async.X in reprs and tracebacks, as httpx does. attrs classes
# keep their module: cattrs resolves their string annotations in it (subclasses included).
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("wechat_async.") and not _attrs.has(_obj):
        with contextlib.suppress(AttributeError, TypeError):
            _obj.__module__ = "wechat_async"

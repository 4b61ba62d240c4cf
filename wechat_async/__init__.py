"""wechat_async: a typed asyncio SDK for WeChat's server-side APIs."""

import contextlib

import attrs as _attrs

from ._client import TokenProvider, WeChatClient
from ._endpoint import BoundEndpoint, Endpoint, Namespace, OffsetPaging, RawResponse
from ._models import EmptyResponse, Response, Upload, datetime_to_unix, unix_to_datetime
from ._ratelimit import MemoryRateLimiter, RateLimiter
from ._retry import RetryBudget, RetryPolicy
from ._token import TokenManager
from .errors import (
    DOMAIN_ERRCODES,
    ERRCODES,
    AccessTokenError,
    APIError,
    CallbackError,
    CarrierError,
    CityServiceHourlyLimitError,
    CityServiceOfflineError,
    CityServiceOrderNoError,
    CityServiceUrlError,
    CityServiceUserFrequencyError,
    CityServiceUserInactiveError,
    CityServiceUserNeverVisitedError,
    ClientClosedError,
    ConfigurationError,
    DecryptError,
    DeliveryCategoryError,
    DeliveryError,
    DeliveryOrderExistsError,
    DeliveryOrderNotFoundError,
    DeliveryShopNotBoundError,
    FieldError,
    InvalidCredentialsError,
    InvalidParameterError,
    InvoiceAuthFieldNotSetError,
    InvoiceError,
    InvoiceInvalidMchidError,
    InvoiceInvalidParamsError,
    InvoiceNotAuthorizedError,
    InvoicePayMchNotSetError,
    MalformedMessageError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseValidationError,
    SignatureError,
    StoreUnavailableError,
    SystemBusyError,
    TransportError,
    WeChatError,
)
from .stores import AccessToken, MemoryTokenStore, TokenStore

__version__ = "0.1.0.dev0"

__all__ = [
    "DOMAIN_ERRCODES",
    "ERRCODES",
    "APIError",
    "AccessToken",
    "AccessTokenError",
    "BoundEndpoint",
    "CallbackError",
    "CarrierError",
    "CityServiceHourlyLimitError",
    "CityServiceOfflineError",
    "CityServiceOrderNoError",
    "CityServiceUrlError",
    "CityServiceUserFrequencyError",
    "CityServiceUserInactiveError",
    "CityServiceUserNeverVisitedError",
    "ClientClosedError",
    "ConfigurationError",
    "DecryptError",
    "DeliveryCategoryError",
    "DeliveryError",
    "DeliveryOrderExistsError",
    "DeliveryOrderNotFoundError",
    "DeliveryShopNotBoundError",
    "EmptyResponse",
    "Endpoint",
    "FieldError",
    "InvalidCredentialsError",
    "InvalidParameterError",
    "InvoiceAuthFieldNotSetError",
    "InvoiceError",
    "InvoiceInvalidMchidError",
    "InvoiceInvalidParamsError",
    "InvoiceNotAuthorizedError",
    "InvoicePayMchNotSetError",
    "MalformedMessageError",
    "MemoryRateLimiter",
    "MemoryTokenStore",
    "Namespace",
    "NotFoundError",
    "OffsetPaging",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimiter",
    "RawResponse",
    "RequestValidationError",
    "Response",
    "ResponseDecodeError",
    "ResponseValidationError",
    "RetryBudget",
    "RetryPolicy",
    "SignatureError",
    "StoreUnavailableError",
    "SystemBusyError",
    "TokenManager",
    "TokenProvider",
    "TokenStore",
    "TransportError",
    "Upload",
    "WeChatClient",
    "WeChatError",
    "datetime_to_unix",
    "unix_to_datetime",
]

# Show public names as wechat_async.X in reprs and tracebacks, as httpx does. attrs classes
# keep their module: cattrs resolves their string annotations in it (subclasses included).
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("wechat_async.") and not _attrs.has(_obj):
        with contextlib.suppress(AttributeError, TypeError):
            _obj.__module__ = "wechat_async"

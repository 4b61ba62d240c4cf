"""wechat_async: a typed asyncio SDK for WeChat's server-side APIs."""

import contextlib

import attrs as _attrs

from ._client import TokenProvider, WeChatClient
from ._endpoint import BoundEndpoint, Endpoint, Namespace, OffsetPaging, RawResponse
from ._models import EmptyResponse, Response, Upload, datetime_to_unix, unix_to_datetime
from ._ratelimit import MemoryRateLimiter, RateLimiter
from ._retry import RetryBudget, RetryPolicy
from ._token import TokenManager
from .errors import *
from .hooks import Hooks
from .stores import AccessToken, MemoryTokenStore, TokenStore

__version__ = "0.1.0"

# Literal, because mypy reads only a literal ``__all__`` (python/mypy#15300); tests keep it
# equal to what the modules export.
__all__ = [
    "DOMAIN_ERRCODES",
    "ERRCODES",
    "APIError",
    "AccessToken",
    "AccessTokenError",
    "AppIdMismatchError",
    "AuthorizationCodeError",
    "BoundEndpoint",
    "CallbackError",
    "CarrierError",
    "CityServiceHourlyLimitError",
    "CityServiceOfflineError",
    "CityServiceOrderNoError",
    "CityServicePermissionSetError",
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
    "DeliveryPermissionSetError",
    "DeliveryShopNotBoundError",
    "EmptyResponse",
    "Endpoint",
    "FieldError",
    "GiftCardPermissionSetError",
    "Hooks",
    "InvalidCredentialsError",
    "InvalidParameterError",
    "InvoiceAuthFieldNotSetError",
    "InvoiceError",
    "InvoiceInvalidMchidError",
    "InvoiceInvalidParamsError",
    "InvoiceNotAuthorizedError",
    "InvoicePayMchNotSetError",
    "InvoicePermissionSetError",
    "MalformedMessageError",
    "MemoryRateLimiter",
    "MemoryTokenStore",
    "Namespace",
    "NonceReusedError",
    "NotFoundError",
    "OffsetPaging",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PermissionSetError",
    "QuotaExceededError",
    "RateLimiter",
    "RawResponse",
    "ReauthorizationRequiredError",
    "RefreshTokenInvalidError",
    "RequestValidationError",
    "Response",
    "ResponseDecodeError",
    "ResponseValidationError",
    "RetryBudget",
    "RetryPolicy",
    "SignatureError",
    "StaleTimestampError",
    "StoreCredentialsError",
    "StoreError",
    "StoreUnavailableError",
    "StoreWritesRefusedError",
    "SyncInUseError",
    "SystemBusyError",
    "TokenManager",
    "TokenProvider",
    "TokenStore",
    "TransportError",
    "UnanswerablePushError",
    "UnencryptedPushError",
    "UnreadOrdersError",
    "Upload",
    "VerifyTicketError",
    "VerifyTicketMissingError",
    "VerifyTicketRejectedError",
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

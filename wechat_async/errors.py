"""Every error the SDK raises, in one tree (all exported here and from ``wechat_async``)::

    WeChatError
    ├── APIError
    │   ├── AccessTokenError
    │   ├── DeliveryError
    │   │   ├── DeliveryCategoryError (also InvalidParameterError)
    │   │   ├── DeliveryOrderExistsError
    │   │   ├── DeliveryOrderNotFoundError (also NotFoundError)
    │   │   └── DeliveryShopNotBoundError (also ConfigurationError)
    │   ├── InvalidCredentialsError (also ConfigurationError)
    │   ├── InvalidParameterError
    │   │   ├── AuthorizationCodeError
    │   │   ├── CityServiceOrderNoError
    │   │   └── CityServiceUrlError
    │   ├── InvoiceError
    │   │   ├── InvoiceAuthFieldNotSetError
    │   │   ├── InvoiceInvalidMchidError
    │   │   ├── InvoiceInvalidParamsError
    │   │   ├── InvoiceNotAuthorizedError (also NotFoundError)
    │   │   └── InvoicePayMchNotSetError
    │   ├── NotFoundError
    │   ├── PermissionDeniedError
    │   │   ├── CityServiceOfflineError
    │   │   ├── CityServiceUserInactiveError
    │   │   ├── CityServiceUserNeverVisitedError
    │   │   ├── PermissionSetError
    │   │   │   ├── CityServicePermissionSetError
    │   │   │   ├── DeliveryPermissionSetError
    │   │   │   ├── GiftCardPermissionSetError
    │   │   │   └── InvoicePermissionSetError
    │   │   └── ReauthorizationRequiredError
    │   │       └── RefreshTokenInvalidError
    │   ├── QuotaExceededError
    │   │   ├── CityServiceHourlyLimitError
    │   │   └── CityServiceUserFrequencyError
    │   └── SystemBusyError
    ├── CallbackError
    │   ├── DecryptError
    │   │   └── AppIdMismatchError
    │   ├── MalformedMessageError
    │   │   ├── PayloadTooLargeError
    │   │   └── UnanswerablePushError
    │   └── SignatureError
    │       ├── NonceReusedError
    │       ├── StaleTimestampError
    │       └── UnencryptedPushError
    ├── CarrierError
    ├── ConfigurationError
    │   └── ClientClosedError
    ├── RequestValidationError (also ValueError)
    ├── ResponseDecodeError
    ├── ResponseValidationError
    ├── StoreError
    │   ├── StoreCredentialsError (also ConfigurationError)
    │   └── StoreUnavailableError
    │       └── StoreWritesRefusedError
    ├── SyncInUseError (also RuntimeError)
    ├── TransportError
    ├── UnreadOrdersError
    └── VerifyTicketError
        ├── VerifyTicketMissingError
        └── VerifyTicketRejectedError (also APIError)

``FieldError`` (one bad field of a validation error) is data, not an exception.
``ERRCODES`` and ``DOMAIN_ERRCODES`` map each errcode to its class and documented meaning.

Each class is defined beside what raises it: the core in ``_errors``, the errcode classes
beside the one errcode table in ``_errcodes``, the push errors in ``callbacks._errors``.
"""

from ._errcodes import *
from ._errors import *
from .callbacks._errors import *

# Literal, because mypy reads only a literal ``__all__`` (python/mypy#15300); the star imports
# take each module's own list, and tests/test_public_names.py keeps this one their union.
__all__ = [
    "DOMAIN_ERRCODES",
    "ERRCODES",
    "APIError",
    "AccessTokenError",
    "AppIdMismatchError",
    "AuthorizationCodeError",
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
    "FieldError",
    "GiftCardPermissionSetError",
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
    "NonceReusedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PermissionSetError",
    "QuotaExceededError",
    "ReauthorizationRequiredError",
    "RefreshTokenInvalidError",
    "RequestValidationError",
    "ResponseDecodeError",
    "ResponseValidationError",
    "SignatureError",
    "StaleTimestampError",
    "StoreCredentialsError",
    "StoreError",
    "StoreUnavailableError",
    "StoreWritesRefusedError",
    "SyncInUseError",
    "SystemBusyError",
    "TransportError",
    "UnanswerablePushError",
    "UnencryptedPushError",
    "UnreadOrdersError",
    "VerifyTicketError",
    "VerifyTicketMissingError",
    "VerifyTicketRejectedError",
    "WeChatError",
]

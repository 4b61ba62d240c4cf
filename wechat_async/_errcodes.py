"""The one errcode table: what each WeChat errcode raises (exception class and documented
meaning) and what it says about the attempt that got it (retried or not).

Add a row here, never an ``if errcode == ...`` elsewhere; an endpoint descriptor may override
an exception row for its own path through ``Endpoint(errors=...)``. Both halves are keyed the
same way: the answering namespace's own codes first, then those of every API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ._errors import (
    AccessTokenError,
    APIError,
    ConfigurationError,
    InvalidCredentialsError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    SystemBusyError,
    WeChatError,
)
from .transports._base import Failure

__all__ = [
    "DOMAIN_ERRCODES",
    "ERRCODES",
    "AuthorizationCodeError",
    "CityServiceHourlyLimitError",
    "CityServiceOfflineError",
    "CityServiceOrderNoError",
    "CityServicePermissionSetError",
    "CityServiceUrlError",
    "CityServiceUserFrequencyError",
    "CityServiceUserInactiveError",
    "CityServiceUserNeverVisitedError",
    "DeliveryCategoryError",
    "DeliveryError",
    "DeliveryOrderExistsError",
    "DeliveryOrderNotFoundError",
    "DeliveryPermissionSetError",
    "DeliveryShopNotBoundError",
    "GiftCardPermissionSetError",
    "InvoiceAuthFieldNotSetError",
    "InvoiceError",
    "InvoiceInvalidMchidError",
    "InvoiceInvalidParamsError",
    "InvoiceNotAuthorizedError",
    "InvoicePayMchNotSetError",
    "InvoicePermissionSetError",
    "PermissionSetError",
    "ReauthorizationRequiredError",
    "RefreshTokenInvalidError",
    "VerifyTicketError",
    "VerifyTicketMissingError",
    "VerifyTicketRejectedError",
]


class CityServiceUserNeverVisitedError(PermissionDeniedError):
    """82020: the user does not follow the account and never used it through City Service."""


class CityServiceUserInactiveError(PermissionDeniedError):
    """82021: the user has not used the service through City Service in the last 30 days."""


class CityServiceUserFrequencyError(QuotaExceededError):
    """82022: more than 10 messages (20 for medical) to this user in 30 days."""


class CityServiceHourlyLimitError(QuotaExceededError):
    """82023: more than 5 messages to this user within an hour."""


class CityServiceOrderNoError(InvalidParameterError):
    """82024: order_no misused (e.g. the same business order number for every user)."""


class CityServiceUrlError(InvalidParameterError):
    """82025: the url is invalid."""


class CityServiceOfflineError(PermissionDeniedError):
    """82026: the service is offline, or under review for more than 30 days."""


class InvoiceError(APIError):
    """An error specific to post-payment invoicing."""


class InvoicePayMchNotSetError(InvoiceError):
    """72028: set_pay_mch was never called."""


class InvoiceAuthFieldNotSetError(InvoiceError):
    """72029: set_auth_field was never called."""


class InvoiceInvalidMchidError(InvoiceError):
    """72030: the WeChat Pay merchant number is invalid."""


class InvoiceInvalidParamsError(InvoiceError):
    """72031: invalid invoicing parameters."""


class InvoiceNotAuthorizedError(InvoiceError, NotFoundError):
    """72038: the user never authorized invoicing for this order."""


class DeliveryError(APIError):
    """An instant-delivery platform error (930555 to 930571, 9300535)."""


class DeliveryShopNotBoundError(DeliveryError, ConfigurationError):
    """930560: the shopid is not bound to this Mini Program."""


class DeliveryOrderExistsError(DeliveryError):
    """930562: a delivery order with this shop_order_id already exists."""


class DeliveryOrderNotFoundError(DeliveryError, NotFoundError):
    """930563: the delivery order does not exist."""


class DeliveryCategoryError(DeliveryError, InvalidParameterError):
    """930570: cargo_first_class / cargo_second_class invalid (or Chinese sent escaped)."""


class PermissionSetError(PermissionDeniedError):
    """61007: a third-party platform called an API of a permission set (权限集) the merchant
    has not granted it. ``permission_sets`` names the sets the API belongs to, any one of
    which will do, where the documents say it (empty when they do not)."""

    permission_sets: ClassVar[tuple[int, ...]] = ()


class DeliveryPermissionSetError(PermissionSetError):
    """61007 on instant delivery: the merchant must grant permission set 51 (小程序即时配送)
    or 71."""

    permission_sets: ClassVar[tuple[int, ...]] = (51, 71)


class GiftCardPermissionSetError(PermissionSetError):
    """61007 on cards and gift cards: the merchant must grant permission set 8 (微信卡券)."""

    permission_sets: ClassVar[tuple[int, ...]] = (8,)


class InvoicePermissionSetError(PermissionSetError):
    """61007 on invoicing: the merchant must grant permission set 26 (微信电子发票)."""

    permission_sets: ClassVar[tuple[int, ...]] = (26,)


class CityServicePermissionSetError(PermissionSetError):
    """61007 on City Service: the merchant must grant permission set 22 (城市服务)."""

    permission_sets: ClassVar[tuple[int, ...]] = (22,)


class ReauthorizationRequiredError(PermissionDeniedError):
    """The merchant must authorise the platform again (61003: the account has not authorised
    it, or cancelled; a refresh token lost everywhere)."""


class RefreshTokenInvalidError(ReauthorizationRequiredError):
    """61023: WeChat refused the authorizer refresh token, and the copy WeChat holds
    (``api_get_authorizer_info``) was no better: the merchant must authorise again."""


class AuthorizationCodeError(InvalidParameterError):
    """61009 / 61010: the authorization code is invalid (used already) or expired."""


class VerifyTicketError(WeChatError):
    """The platform's ``component_verify_ticket`` is missing or refused."""


class VerifyTicketMissingError(VerifyTicketError):
    """No ``component_verify_ticket`` has been received, or the last is over 12 hours old."""


class VerifyTicketRejectedError(VerifyTicketError, APIError):
    """61005 / 61006: WeChat refused the ``component_verify_ticket`` as expired or invalid."""


_TICKET_CHECK = (
    ": WeChat pushes a new one every 10 minutes to the platform's authorisation event URL; "
    "check that URL in the open platform's console, that it answers 'success', and the push "
    "token, EncodingAESKey and appid the platform's router checks pushes with"
)

#: errcodes meaning "this access token is bad": invalidate it and replay the call once.
TOKEN_ERRCODES: Final = frozenset({40001, 40014, 42001})

#: errcode -> (exception class, documented meaning).
ERRCODES: Final[Mapping[int, tuple[type[APIError], str]]] = {
    # platform-wide
    -1: (SystemBusyError, "system busy, try again later"),
    40001: (AccessTokenError, "access_token invalid or not the latest"),
    40014: (AccessTokenError, "access_token invalid"),
    42001: (AccessTokenError, "access_token expired"),
    40002: (InvalidCredentialsError, "invalid grant_type"),
    40013: (InvalidCredentialsError, "invalid appid"),
    40125: (InvalidCredentialsError, "invalid appsecret"),
    40164: (InvalidCredentialsError, "caller IP is not in the account's IP whitelist"),
    40243: (InvalidCredentialsError, "AppSecret is frozen"),
    41002: (InvalidCredentialsError, "appid missing"),
    41004: (InvalidCredentialsError, "appsecret missing"),
    89503: (InvalidCredentialsError, "this IP needs the administrator's confirmation"),
    89506: (InvalidCredentialsError, "this IP was refused by the administrator"),
    89507: (InvalidCredentialsError, "this IP was refused by the administrator for 1 hour"),
    43016: (PermissionDeniedError, "the Mini Program is not verified"),
    45009: (QuotaExceededError, "daily API call quota reached"),
    45011: (QuotaExceededError, "API called too frequently"),
    47001: (InvalidParameterError, "data format error (malformed JSON or wrong endpoint)"),
    40005: (InvalidParameterError, "invalid file type (images: jpg or png)"),
    40009: (InvalidParameterError, "invalid image size (at most 1 MB)"),
    41005: (InvalidParameterError, "media data missing"),
    48001: (PermissionDeniedError, "API unauthorized: the account lacks this API's permission"),
    # third-party platforms
    61003: (
        ReauthorizationRequiredError,
        "the account has not authorised this platform, or cancelled its authorisation: the "
        "merchant must authorise it again",
    ),
    61004: (InvalidCredentialsError, "this IP is not in the platform's IP whitelist"),
    61005: (VerifyTicketRejectedError, "component_verify_ticket expired" + _TICKET_CHECK),
    61006: (VerifyTicketRejectedError, "component_verify_ticket invalid" + _TICKET_CHECK),
    61007: (
        PermissionSetError,
        "the merchant has not granted the platform the permission set this API belongs to",
    ),
    61009: (AuthorizationCodeError, "authorization code invalid (each is used once)"),
    61010: (AuthorizationCodeError, "authorization code expired"),
    61011: (InvalidCredentialsError, "invalid component: not an approved third-party platform"),
    61023: (
        RefreshTokenInvalidError,
        "authorizer refresh token invalid: the merchant must authorise the platform again",
    ),
    61024: (
        InvalidCredentialsError,
        "a third-party platform's appid: its token comes from api_component_token "
        "(use ComponentClient)",
    ),
    86000: (PermissionDeniedError, "not called by a third-party platform"),
    40097: (InvalidParameterError, "invalid parameter"),
    # cards and gift cards
    40053: (InvalidParameterError, "invalid action_info"),
    40056: (InvalidParameterError, "invalid code"),
    40072: (InvalidParameterError, "invalid code type (base_info.code_type)"),
    40073: (NotFoundError, "invalid card_id"),
    40099: (InvalidParameterError, "code already consumed"),
    40127: (
        InvalidParameterError,
        "the card was deleted by the user or is being given to a friend",
    ),
    45021: (InvalidParameterError, "a field exceeds its length limit"),
    # invoice (post-payment invoicing on the gift-card page, and codes seen in practice)
    72015: (InvoiceError, "not authorized to create invoices"),
    72017: (InvoiceError, "invalid invoice title"),
    72023: (InvoiceError, "the invoice is locked by another caller"),
    72024: (InvoiceError, "invoice status error"),
    72025: (InvoiceError, "invoice token error"),
    72028: (InvoicePayMchNotSetError, "pay mch info never set: call set_pay_mch first"),
    72029: (InvoiceAuthFieldNotSetError, "auth field never set: call set_auth_field first"),
    72030: (InvoiceInvalidMchidError, "invalid mchid"),
    72031: (InvoiceInvalidParamsError, "invalid params"),
    72035: (InvoiceError, "rejected by the business side"),
    72036: (InvoiceError, "invoice is busy, try again"),
    72038: (InvoiceNotAuthorizedError, "the user never authorized invoicing for this order"),
    # instant delivery (the platform code table, and codes seen in practice)
    930555: (DeliveryError, "WeChat platform system error"),
    930556: (DeliveryError, "the delivery company timed out"),
    930557: (DeliveryError, "the delivery company's system failed"),
    930558: (DeliveryError, "the delivery company reported a logic error"),
    930559: (DeliveryError, "openid is not valid"),
    930560: (DeliveryShopNotBoundError, "shopid not bound: bind the carrier account first"),
    930561: (DeliveryError, "invalid arguments"),
    930562: (DeliveryOrderExistsError, "a delivery order already exists"),
    930563: (DeliveryOrderNotFoundError, "the delivery order does not exist"),
    930564: (DeliveryError, "the call has no quota"),
    930565: (DeliveryError, "the delivery order has ended"),
    930567: (DeliveryError, "invalid shop argument"),
    930568: (DeliveryError, "personal Mini Programs are not supported"),
    930569: (DeliveryError, "already opened, no need to open again"),
    930570: (
        DeliveryCategoryError,
        "cargo_first_class or cargo_second_class invalid (or Chinese sent \\u-escaped)",
    ),
    930571: (DeliveryError, "the merchant has no beta (alpha test) permission"),
    9300535: (
        DeliveryError,
        "shop goods thumbnail url or goods name empty or illegal, or goods count is 0",
    ),
}


#: Codes whose meaning depends on the API that answered, by the namespace's ``domain``:
#: consulted before ``ERRCODES``. 40097 is "invalid parameter" everywhere, but City Service
#: documents it as the openid not coming from its template account.
DOMAIN_ERRCODES: Final[Mapping[str, Mapping[int, tuple[type[APIError], str]]]] = {
    # cityservice (the message path's return codes,
    # https://developers.weixin.qq.com/miniprogram/dev/platform-capabilities/en/cityservice/cityservice-results-page.html)
    "cityservice": {
        61007: (
            CityServicePermissionSetError,
            "the merchant has not granted the platform permission set 22 (城市服务)",
        ),
        40097: (
            InvalidParameterError,
            "invalid parameter, or the openid does not come from the message path's "
            "template account",
        ),
        82020: (
            CityServiceUserNeverVisitedError,
            "user does not follow the template account and never used the service "
            "through City Service",
        ),
        82021: (
            CityServiceUserInactiveError,
            "user has not used the service through City Service in the last 30 days",
        ),
        82022: (
            CityServiceUserFrequencyError,
            "more than 10 messages (20 for medical services) to this user within 30 days",
        ),
        82023: (CityServiceHourlyLimitError, "more than 5 messages to this user within an hour"),
        82024: (
            CityServiceOrderNoError,
            "order_no exception, e.g. every user given the same business order number",
        ),
        82025: (CityServiceUrlError, "url invalid"),
        82026: (
            CityServiceOfflineError,
            "service offline, or under review for more than 30 days",
        ),
    },
    # The permission sets each API page (or the permission set list) names.
    "delivery": {
        61007: (
            DeliveryPermissionSetError,
            "the merchant has not granted the platform permission set 51 (小程序即时配送) or 71",
        ),
    },
    "giftcard": {
        61007: (
            GiftCardPermissionSetError,
            "the merchant has not granted the platform permission set 8 (微信卡券)",
        ),
    },
    "invoice": {
        61007: (
            InvoicePermissionSetError,
            "the merchant has not granted the platform permission set 26 (微信电子发票)",
        ),
    },
}


#: What an errcode says about the attempt that got it: the answering namespace's own codes
#: first, then those of every API (""). Any other errcode is FATAL.
ERRCODE_FAILURES: Final[Mapping[str, Mapping[int, Failure]]] = {
    "": {
        # The access token is bad: invalidate it and replay the call with a fresh one.
        40001: Failure.TOKEN,
        40014: Failure.TOKEN,
        42001: Failure.TOKEN,
        -1: Failure.AMBIGUOUS,  # system busy
        45011: Failure.SLOW_DOWN,  # per-minute frequency limit
    },
    # Instant delivery: the platform or the carrier failed mid-call. The order may exist (a
    # carrier that timed out may have taken it), so only retry-safe endpoints repeat.
    "delivery": {
        930555: Failure.AMBIGUOUS,  # WeChat platform system error
        930556: Failure.AMBIGUOUS,  # the carrier timed out
        930557: Failure.AMBIGUOUS,  # the carrier's system failed
    },
}
_EVERY_API = ERRCODE_FAILURES[""]


def classify_errcode(errcode: int, domain: str = "") -> Failure:
    """The ``ERRCODE_FAILURES`` row of an errcode answered by ``domain``'s API."""
    failure = ERRCODE_FAILURES.get(domain, _EVERY_API).get(errcode)
    return failure or _EVERY_API.get(errcode, Failure.FATAL)


def error_for(
    errcode: int,
    errmsg: str,
    *,
    endpoint: str,
    domain: str = "",
    overrides: Mapping[int, tuple[type[APIError], str]] | None = None,
    may_have_been_applied: bool = False,
    body: Mapping[str, Any] | None = None,
    response: object | None = None,
) -> APIError:
    """Build the exception for an errcode: the endpoint's own overrides first, then its
    domain's meaning of the code, then the platform-wide one."""
    entry = (
        (overrides or {}).get(errcode)
        or DOMAIN_ERRCODES.get(domain, {}).get(errcode)
        or ERRCODES.get(errcode)
    )
    cls, meaning = entry if entry is not None else (APIError, None)
    return cls(
        errcode,
        errmsg,
        endpoint=endpoint,
        meaning=meaning,
        may_have_been_applied=may_have_been_applied,
        body=body,
        response=response,
    )

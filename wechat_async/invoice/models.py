"""Post-payment invoicing models (the gift-card document, section 12.2.2)."""

from __future__ import annotations

import enum

import attrs

from .._checks import min_len, one_of
from .._models import EmptyRequest, OpenValues, Response, meta
from . import _dicts
from ._dicts import AuthFieldParam, BizFieldParam, CustomFieldParam, PayMchInfoParam, UserFieldParam

__all__ = [
    "AuthField",
    "AuthFieldParam",
    "BizField",
    "BizFieldParam",
    "CompanyAuthInfo",
    "CustomField",
    "CustomFieldParam",
    "CustomValue",
    "EmptyRequest",
    "GetAuthDataRequest",
    "GetAuthDataResponse",
    "GetAuthFieldResponse",
    "GetPayMchResponse",
    "InvoiceStatus",
    "PayMchInfo",
    "PayMchInfoParam",
    "PersonalAuthInfo",
    "SetAuthFieldRequest",
    "SetPayMchRequest",
    "UserAuthInfo",
    "UserField",
    "UserFieldParam",
]

_FLAG = meta(check=one_of({0, 1}))


@attrs.define(kw_only=True)
class PayMchInfo(Response):
    """A WeChat Pay merchant number and the invoicing platform that issues its invoices
    (``paymch_info``)."""

    #: WeChat Pay merchant number
    mchid: str = attrs.field(metadata=meta(check=min_len(1)))
    #: invoicing platform id, given by the invoicing platform (``s_appid`` in one doc table is
    #: a typo: the API says ``s_pappid``)
    s_pappid: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class SetPayMchRequest:
    """Turn on invoicing after payment for a WeChat Pay merchant number: its payment messages
    then offer an invoice button."""

    paymch_info: PayMchInfo = attrs.field(converter=_dicts.to_pay_mch_info)


@attrs.define(kw_only=True)
class GetPayMchResponse(Response):
    """What ``setbizattr?action=get_pay_mch`` answers: the merchant number and invoicing
    platform set (``paymch_info``)."""

    paymch_info: PayMchInfo | None = None


@attrs.define(kw_only=True)
class CustomField(Response):
    """A merchant-defined field the user fills in.

    The table says "up to 5 words" but its own example uses ``field1``: no length is checked.
    """

    key: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class UserField(Response):
    """What a person fills in for a personal invoice (1 = ask, 0 = don't)."""

    show_title: int | None = attrs.field(default=None, metadata=_FLAG)
    show_phone: int | None = attrs.field(default=None, metadata=_FLAG)
    show_email: int | None = attrs.field(default=None, metadata=_FLAG)
    custom_field: list[CustomField] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_custom_field_list)
    )


@attrs.define(kw_only=True)
class BizField(Response):
    """What a company fills in for a company invoice (1 = ask, 0 = don't)."""

    show_title: int | None = attrs.field(default=None, metadata=_FLAG)
    show_tax_no: int | None = attrs.field(default=None, metadata=_FLAG)
    show_addr: int | None = attrs.field(default=None, metadata=_FLAG)
    show_phone: int | None = attrs.field(default=None, metadata=_FLAG)
    show_bank_type: int | None = attrs.field(default=None, metadata=_FLAG)
    show_bank_no: int | None = attrs.field(default=None, metadata=_FLAG)
    custom_field: list[CustomField] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_custom_field_list)
    )


@attrs.define(kw_only=True)
class AuthField(Response):
    """The invoice form: what a person (``user_field``) and a company (``biz_field``) fill in."""

    user_field: UserField | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_user_field)
    )
    biz_field: BizField | None = attrs.field(
        default=None, converter=attrs.converters.optional(_dicts.to_biz_field)
    )


@attrs.define(kw_only=True)
class SetAuthFieldRequest:
    """Set what users fill in on the invoice authorisation page, for personal and company
    invoices (both required)."""

    auth_field: AuthField = attrs.field(converter=_dicts.to_auth_field)

    def _check_fields(self) -> list[tuple[str, str]]:
        return [
            (f"auth_field.{name}", "required")
            for name in ("user_field", "biz_field")
            if getattr(self.auth_field, name) is None
        ]


@attrs.define(kw_only=True)
class GetAuthFieldResponse(Response):
    """What ``setbizattr?action=get_auth_field`` answers: the form, as ``auth_field``."""

    auth_field: AuthField


@attrs.define(kw_only=True)
class GetAuthDataRequest:
    """Read what a user filled in to authorise an invoice for ``order_id``, as invoicing platform
    ``s_pappid``."""

    s_pappid: str = attrs.field(metadata=meta(check=min_len(1)))
    order_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class CustomValue(Response):
    """A merchant-defined field (``key``) and what the user entered (``value``)."""

    key: str
    value: str


@attrs.define(kw_only=True)
class PersonalAuthInfo(Response):
    """A personal invoice's title and contact details as the user filled them in."""

    title: str | None = None
    phone: str | None = None
    email: str | None = None
    custom_field: list[CustomValue] | None = None


@attrs.define(kw_only=True)
class CompanyAuthInfo(Response):
    """A company invoice's title, tax number, address and bank details."""

    title: str | None = None
    tax_no: str | None = None
    addr: str | None = None
    phone: str | None = None
    bank_type: str | None = None
    bank_no: str | None = None
    custom_field: list[CustomValue] | None = None


@attrs.define(kw_only=True)
class UserAuthInfo(Response):
    """Exactly one of the two is set: a personal or a company invoice."""

    user_field: PersonalAuthInfo | None = None
    biz_field: CompanyAuthInfo | None = None


class InvoiceStatus(OpenValues, str, enum.Enum):
    """``invoice_status`` of ``get_auth_data``. Other values still parse (a member named after
    the value): the document's note that lists them is missing."""

    #: documented: the user authorized invoicing for the order
    AUTH_SUCCESS = "auth success"
    #: seen on the wire (errcode 0) for an order the user never authorized
    NEVER_AUTH = "never auth"


@attrs.define(kw_only=True)
class GetAuthDataResponse(Response):
    """What ``card/invoice/getauthdata`` answers: ``invoice_status``, ``auth_time`` and what the
    user filled in (``user_auth_info``)."""

    invoice_status: InvoiceStatus
    #: Unix seconds
    auth_time: int | None = None
    user_auth_info: UserAuthInfo | None = None

"""Post-payment invoicing models (seed 001, section 12.2.2)."""

from __future__ import annotations

import attrs

from .._checks import min_len, one_of
from .._models import Response, meta

__all__ = [
    "AuthField",
    "BizField",
    "CompanyAuthInfo",
    "CustomField",
    "CustomValue",
    "EmptyRequest",
    "GetAuthDataRequest",
    "GetAuthDataResponse",
    "GetAuthFieldResponse",
    "GetPayMchResponse",
    "PayMchInfo",
    "PersonalAuthInfo",
    "SetAuthFieldRequest",
    "SetPayMchRequest",
    "UserAuthInfo",
    "UserField",
]

_FLAG = meta(check=one_of({0, 1}))


@attrs.define(kw_only=True)
class EmptyRequest:
    """The ``{}`` body of the ``get_*`` actions."""


@attrs.define(kw_only=True)
class PayMchInfo(Response):
    #: WeChat Pay merchant number
    mchid: str = attrs.field(metadata=meta(check=min_len(1)))
    #: invoicing platform id, given by the invoicing platform (``s_appid`` in one doc table is
    #: a typo: the API says ``s_pappid``)
    s_pappid: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class SetPayMchRequest:
    paymch_info: PayMchInfo


@attrs.define(kw_only=True)
class GetPayMchResponse(Response):
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
    custom_field: list[CustomField] | None = None


@attrs.define(kw_only=True)
class BizField(Response):
    """What a company fills in for a company invoice (1 = ask, 0 = don't)."""

    show_title: int | None = attrs.field(default=None, metadata=_FLAG)
    show_tax_no: int | None = attrs.field(default=None, metadata=_FLAG)
    show_addr: int | None = attrs.field(default=None, metadata=_FLAG)
    show_phone: int | None = attrs.field(default=None, metadata=_FLAG)
    show_bank_type: int | None = attrs.field(default=None, metadata=_FLAG)
    show_bank_no: int | None = attrs.field(default=None, metadata=_FLAG)
    custom_field: list[CustomField] | None = None


@attrs.define(kw_only=True)
class AuthField(Response):
    user_field: UserField | None = None
    biz_field: BizField | None = None


@attrs.define(kw_only=True)
class SetAuthFieldRequest:
    auth_field: AuthField

    def _check_fields(self) -> list[tuple[str, str]]:
        return [
            (f"auth_field.{name}", "required")
            for name in ("user_field", "biz_field")
            if getattr(self.auth_field, name) is None
        ]


@attrs.define(kw_only=True)
class GetAuthFieldResponse(Response):
    auth_field: AuthField


@attrs.define(kw_only=True)
class GetAuthDataRequest:
    s_pappid: str = attrs.field(metadata=meta(check=min_len(1)))
    order_id: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class CustomValue(Response):
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


@attrs.define(kw_only=True)
class GetAuthDataResponse(Response):
    #: e.g. ``"auth success"``
    invoice_status: str
    #: Unix seconds
    auth_time: int | None = None
    user_auth_info: UserAuthInfo | None = None

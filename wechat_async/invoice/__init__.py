"""``client.invoice``: invoicing after payment, documented with the gift cards:
https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/gift_card.html
"""

from __future__ import annotations

from .._endpoint import Namespace
from . import _endpoints
from .models import (
    AuthField,
    AuthFieldParam,
    BizField,
    BizFieldParam,
    CompanyAuthInfo,
    CustomField,
    CustomFieldParam,
    CustomValue,
    GetAuthDataResponse,
    GetAuthFieldResponse,
    GetPayMchResponse,
    InvoiceStatus,
    PayMchInfo,
    PayMchInfoParam,
    PersonalAuthInfo,
    UserAuthInfo,
    UserField,
    UserFieldParam,
)

__all__ = [
    "AuthField",
    "AuthFieldParam",
    "BizField",
    "BizFieldParam",
    "CompanyAuthInfo",
    "CustomField",
    "CustomFieldParam",
    "CustomValue",
    "GetAuthDataResponse",
    "GetAuthFieldResponse",
    "GetPayMchResponse",
    "InvoiceNamespace",
    "InvoiceStatus",
    "PayMchInfo",
    "PayMchInfoParam",
    "PersonalAuthInfo",
    "UserAuthInfo",
    "UserField",
    "UserFieldParam",
]


class InvoiceNamespace(Namespace):
    domain = "invoice"
    set_pay_mch = _endpoints.set_pay_mch
    get_pay_mch = _endpoints.get_pay_mch
    set_auth_field = _endpoints.set_auth_field
    get_auth_field = _endpoints.get_auth_field
    get_auth_data = _endpoints.get_auth_data

"""``client.invoice``: invoicing after payment (the gift-card document, section 12.2.2)."""

from __future__ import annotations

from ._endpoints import InvoiceEndpoints
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


class InvoiceNamespace(InvoiceEndpoints):
    """``client.invoice``: the merchant's invoicing settings and the users' authorizations."""

"""Invoicing endpoint descriptors: ``client.invoice``'s calls, declared as data."""

from __future__ import annotations

from .._endpoint import Endpoint, Namespace
from .._models import EmptyResponse
from .models import (
    EmptyRequest,
    GetAuthDataRequest,
    GetAuthDataResponse,
    GetAuthFieldResponse,
    GetPayMchResponse,
    SetAuthFieldRequest,
    SetPayMchRequest,
)

_SETBIZATTR = "/card/invoice/setbizattr"
# Post-payment invoicing is a section (12.2.2) of the gift-card document.
_SOURCE = "https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/gift_card.html"


class InvoiceEndpoints(Namespace):
    """The invoicing endpoints: four ``setbizattr`` actions, told apart by their query."""

    domain = "invoice"

    # The set_* actions store absolute settings: replaying one leaves the same state.
    set_pay_mch = Endpoint(
        "POST",
        _SETBIZATTR,
        SetPayMchRequest,
        EmptyResponse,
        idempotent=True,
        query={"action": "set_pay_mch"},
        source=_SOURCE,
    )
    get_pay_mch = Endpoint(
        "POST",
        _SETBIZATTR,
        EmptyRequest,
        GetPayMchResponse,
        idempotent=True,
        query={"action": "get_pay_mch"},
        source=_SOURCE,
    )
    set_auth_field = Endpoint(
        "POST",
        _SETBIZATTR,
        SetAuthFieldRequest,
        EmptyResponse,
        idempotent=True,
        query={"action": "set_auth_field"},
        source=_SOURCE,
    )
    get_auth_field = Endpoint(
        "POST",
        _SETBIZATTR,
        EmptyRequest,
        GetAuthFieldResponse,
        idempotent=True,
        query={"action": "get_auth_field"},
        source=_SOURCE,
    )
    get_auth_data = Endpoint(
        "POST",
        "/card/invoice/getauthdata",
        GetAuthDataRequest,
        GetAuthDataResponse,
        idempotent=True,
        source=_SOURCE,
    )

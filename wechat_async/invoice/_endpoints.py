from __future__ import annotations

from .._endpoint import Endpoint
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
_SOURCE = "seed 001, section 12.2.2"

# The set_* actions store absolute settings: replaying one leaves the same state.
set_pay_mch = Endpoint(
    "POST",
    _SETBIZATTR,
    SetPayMchRequest,
    EmptyResponse,
    idempotent=True,
    query={"action": "set_pay_mch"},
    source=_SOURCE + ".2",
)
get_pay_mch = Endpoint(
    "POST",
    _SETBIZATTR,
    EmptyRequest,
    GetPayMchResponse,
    idempotent=True,
    query={"action": "get_pay_mch"},
    source=_SOURCE + ".2",
)
set_auth_field = Endpoint(
    "POST",
    _SETBIZATTR,
    SetAuthFieldRequest,
    EmptyResponse,
    idempotent=True,
    query={"action": "set_auth_field"},
    source=_SOURCE + ".3",
)
get_auth_field = Endpoint(
    "POST",
    _SETBIZATTR,
    EmptyRequest,
    GetAuthFieldResponse,
    idempotent=True,
    query={"action": "get_auth_field"},
    source=_SOURCE + ".3",
)
get_auth_data = Endpoint(
    "POST",
    "/card/invoice/getauthdata",
    GetAuthDataRequest,
    GetAuthDataResponse,
    idempotent=True,
    source=_SOURCE + ".5",
)

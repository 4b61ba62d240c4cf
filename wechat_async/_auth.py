"""The access-token endpoints, declared like every other endpoint (``auth=False``)."""

from __future__ import annotations

from typing import Literal

import attrs

from ._endpoint import Endpoint, Namespace
from ._models import Response

__all__ = ["AuthNamespace", "StableTokenRequest", "TokenRequest", "TokenResponse"]


@attrs.define(kw_only=True)
class StableTokenRequest:
    appid: str
    secret: str = attrs.field(repr=False)
    grant_type: str = "client_credential"
    # Never force: a forced refresh invalidates the token every other process holds.
    force_refresh: bool = False


@attrs.define(kw_only=True)
class TokenRequest:
    appid: str
    secret: str = attrs.field(repr=False)
    grant_type: str = "client_credential"


@attrs.define(kw_only=True)
class TokenResponse(Response):
    access_token: str = attrs.field(repr=False)
    expires_in: int


class AuthNamespace(Namespace):
    stable_token = Endpoint(
        "POST",
        "/cgi-bin/stable_token",
        StableTokenRequest,
        TokenResponse,
        idempotent=True,
        auth=False,
        secret_reply=True,
    )
    token = Endpoint(
        "GET",
        "/cgi-bin/token",
        TokenRequest,
        TokenResponse,
        idempotent=True,
        auth=False,
        secret_reply=True,
        body="query",
    )


TokenEndpointName = Literal["stable", "token"]

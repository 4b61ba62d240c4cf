"""Third-party platforms (第三方平台): ``ComponentClient`` receives the platform's verify
ticket, keeps its component token, and hands out a client per merchant account that
authorised it (``platform.authorizer(appid)``), whose refresh token is durable state.

``platform.component`` holds the platform's own endpoints (``ComponentNamespace``);
``ComponentClient``'s methods wrap the ones that carry state (``query_auth`` stores the
refresh token).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._client import ComponentClient
from ._endpoints import ComponentEndpoints
from ._urls import authorization_url, mobile_authorization_url
from .models import (
    AuthorizationInfo,
    AuthorizerAccessTokenResponse,
    AuthorizerInfo,
    AuthorizerInfoResponse,
    AuthorizerListItem,
    AuthorizerListResponse,
    ComponentAccessTokenResponse,
    ConfirmInfo,
    FuncInfo,
    FuncscopeCategory,
    GetAuthorizerAccessTokenRequest,
    GetAuthorizerInfoRequest,
    GetAuthorizerListRequest,
    GetComponentAccessTokenRequest,
    GetPreAuthCodeRequest,
    PreAuthCodeResponse,
    QueryAuthRequest,
    QueryAuthResponse,
    StartPushTicketRequest,
    TypeInfo,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from .._endpoint import Endpoint

__all__ = [
    "AuthorizationInfo",
    "AuthorizerAccessTokenResponse",
    "AuthorizerInfo",
    "AuthorizerInfoResponse",
    "AuthorizerListItem",
    "AuthorizerListResponse",
    "ComponentAccessTokenResponse",
    "ComponentClient",
    "ComponentNamespace",
    "ConfirmInfo",
    "FuncInfo",
    "FuncscopeCategory",
    "GetAuthorizerAccessTokenRequest",
    "GetAuthorizerInfoRequest",
    "GetAuthorizerListRequest",
    "GetComponentAccessTokenRequest",
    "GetPreAuthCodeRequest",
    "PreAuthCodeResponse",
    "QueryAuthRequest",
    "QueryAuthResponse",
    "StartPushTicketRequest",
    "TypeInfo",
    "authorization_url",
    "mobile_authorization_url",
]

#: request fields the platform's client fills in, from the appid and secret it was made with
_FROM_APPID = ("component_appid",)
_FROM_SECRET = ("component_appsecret", "component_secret")


class ComponentNamespace(ComponentEndpoints):
    """``platform.component``: the platform's own calls, with its component token; the
    platform's appid and secret are filled in."""

    @classmethod
    def _held_by(cls, holder: Any) -> Self:
        # ComponentClient holds it; its calls go through the client of the platform's own
        # account (pool, retries, component tokens).
        return cls(holder._api)

    def _prepare(self, endpoint: Endpoint[Any, Any, Any], payload: dict[str, Any]) -> None:
        client = self._client
        fields = endpoint.request_fields
        for name in _FROM_APPID:
            if name in fields and not payload.get(name):
                payload[name] = client.appid
        for name in _FROM_SECRET:
            if name in fields and not payload.get(name) and client._secret:
                payload[name] = client._secret

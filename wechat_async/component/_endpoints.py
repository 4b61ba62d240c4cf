"""A third-party platform's own endpoints: ``platform.component``'s calls, declared as data.

They carry the component token as ``component_access_token``, the name the platform's API
pages give it (newer pages write ``access_token``: WeChat takes both).
"""

from __future__ import annotations

from .._endpoint import Endpoint, Namespace, OffsetPaging
from .models import (
    AuthorizerAccessTokenResponse,
    AuthorizerInfoResponse,
    AuthorizerListResponse,
    ComponentAccessTokenResponse,
    EmptyResponse,
    GetAuthorizerAccessTokenRequest,
    GetAuthorizerInfoRequest,
    GetAuthorizerListRequest,
    GetComponentAccessTokenRequest,
    GetPreAuthCodeRequest,
    PreAuthCodeResponse,
    QueryAuthRequest,
    QueryAuthResponse,
    StartPushTicketRequest,
)

_DOCS = "https://developers.weixin.qq.com/doc/oplatform/openApi"
_TOKEN = "component_access_token"


class ComponentEndpoints(Namespace):
    """The open platform's APIs a third-party platform calls for itself."""

    domain = "component"

    get_component_access_token = Endpoint(
        "POST",
        "/cgi-bin/component/api_component_token",
        GetComponentAccessTokenRequest,
        ComponentAccessTokenResponse,
        # Another token for the same ticket: asking twice costs a call, nothing else.
        idempotent=True,
        auth=False,
        secret_reply=True,
        source=f"{_DOCS}/ticket-token/api_getcomponentaccesstoken.html",
    )
    start_push_ticket = Endpoint(
        "POST",
        "/cgi-bin/component/api_start_push_ticket",
        StartPushTicketRequest,
        EmptyResponse,
        idempotent=True,
        auth=False,
        source=f"{_DOCS}/OpenApiDoc/ticket-token/startPushTicket.html",
    )
    get_pre_auth_code = Endpoint(
        "POST",
        "/cgi-bin/component/api_create_preauthcode",
        GetPreAuthCodeRequest,
        PreAuthCodeResponse,
        idempotent=True,
        token_param=_TOKEN,
        secret_reply=True,
        source=f"{_DOCS}/ticket-token/api_getpreauthcode.html",
    )
    query_auth = Endpoint(
        "POST",
        "/cgi-bin/component/api_query_auth",
        QueryAuthRequest,
        QueryAuthResponse,
        # A code is exchanged once: resent after a lost reply, it answers 61009. The refresh
        # token it gave is then read back with get_authorizer_info.
        idempotent=False,
        token_param=_TOKEN,
        secret_reply=True,
        source=f"{_DOCS}/ticket-token/api_getauthorizerrefreshtoken.html",
    )
    get_authorizer_access_token = Endpoint(
        "POST",
        "/cgi-bin/component/api_authorizer_token",
        GetAuthorizerAccessTokenRequest,
        AuthorizerAccessTokenResponse,
        # Resent after a lost reply that rotated the refresh token, it answers 61023: the
        # authorizer's refresh heals that from WeChat's copy (component/_refresh.py).
        idempotent=True,
        token_param=_TOKEN,
        secret_reply=True,
        source=f"{_DOCS}/ticket-token/api_getauthorizeraccesstoken.html",
    )
    get_authorizer_info = Endpoint(
        "POST",
        "/cgi-bin/component/api_get_authorizer_info",
        GetAuthorizerInfoRequest,
        AuthorizerInfoResponse,
        idempotent=True,
        token_param=_TOKEN,
        secret_reply=True,
        source=f"{_DOCS}/authorization-management/api_getauthorizerinfo.html",
    )
    get_authorizer_list = Endpoint(
        "POST",
        "/cgi-bin/component/api_get_authorizer_list",
        GetAuthorizerListRequest,
        AuthorizerListResponse,
        idempotent=True,
        token_param=_TOKEN,
        paging=OffsetPaging(items="authorizers", max_count=500),
        secret_reply=True,
        source=f"{_DOCS}/authorization-management/api_getauthorizerlist.html",
    )

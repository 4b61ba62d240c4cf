"""A third-party platform's own calls: its component token, pre-auth codes, the authorisations
merchants gave it (the open platform's ticket-token and authorization-management APIs).

``component_appid`` (and the secret where a call sends it) are filled in by the platform's
client: callers leave them out.
"""

from __future__ import annotations

from typing import Any

import attrs

from .._checks import between, min_len
from .._models import EmptyResponse, Response, meta

__all__ = [
    "AuthorizationInfo",
    "AuthorizerAccessTokenResponse",
    "AuthorizerInfo",
    "AuthorizerInfoResponse",
    "AuthorizerListItem",
    "AuthorizerListResponse",
    "ComponentAccessTokenResponse",
    "ConfirmInfo",
    "EmptyResponse",
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
]


def _component_appid() -> Any:
    #: the platform's appid (filled in by the platform's client)
    return attrs.field(default=None, metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class GetComponentAccessTokenRequest:
    """``POST /cgi-bin/component/api_component_token``: the component token, for the last
    ``component_verify_ticket`` WeChat pushed."""

    component_appid: str | None = _component_appid()
    #: the platform's AppSecret (filled in by the platform's client)
    component_appsecret: str | None = attrs.field(
        default=None, repr=False, metadata=meta(check=min_len(1))
    )
    component_verify_ticket: str = attrs.field(repr=False, metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class ComponentAccessTokenResponse(Response):
    """What ``api_component_token`` answers: the ``component_access_token`` and how long it lives
    (``expires_in``)."""

    component_access_token: str = attrs.field(repr=False)
    #: seconds (7200)
    expires_in: int


@attrs.define(kw_only=True)
class GetPreAuthCodeRequest:
    """``POST /cgi-bin/component/api_create_preauthcode``."""

    component_appid: str | None = _component_appid()


@attrs.define(kw_only=True)
class PreAuthCodeResponse(Response):
    """What ``api_create_preauthcode`` answers: a ``pre_auth_code`` for one authorisation page,
    and how long it lives."""

    #: opens the authorisation page once (``authorization_url``)
    pre_auth_code: str = attrs.field(repr=False)
    #: seconds (1800 by the documents; the example answers 600)
    expires_in: int


@attrs.define(kw_only=True)
class QueryAuthRequest:
    """``POST /cgi-bin/component/api_query_auth``: exchange the authorization code (the
    redirect's ``auth_code``, or the ``authorized`` push's) once."""

    component_appid: str | None = _component_appid()
    authorization_code: str = attrs.field(repr=False, metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class FuncscopeCategory(Response):
    """A permission set, by ``id``."""

    #: the permission set's id (权限集 ID)
    id: int


@attrs.define(kw_only=True)
class ConfirmInfo(Response):
    """A permission set's confirmation flags, as peer SDKs read them (the documents' table leaves
    them out)."""

    need_confirm: int | None = None
    already_confirm: int | None = None
    can_confirm: int | None = None


@attrs.define(kw_only=True)
class FuncInfo(Response):
    """One permission set the merchant granted."""

    funcscope_category: FuncscopeCategory
    confirm_info: ConfirmInfo | None = None


@attrs.define(kw_only=True)
class AuthorizationInfo(Response):
    """What a merchant granted: its appid, the permission sets, and (from ``api_query_auth``)
    its first access token and the refresh token every later one is made with."""

    authorizer_appid: str
    #: only when the account has API permissions
    authorizer_access_token: str | None = attrs.field(default=None, repr=False)
    expires_in: int | None = None
    #: lost, it can only be read back from WeChat (``get_authorizer_info``) or the merchant
    #: must authorise again: ``ComponentClient.query_auth`` stores it durably
    authorizer_refresh_token: str | None = attrs.field(default=None, repr=False)
    func_info: list[FuncInfo] = attrs.field(factory=list)

    @property
    def permission_sets(self) -> list[int]:
        """The ids of the permission sets granted (``func_info``'s)."""
        return [f.funcscope_category.id for f in self.func_info]


@attrs.define(kw_only=True)
class QueryAuthResponse(Response):
    """What ``api_query_auth`` answers: ``authorization_info``, with the merchant's appid,
    permission sets, first access token and refresh token."""

    authorization_info: AuthorizationInfo


@attrs.define(kw_only=True)
class GetAuthorizerAccessTokenRequest:
    """``POST /cgi-bin/component/api_authorizer_token``: a new access token for a merchant,
    from its refresh token (``ComponentClient.authorizer`` does this, storing a rotated refresh
    token first)."""

    component_appid: str | None = _component_appid()
    authorizer_appid: str = attrs.field(metadata=meta(check=min_len(1)))
    authorizer_refresh_token: str = attrs.field(repr=False, metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class AuthorizerAccessTokenResponse(Response):
    """What ``api_authorizer_token`` answers: the merchant's new access token, how long it lives,
    and the refresh token to use from now on."""

    authorizer_access_token: str = attrs.field(repr=False)
    expires_in: int
    #: the refresh token to use from now on (WeChat may rotate it)
    authorizer_refresh_token: str | None = attrs.field(default=None, repr=False)


@attrs.define(kw_only=True)
class GetAuthorizerInfoRequest:
    """``POST /cgi-bin/component/api_get_authorizer_info``."""

    component_appid: str | None = _component_appid()
    authorizer_appid: str = attrs.field(metadata=meta(check=min_len(1)))


@attrs.define(kw_only=True)
class TypeInfo(Response):
    """An account's service or verification type: its ``id``, and ``name`` when sent."""

    id: int
    name: str | None = None


@attrs.define(kw_only=True)
class AuthorizerInfo(Response):
    """The merchant's account (an Official Account's and a Mini Program's differ: every field
    WeChat sends is kept, the ones not listed in ``extra``)."""

    nick_name: str = ""
    head_img: str = ""
    service_type_info: TypeInfo | None = None
    verify_type_info: TypeInfo | None = None
    #: the original id (``gh_...``)
    user_name: str = ""
    principal_name: str = ""
    alias: str = ""
    qrcode_url: str = ""
    #: feature flags (``open_pay``, ``open_card``...: 1 opened)
    business_info: dict[str, int] = attrs.field(factory=dict)
    signature: str = ""
    #: present for a Mini Program
    mini_program_info: dict[str, Any] | None = attrs.field(
        default=None, metadata=meta(wire="MiniProgramInfo")
    )


@attrs.define(kw_only=True)
class AuthorizerInfoResponse(Response):
    """What ``api_get_authorizer_info`` answers: the merchant's account (``authorizer_info``) and
    its authorisation (``authorization_info``)."""

    authorizer_info: AuthorizerInfo
    #: with the refresh token WeChat holds now
    authorization_info: AuthorizationInfo


@attrs.define(kw_only=True)
class GetAuthorizerListRequest:
    """``POST /cgi-bin/component/api_get_authorizer_list``: one page of the accounts that
    authorised the platform (``ComponentClient.iter_authorizers`` reads them all)."""

    component_appid: str | None = _component_appid()
    offset: int = attrs.field(default=0, metadata=meta(check=between(0)))
    #: at most 500 a page
    count: int = attrs.field(default=500, metadata=meta(check=between(1, 500)))


@attrs.define(kw_only=True)
class AuthorizerListItem(Response):
    """One account that authorised the platform: its appid, refresh token and when it authorised."""

    authorizer_appid: str
    refresh_token: str | None = attrs.field(default=None, repr=False)
    #: when it authorised the platform (Unix seconds)
    auth_time: int | None = None


@attrs.define(kw_only=True)
class AuthorizerListResponse(Response):
    """What ``api_get_authorizer_list`` answers: one page of ``authorizers`` (``list`` on the
    wire), and ``total_count``."""

    total_count: int
    authorizers: list[AuthorizerListItem] = attrs.field(factory=list, metadata=meta(wire="list"))


@attrs.define(kw_only=True)
class StartPushTicketRequest:
    """``POST /cgi-bin/component/api_start_push_ticket``: ask WeChat to push a verify ticket
    now."""

    component_appid: str | None = _component_appid()
    #: the platform's AppSecret (filled in by the platform's client)
    component_secret: str | None = attrs.field(
        default=None, repr=False, metadata=meta(check=min_len(1))
    )

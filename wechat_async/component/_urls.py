"""The pages where a merchant authorises a platform, built from a pre-auth code.

The PC form (``componentloginpage``) shows a QR code the merchant's administrator scans; the
mobile form (``bindcomponent``) opens inside WeChat. After the merchant confirms, WeChat
redirects to ``redirect_uri`` with ``auth_code`` and ``expires_in``, and pushes the same code
in an ``authorized`` event. (The authorisation flow's technical description on the open
platform's documentation.)
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from .._errors import ConfigurationError

__all__ = ["authorization_url", "check_redirect_uri", "mobile_authorization_url"]

PC_PAGE = "https://mp.weixin.qq.com/cgi-bin/componentloginpage"
MOBILE_PAGE = "https://open.weixin.qq.com/wxaopen/safe/bindcomponent"


def authorization_url(
    component_appid: str,
    pre_auth_code: str,
    redirect_uri: str,
    *,
    auth_type: int | None = None,
    biz_appid: str | None = None,
    category_id_list: Iterable[int] | None = None,
) -> str:
    """The PC authorisation page (a QR code for the administrator to scan).

    ``auth_type``: which accounts the page lists (1 Official Accounts, 2 Mini Programs, 3
    both; WeChat's default: both). ``biz_appid``: only this account may authorise (it wins
    over a conflicting ``auth_type``). ``category_id_list``: offer only these permission sets.

    >>> authorization_url("wxcomponent", "preauthcode@@@x", "https://p.example/cb", auth_type=2)
    'https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxcomponent&pre_auth_code=preauthcode%40%40%40x&redirect_uri=https%3A%2F%2Fp.example%2Fcb&auth_type=2'
    """
    query = _query(component_appid, pre_auth_code, redirect_uri, auth_type, biz_appid)
    return f"{PC_PAGE}?{urlencode(_with_sets(query, category_id_list))}"


def mobile_authorization_url(
    component_appid: str,
    pre_auth_code: str,
    redirect_uri: str,
    *,
    auth_type: int | None = None,
    biz_appid: str | None = None,
    category_id_list: Iterable[int] | None = None,
) -> str:
    """The mobile authorisation page, opened inside WeChat (``#wechat_redirect``); the
    options as ``authorization_url``'s."""
    query = {
        "action": "bindcomponent",
        "no_scan": "1",
        **_query(component_appid, pre_auth_code, redirect_uri, auth_type, biz_appid),
    }
    return f"{MOBILE_PAGE}?{urlencode(_with_sets(query, category_id_list))}#wechat_redirect"


def _query(
    component_appid: str,
    pre_auth_code: str,
    redirect_uri: str,
    auth_type: int | None,
    biz_appid: str | None,
) -> dict[str, str]:
    if not pre_auth_code:
        raise ConfigurationError("pre_auth_code is required (get_pre_auth_code gives one)")
    check_redirect_uri(redirect_uri)
    query = {
        "component_appid": component_appid,
        "pre_auth_code": pre_auth_code,
        "redirect_uri": redirect_uri,
    }
    if auth_type is not None:
        query["auth_type"] = str(_int(auth_type, "auth_type"))
    if biz_appid is not None:
        query["biz_appid"] = biz_appid
    return query


def check_redirect_uri(redirect_uri: str) -> None:
    """Where WeChat sends the merchant back: an http(s) URL (on the platform's authorised
    domain, which only WeChat checks)."""
    if not isinstance(redirect_uri, str) or not redirect_uri.startswith(("https://", "http://")):
        raise ConfigurationError(f"redirect_uri must be an http(s) URL, got {redirect_uri!r}")


def _with_sets(query: dict[str, str], sets: Iterable[int] | None) -> dict[str, str]:
    if sets is not None:
        # Permission set ids joined by "|", as the documents write it.
        query["category_id_list"] = "|".join(str(_int(s, "category_id_list")) for s in sets)
    return query


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{name} must be an int, got {value!r}")
    return value

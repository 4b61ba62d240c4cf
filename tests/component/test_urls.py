"""The authorisation pages' URLs, PC and mobile, as the open platform documents them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from wechat_async import ConfigurationError
from wechat_async.component._urls import authorization_url, mobile_authorization_url

CODE = "preauthcode@@@Cx_Dk6qiBE0Dmx4EmlT3oRfArPvw"
BACK = "https://platform.example/authorised?merchant=42&x=a b"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_pc_page_carries_the_code_and_the_encoded_redirect() -> None:
    url = authorization_url("wxcomponent", CODE, BACK, auth_type=2, biz_appid="wxmerchant")
    assert url.startswith("https://mp.weixin.qq.com/cgi-bin/componentloginpage?")
    assert "redirect_uri=https%3A%2F%2Fplatform.example%2Fauthorised%3Fmerchant%3D42" in url
    assert _query(url) == {
        "component_appid": ["wxcomponent"],
        "pre_auth_code": [CODE],
        "redirect_uri": [BACK],
        "auth_type": ["2"],
        "biz_appid": ["wxmerchant"],
    }


def test_mobile_page_opens_inside_wechat() -> None:
    url = mobile_authorization_url("wxcomponent", CODE, BACK, category_id_list=[51, 8])
    split = urlsplit(url)
    assert f"{split.scheme}://{split.netloc}{split.path}" == (
        "https://open.weixin.qq.com/wxaopen/safe/bindcomponent"
    )
    assert split.fragment == "wechat_redirect"
    query = _query(url)
    assert (query["action"], query["no_scan"]) == (["bindcomponent"], ["1"])
    assert query["category_id_list"] == ["51|8"]
    assert "auth_type" not in query  # WeChat's default: every account type


@pytest.mark.parametrize(
    ("args", "options", "named"),
    [
        (("", BACK), {}, "pre_auth_code"),
        ((CODE, "platform.example/back"), {}, "redirect_uri"),
        ((CODE, BACK), {"auth_type": True}, "auth_type"),
        ((CODE, BACK), {"auth_type": "2"}, "auth_type"),
        ((CODE, BACK), {"category_id_list": ["51"]}, "category_id_list"),
    ],
)
def test_bad_input_names_the_field(
    args: tuple[str, str], options: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        authorization_url("wxcomponent", *args, **options)  # type: ignore[arg-type]

"""Request ids in errmsg, in every form seen on the wire: both kept, each named once."""

from __future__ import annotations

import pytest
import respx

from tests.helpers import BASE, client_for, mock_token
from wechat_async import APIError, InvalidCredentialsError
from wechat_async._errcodes import error_for
from wechat_async._errors import parse_request_ids

BOTH = "invalid openid hint: [dMz2OA07714007][2023-11-02 07:52:51] rid: 6542e4d3-7c3b1b87-302eae3f"


@pytest.mark.parametrize(
    ("errmsg", "rid", "hint"),
    [
        ("invalid code hint: [kJ4Nya0731ge21]", None, "kJ4Nya0731ge21"),
        # Hint ids with a dot (gift card and delivery APIs)
        ("order not exists hint: [l.2tCa08354078]", None, "l.2tCa08354078"),
        ("invalid code hint: [jV.FWa05322790]", None, "jV.FWa05322790"),
        ("invalid credential rid: 61b7289f-6875924d-25b4d70a", "61b7289f-6875924d-25b4d70a", None),
        # Both, with a timestamp between them (City Service)
        (BOTH, "6542e4d3-7c3b1b87-302eae3f", "dMz2OA07714007"),
        # An empty rid, at the end or before another word
        ("invalid appsecret rid:", None, None),
        ("invalid appsecret rid: ", None, None),
        ("invalid appsecret rid: hint: [abc]", None, "abc"),
        ("invalid appsecret rid:\nhint", None, None),
        # A sentence's full stop is not part of the id; "grid:" is not "rid:"
        ("bad rid: 61b7289f-6875924d-25b4d70a.", "61b7289f-6875924d-25b4d70a", None),
        ("grid: 5", None, None),
        ("ok", None, None),
    ],
)
def test_every_form_is_parsed(errmsg: str, rid: str | None, hint: str | None) -> None:
    assert parse_request_ids(errmsg) == (rid, hint)


def test_both_ids_are_kept_and_named_once() -> None:
    error = error_for(40097, BOTH, endpoint="/cityservice/sendmsgdata", domain="cityservice")
    assert (error.rid, error.hint) == ("6542e4d3-7c3b1b87-302eae3f", "dMz2OA07714007")
    assert error.errmsg == BOTH  # nothing lost
    message = str(error)
    assert message.count("6542e4d3-7c3b1b87-302eae3f") == 1
    assert message.count("dMz2OA07714007") == 1
    assert "rid: 6542e4d3-7c3b1b87-302eae3f, hint: dMz2OA07714007)" in message
    assert "2023-11-02 07:52:51" in message
    assert "hint='dMz2OA07714007'" in repr(error)


def test_a_hint_alone_is_the_rid_and_named_once() -> None:
    error = error_for(40056, "invalid code hint: [l.2tCa08354078]", endpoint="/card/code/get")
    assert (error.rid, error.hint) == ("l.2tCa08354078", "l.2tCa08354078")
    assert str(error).count("l.2tCa08354078") == 1
    assert "(errmsg: 'invalid code', rid: l.2tCa08354078) at /card/code/get" in str(error)


def test_an_empty_rid_is_none_and_not_named() -> None:
    error = error_for(40125, "invalid appsecret rid:", endpoint="/cgi-bin/token")
    assert (error.rid, error.hint) == (None, None)
    assert "rid: None" not in str(error)
    assert "'invalid appsecret rid:'" in str(error)


@pytest.mark.parametrize(
    ("errmsg", "rid", "hint"),
    [
        # /cgi-bin/token used "hint:" in 2017 and "rid:" since
        (
            "invalid appsecret, view more at http://t.cn/RAEkdVq hint: [FqK8ra0x3e]",
            None,
            "FqK8ra0x3e",
        ),
        ("invalid appsecret rid: 6542e4d3-7c3b1b87-302eae3f", "6542e4d3-7c3b1b87-302eae3f", None),
        ("invalid appsecret rid:", None, None),
    ],
    ids=["2017-hint", "rid", "empty-rid"],
)
async def test_token_endpoint_errors_carry_their_request_id(
    errmsg: str, rid: str | None, hint: str | None
) -> None:
    router = respx.Router()
    router.get(url__startswith=f"{BASE}/cgi-bin/token").respond(
        json={"errcode": 40125, "errmsg": errmsg}
    )
    async with client_for(router, token_endpoint="token") as client:
        with pytest.raises(InvalidCredentialsError) as info:
            await client.tokens.get()
    assert (info.value.rid, info.value.hint) == (rid or hint, hint)
    assert info.value.endpoint == "/cgi-bin/token"


async def test_a_reply_with_both_ids_reaches_the_caller_with_both() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}/cityservice/sendmsgdata").respond(json={"errcode": 40097, "errmsg": BOTH})
    async with client_for(router) as client:
        with pytest.raises(APIError) as info:
            await client.cityservice.send_msg_data(
                openid="o", biz_template_id="t", order_no="1", data={"k": {"value": "v"}}
            )
    assert (info.value.rid, info.value.hint) == ("6542e4d3-7c3b1b87-302eae3f", "dMz2OA07714007")

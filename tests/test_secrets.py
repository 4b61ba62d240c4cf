"""Secrets (app secret, access_token) never reach logs, exception text or reprs."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from tests.helpers import APPID, BASE, SECRET, TOKEN, client_for, fast_retry, mock_token
from wechat_async import AccessToken, WeChatClient, WeChatError
from wechat_async._auth import StableTokenRequest
from wechat_async._redact import redact

SEND = f"{BASE}/cityservice/sendmsgdata"
CALL = {"openid": "o", "we_template_id": "t", "order_no": "1", "data": {"k": {"value": "v"}}}


def _assert_clean(text: str) -> None:
    assert TOKEN not in text
    assert SECRET not in text


async def test_failures_leave_no_secret_in_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    router = respx.Router(assert_all_called=False)
    mock_token(router)
    router.post(SEND).mock(
        side_effect=[
            httpx.Response(200, json={"errcode": 40001, "errmsg": f"bad access_token={TOKEN}"}),
            httpx.ReadTimeout("timed out"),
            httpx.Response(502),
            httpx.Response(
                200, json={"errcode": 45009, "errmsg": f"quota secret={SECRET} rid: ab-1"}
            ),
        ]
    )
    errors: list[BaseException] = []
    async with client_for(router, retry=fast_retry(max_retries=5)) as client:
        # Not idempotent: the read timeout is not retried, so drive the rest through with_options.
        with pytest.raises(WeChatError) as info:
            await client.cityservice.send_msg_data(**CALL)
        errors.append(info.value)
        with pytest.raises(WeChatError) as info:
            await client.cityservice.send_msg_data(**CALL)
        errors.append(info.value)
        with pytest.raises(WeChatError) as info:
            await client.cityservice.send_msg_data(**CALL)
        errors.append(info.value)
        _assert_clean(repr(client))
        _assert_clean(repr(client.tokens))
    assert caplog.records, "httpx logs each request; the filter must have seen them"
    assert any("access_token=***" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        _assert_clean(record.getMessage())
    for error in errors:
        _assert_clean(str(error))
        _assert_clean(repr(error))
    assert errors[-1].rid == "ab-1"  # type: ignore[attr-defined]


async def test_token_endpoint_get_never_logs_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    router = respx.Router()
    router.get(f"{BASE}/cgi-bin/token").respond(503)
    async with client_for(router, token_endpoint="token") as client:
        with pytest.raises(WeChatError) as info:
            await client.cityservice.send_msg_data(**CALL)
    _assert_clean(str(info.value))
    messages = [r.getMessage() for r in caplog.records]
    assert any("secret=***" in m for m in messages)
    for message in messages:
        _assert_clean(message)


def test_reprs_hide_secrets() -> None:
    client = WeChatClient(APPID, SECRET)
    _assert_clean(repr(client))
    assert APPID in repr(client)
    _assert_clean(repr(AccessToken(TOKEN, 0)))
    _assert_clean(repr(StableTokenRequest(appid=APPID, secret=SECRET)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /x?access_token=abc&b=1", "GET /x?access_token=***&b=1"),
        ('{"secret": "s3cr3t", "appid": "wx"}', '{"secret": "***", "appid": "wx"}'),
        ("appid=wx&secret=abc", "appid=wx&secret=***"),
        ("nothing here", "nothing here"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected

"""Secrets (app secret, access_token) never reach logs, exception text or reprs."""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
import httpx
import pytest
import respx

from tests.helpers import APPID, BASE, SECRET, TOKEN, client_for, fast_retry, mock_token
from wechat_async import AccessToken, RequestValidationError, WeChatClient, WeChatError
from wechat_async._auth import StableTokenRequest
from wechat_async._redact import redact

SEND = f"{BASE}/cityservice/sendmsgdata"
CALL = {"openid": "o", "biz_template_id": "t", "order_no": "1", "data": {"k": {"value": "v"}}}


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


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def user_logging() -> Any:
    """Logging set up the way users do: basicConfig at DEBUG, a handler on the root, and one
    on a child logger added after the client exists."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    on_root = _Collect()
    root.addHandler(on_root)
    root.setLevel(logging.DEBUG)
    child = logging.getLogger("wechat_async.token")
    on_child = _Collect()
    yield on_root, on_child, child
    child.removeHandler(on_child)
    root.removeHandler(on_root)
    root.setLevel(saved[0])


async def test_token_in_a_truncated_token_reply_is_masked_everywhere(user_logging: Any) -> None:
    on_root, on_child, child = user_logging
    leaked = "LEAKED_TOKEN_0123456789abcdef"
    router = respx.Router(assert_all_called=False)
    router.post(f"{BASE}/cgi-bin/stable_token").mock(
        side_effect=[
            httpx.Response(200, json={"access_token": TOKEN, "expires_in": 7200}),
            # Truncated: not JSON, and the first bytes quote the new token.
            httpx.Response(200, content=f'{{"access_token":"{leaked}","expi'.encode()),
            httpx.Response(200, content=f"<html>{leaked}</html>".encode()),
        ]
    )
    router.post(SEND).respond(json={"errcode": 0, "errmsg": "ok"})
    async with client_for(router) as client:
        child.addHandler(on_child)  # added after the client: still masked
        await client.cityservice.send_msg_data(**CALL)
        # 200 s before expiry: inside the advisory window, a call refreshes and fails softly.
        client.tokens._clock = lambda: time.time() + 7000
        await client.cityservice.send_msg_data(**CALL)
        await anyio.wait_all_tasks_blocked()  # the refresh runs beside the call
        with pytest.raises(WeChatError) as info:
            await client._auth.stable_token(appid=APPID, secret=SECRET)
    text = "\n".join([*on_root.lines, *on_child.lines, str(info.value), repr(info.value)])
    assert "advisory token refresh failed" in text
    assert on_child.lines, "the child logger's own handler saw the warning"
    for secret in (leaked, TOKEN, SECRET):
        assert secret not in text
    assert "httpx" in "".join(on_root.lines)  # the HTTP libraries' records were there too


def test_remembered_secrets_are_masked_wherever_they_appear() -> None:
    from wechat_async._redact import remember_secret

    remember_secret("S3CRET-value-without-a-key")
    assert redact("echo: S3CRET-value-without-a-key!") == "echo: ***!"
    remember_secret("short")  # too short to replace blindly in text
    assert redact("short") == "short"


def test_a_record_logged_with_a_traceback_is_masked() -> None:
    handler = _Collect()
    log = logging.getLogger("wechat_async.callbacks")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        try:
            raise RuntimeError(f"GET /x?access_token={TOKEN}")
        except RuntimeError:
            log.exception("push failed")
    finally:
        log.removeHandler(handler)
        log.setLevel(logging.NOTSET)
    text = "\n".join(handler.lines)
    assert "push failed" in text
    assert "RuntimeError" in text
    assert TOKEN not in text


async def test_a_refused_value_quoting_a_secret_is_masked_in_the_error() -> None:
    router = respx.Router(assert_all_called=False)
    route = mock_token(router)
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            # A pasted URL where an int is due: the type error quotes the value it refuses.
            await client.giftcard.batch_get_orders(
                begin_time=f"https://x/?access_token={TOKEN}",  # type: ignore[arg-type]
                end_time=1,
                sort_type="ASC",
                offset=0,
                count=1,
            )
    assert route.call_count == 0
    assert info.value.fields == ("begin_time",)
    for text in (str(info.value), repr(info.value), *(e.message for e in info.value.errors)):
        assert TOKEN not in text

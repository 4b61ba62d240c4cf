"""Hooks: every attempt, retry, token fetch, call end and push is reported to the client's and
the router's hooks, on every transport (httpx and aiohttp over a real port, a user's own), on
asyncio and trio; a hook that raises is logged and changes nothing; DEBUG records per attempt
and per token fetch without any hook; nothing observed costs a call when nobody listens."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Mapping
from typing import Any

import anyio
import httpx
import pytest
import respx

from tests.helpers import APPID, BASE, SECRET, client_for, fast_retry, mock_token
from wechat_async import (
    AccessToken,
    ConfigurationError,
    Hooks,
    InvalidCredentialsError,
    MemoryTokenStore,
    ResponseDecodeError,
    TransportError,
    WeChatClient,
)
from wechat_async._observe import Watch
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.callbacks._signature import sign
from wechat_async.hooks import (
    CallEndEvent,
    PushEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    TokenRefreshEvent,
)
from wechat_async.testing import Emulator
from wechat_async.testing._app import Faults
from wechat_async.transports import Timeouts, TransportResponse

GET_ORDER = "/card/giftcard/order/get"
BATCH = "/card/giftcard/order/batchget"
ORDER_REPLY = {"errcode": 0, "errmsg": "ok", "order": {"order_id": "o1"}}


def recorder() -> tuple[Hooks, list[Any]]:
    seen: list[Any] = []

    async def record(event: Any) -> None:
        seen.append(event)

    hooks = Hooks(
        on_request=record,
        on_response=record,
        on_retry=record,
        on_call_end=record,
        on_token_refresh=record,
    )
    return hooks, seen


def _transports(backend: str) -> list[str]:
    return ["httpx", "aiohttp"] if backend == "asyncio" else ["httpx"]


def _of(seen: list[Any], endpoint: str, *, tokens: bool = True) -> list[Any]:
    """The events of one endpoint's calls, in order (and the token refreshes, if ``tokens``)."""
    return [
        e
        for e in seen
        if (tokens and isinstance(e, TokenRefreshEvent))
        or (not isinstance(e, TokenRefreshEvent) and e.call.endpoint == endpoint)
    ]


def _kinds(events: list[Any]) -> list[str]:
    return [type(e).__name__.removesuffix("Event") for e in events]


async def test_hooks_see_attempts_a_token_replay_and_retries_on_every_transport(
    anyio_backend: str,
) -> None:
    for name in _transports(anyio_backend):
        wx = Emulator(orders=3, seed=1, path_faults={BATCH: Faults(bad_gateway=1.0)})
        order_id = wx.book.orders()[0]["order_id"]
        store = MemoryTokenStore()  # a token WeChat no longer takes: rejected, then replaced
        await store.set(wx.appid, AccessToken("STALE_TOKEN_0123456789", time.time() + 3600))
        hooks, seen = recorder()
        async with (
            wx,
            wx.client(
                transport=name, token_store=store, hooks=hooks, retry=fast_retry(max_retries=1)
            ) as client,
        ):
            await client.giftcard.get_order(order_id=order_id)
            with pytest.raises(TransportError):
                await client.giftcard.batch_get_orders(
                    begin_time=wx.start_time, end_time=wx.start_time + 86400, offset=0, count=10
                )
        get = _of(seen, "giftcard.get_order")
        assert _kinds(get) == [
            "Request",
            "Response",
            "Retry",
            "TokenRefresh",
            "Request",
            "Response",
            "CallEnd",
        ], name
        first, rejected, replay, refresh, second, answered, end = get
        assert (first.attempt, second.attempt) == (1, 2)
        assert first.url.endswith(f"{GET_ORDER}?access_token=***")
        assert (rejected.status, rejected.errcode) == (200, 40001)
        assert rejected.error_type is not None
        assert (replay.reason, replay.delay, replay.attempt) == ("token", 0.0, 1)
        assert (refresh.appid, refresh.source, refresh.error_type) == (
            wx.appid,
            "stable_token",
            None,
        )
        assert refresh.expires_in > 7000
        assert (answered.status, answered.errcode, answered.error_type) == (200, 0, None)
        assert answered.duration >= 0
        assert (end.attempts, end.status, end.error_type, end.error) == (2, 200, None, None)
        assert first.call is end.call  # one CallInfo per call: hooks may key state on it
        assert (end.call.method, end.call.path, end.call.idempotent) == ("POST", GET_ORDER, True)

        batch = _of(seen, "giftcard.batch_get_orders", tokens=False)
        assert _kinds(batch) == ["Request", "Response", "Retry", "Request", "Response", "CallEnd"]
        assert [e.status for e in batch if isinstance(e, ResponseEvent)] == [502, 502]
        assert [e.error_type for e in batch if isinstance(e, ResponseEvent)] == ["502", "502"]
        retry = batch[2]
        assert (retry.reason, retry.attempt) == ("ambiguous", 1)
        assert retry.delay > 0
        end = batch[-1]
        assert (end.attempts, end.error_type, end.may_have_been_applied) == (
            2,
            "TransportError",
            True,
        )
        # The token fetch is a call of its own, reported like any other.
        token_call = _of(seen, "stable_token")
        assert "CallEnd" in _kinds(token_call)


async def test_each_page_of_an_order_sync_is_reported_as_a_call(anyio_backend: str) -> None:
    """iter_orders sends its pages from a template and reads them typed: each page is still
    one observed call of batch_get_orders, as the endpoint's own call would be."""
    for name in _transports(anyio_backend):
        for pipelined in (False, True):
            wx = Emulator(orders=250, seed=3)
            hooks, seen = recorder()
            async with wx, wx.client(transport=name, hooks=hooks) as client:
                sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=4)
                if pipelined:
                    async with sync as orders:
                        ids = [order.order_id async for order in orders]
                else:
                    ids = [order.order_id async for order in sync]
            assert len(set(ids)) == 250
            pages = _of(seen, "giftcard.batch_get_orders", tokens=False)
            served = wx.requests[BATCH]
            assert _kinds(pages).count("Request") == served, (name, pipelined)
            responses = [e for e in pages if isinstance(e, ResponseEvent)]
            ends = [e for e in pages if isinstance(e, CallEndEvent)]
            assert len(responses) == len(ends) == served >= 3
            assert {(e.status, e.errcode, e.error_type) for e in responses} == {(200, 0, None)}
            assert {(e.attempts, e.error_type) for e in ends} == {(1, None)}


async def test_a_users_own_transport_runs_the_hooks() -> None:
    class Canned:
        async def send(
            self,
            method: str,
            url: str,
            headers: Mapping[str, str],
            body: bytes | None,
            timeouts: Timeouts,
        ) -> TransportResponse:
            return TransportResponse(200, {}, json.dumps(ORDER_REPLY).encode())

        async def aclose(self) -> None:
            pass

    async def provider() -> str:
        return "PROVIDED_TOKEN_0123456789"

    hooks, seen = recorder()
    async with WeChatClient(
        APPID, token_provider=provider, transport=Canned(), hooks=hooks
    ) as client:
        await client.giftcard.get_order(order_id="o1")
    assert _kinds(seen) == ["TokenRefresh", "Request", "Response", "CallEnd"]
    assert seen[0].source == "provider"
    assert seen[1].url == f"{BASE}{GET_ORDER}?access_token=***"


async def test_a_transport_failure_is_an_answer_of_none_named_by_the_library(
    anyio_backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="wechat_async.calls")
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name in _transports(anyio_backend):
        hooks, seen = recorder()

        async def provider() -> str:
            return "PROVIDED_TOKEN_0123456789"

        async with WeChatClient(
            APPID,
            token_provider=provider,
            base_url=f"http://127.0.0.1:{port}",
            transport=name,  # type: ignore[arg-type]
            hooks=hooks,
            retry=fast_retry(max_retries=0),
        ) as client:
            with pytest.raises(TransportError):
                await client.giftcard.get_order(order_id="o1")
        response = next(e for e in seen if isinstance(e, ResponseEvent))
        assert response.status is None
        assert response.error_type in ("ConnectError", "ClientConnectorError"), name
        assert seen[-1].error_type == "TransportError"
        record = next(r.getMessage() for r in caplog.records if "attempt 1" in r.getMessage())
        assert f"{GET_ORDER}: no answer ({response.error_type}), attempt 1, " in record
        caplog.clear()


async def test_the_deadline_and_a_cancellation_end_the_attempt_in_flight() -> None:
    router = respx.Router()
    mock_token(router)

    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        raise AssertionError("not reached")

    router.post(f"{BASE}{GET_ORDER}").mock(side_effect=hang)
    hooks, seen = recorder()
    async with client_for(router, hooks=hooks, retry=fast_retry(deadline=0.3)) as client:
        with pytest.raises(TransportError, match="deadline"):
            await client.giftcard.get_order(order_id="o1")
        calls = _of(seen, "giftcard.get_order", tokens=False)
        assert _kinds(calls) == ["Request", "Response", "CallEnd"]
        assert (calls[1].status, calls[1].error_type) == (None, "TransportError")
        assert calls[2].may_have_been_applied  # it was on the wire when the deadline struck
        seen.clear()
        with anyio.move_on_after(0.3):
            await client.with_options(deadline=60).giftcard.get_order(order_id="o1")
        assert _kinds(seen) == ["Request", "Response", "CallEnd"]
        assert seen[1].error_type == seen[2].error_type == "Cancelled"


async def test_an_unreadable_answer_is_reported_with_its_status() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").respond(200, text="<html>gateway</html>")
    hooks, seen = recorder()
    async with client_for(router, hooks=hooks) as client:
        with pytest.raises(ResponseDecodeError):
            await client.giftcard.get_order(order_id="o1")
    calls = _of(seen, "giftcard.get_order", tokens=False)
    assert _kinds(calls) == ["Request", "Response", "CallEnd"]
    assert (calls[1].status, calls[1].error_type) == (200, "ResponseDecodeError")
    assert (calls[2].status, calls[2].error_type) == (200, "ResponseDecodeError")


async def test_a_failed_token_fetch_is_reported_and_ends_the_call() -> None:
    router = respx.Router()
    router.post(f"{BASE}/cgi-bin/stable_token").respond(
        json={"errcode": 40125, "errmsg": "invalid appsecret"}
    )
    hooks, seen = recorder()
    async with client_for(router, hooks=hooks) as client:
        with pytest.raises(InvalidCredentialsError):
            await client.giftcard.get_order(order_id="o1")
    refresh = next(e for e in seen if isinstance(e, TokenRefreshEvent))
    assert (refresh.error_type, refresh.expires_in) == ("InvalidCredentialsError", None)
    assert "40125" in str(refresh.error)
    end = _of(seen, "giftcard.get_order")[-1]
    assert (end.attempts, end.status, end.error_type) == (0, None, "InvalidCredentialsError")


async def test_a_hook_that_raises_is_logged_and_the_call_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="wechat_async.hooks")
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").respond(json=ORDER_REPLY)

    async def boom(event: RequestEvent) -> None:
        raise RuntimeError("the metrics backend is down")

    def not_async(event: ResponseEvent) -> None:  # returns None: nothing to await
        pass

    after, seen = recorder()
    broken = Hooks(on_request=boom, on_response=not_async)  # type: ignore[arg-type]
    async with client_for(router, hooks=[broken, after]) as client:
        reply = await client.giftcard.get_order(order_id="o1")
    assert reply.order is not None
    assert "Request" in _kinds(seen)  # the next set's hooks still ran
    assert "Response" in _kinds(seen)
    failures = [r for r in caplog.records if r.name == "wechat_async.hooks"]
    assert {r.levelno for r in failures} == {logging.ERROR}
    texts = [r.getMessage() for r in failures]
    assert any("boom" in t and "RequestEvent" in t for t in texts)
    assert any("not_async" in t and "ResponseEvent" in t for t in texts)
    assert any("the metrics backend is down" in (r.exc_text or "") for r in failures)


async def test_clones_keep_the_hooks() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").respond(json=ORDER_REPLY)
    hooks, seen = recorder()
    async with client_for(router, hooks=hooks) as client:
        await client.with_options(timeout=5, max_retries=0).giftcard.get_order(order_id="o1")
    assert _kinds(_of(seen, "giftcard.get_order"))[-1] == "CallEnd"


def test_hooks_take_async_callables_and_clients_take_hooks() -> None:
    with pytest.raises(ConfigurationError, match="on_retry"):
        Hooks(on_retry="print")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="Hooks or a list"):
        WeChatClient(APPID, SECRET, hooks=[object()])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="Hooks or a list"):
        CallbackRouter("push-token", hooks=print)  # type: ignore[arg-type]


async def test_debug_records_per_attempt_and_per_token_fetch_without_hooks(
    anyio_backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="wechat_async")
    wx = Emulator(orders=1)
    order_id = wx.book.orders()[0]["order_id"]
    async with wx, wx.client() as client:  # the default transport: aiohttp on asyncio
        await client.giftcard.get_order(order_id=order_id)
    calls = [r.getMessage() for r in caplog.records if r.name == "wechat_async.calls"]
    assert len(calls) == 2  # the token fetch's attempt, then the call's
    assert calls[-1].startswith(f"giftcard.get_order {GET_ORDER}: HTTP 200, errcode 0, attempt 1, ")
    assert calls[-1].endswith(" ms")
    tokens = [r.getMessage() for r in caplog.records if r.name == "wechat_async.token"]
    assert len(tokens) == 1
    assert tokens[0].startswith("access token fetched (stable_token) in ")


async def test_debug_records_name_a_failed_call_and_its_errcode(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="wechat_async.calls")
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").respond(json={"errcode": 40099, "errmsg": "invalid code"})
    async with client_for(router) as client:
        with pytest.raises(Exception, match="40099"):
            await client.giftcard.get_order(order_id="o1")
    messages = [r.getMessage() for r in caplog.records if r.name == "wechat_async.calls"]
    assert any("HTTP 200, errcode 40099, attempt 1" in m for m in messages)
    assert messages[-1].startswith("giftcard.get_order failed after 1 attempt(s)")


async def test_nothing_is_observed_when_nobody_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hooks and no DEBUG logger: the call path makes no watch (one check a call)."""
    sdk_logger = logging.getLogger("wechat_async")
    level = sdk_logger.level
    sdk_logger.setLevel(logging.INFO)

    def refuse(*args: Any) -> None:
        raise AssertionError("a watch was made with nobody listening")

    monkeypatch.setattr(Watch, "__init__", refuse)
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").respond(json=ORDER_REPLY)
    try:
        async with client_for(router) as client:
            await client.giftcard.get_order(order_id="o1")
    finally:
        sdk_logger.setLevel(level)


# -- pushes ---------------------------------------------------------------------------------
PUSH_TOKEN = "push-token-for-hooks"
NOW = 1_700_000_000


def _push(order_id: str, nonce: str) -> tuple[dict[str, str], bytes]:
    body = (
        "<xml><ToUserName>gh_1</ToUserName><FromUserName>o_buyer</FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType>event</MsgType>"
        f"<Event>giftcard_pay_done</Event><OrderId>{order_id}</OrderId></xml>"
    )
    query = {"signature": sign(PUSH_TOKEN, str(NOW), nonce), "timestamp": str(NOW), "nonce": nonce}
    return query, body.encode()


async def test_the_router_reports_each_reply_to_on_push() -> None:
    pushes: list[PushEvent] = []

    async def record(event: PushEvent) -> None:
        pushes.append(event)

    router = CallbackRouter(PUSH_TOKEN, clock=lambda: NOW, hooks=Hooks(on_push=record))

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        pass

    query, body = _push("O1", "n1")
    assert (await router.handle("POST", query, body)).status == 200
    forged = {**query, "signature": "0" * 40, "nonce": "n2"}
    assert (await router.handle("POST", forged, body)).status == 403
    assert [(p.status, p.event_type) for p in pushes] == [(200, "giftcard_pay_done"), (403, None)]
    assert all(p.duration >= 0 for p in pushes)


def test_a_router_without_push_hooks_answers_through_its_own_method() -> None:
    for hooks in (None, Hooks(on_request=recorder()[0].on_request)):
        router = CallbackRouter(PUSH_TOKEN, hooks=hooks)
        assert router.handle.__func__ is CallbackRouter.handle  # type: ignore[attr-defined]


def test_the_events_are_exported() -> None:
    import wechat_async.hooks as module

    for cls in (RequestEvent, ResponseEvent, RetryEvent, CallEndEvent, TokenRefreshEvent):
        assert cls.__name__ in module.__all__

"""OpenTelemetryHooks, read back with the SDK's in-memory span exporter and metric reader: a
span per logical call with a CLIENT child per attempt under the HTTP client conventions,
WeChat's errcode/resultcode/retry count/may_have_been_applied, and the call, retry, token
refresh and push metrics."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
import respx
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from tests.delivery.test_delivery import ORDER, PREFIX, SHOP
from tests.delivery.test_delivery import SECRET as CARRIER_SECRET
from tests.helpers import BASE, client_for, fast_retry, mock_token
from tests.test_hooks import NOW, PUSH_TOKEN, _push
from wechat_async import (
    CarrierError,
    InvalidCredentialsError,
    InvalidParameterError,
    TransportError,
    WeChatError,
)
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.otel import OpenTelemetryHooks

GET_ORDER = "/card/giftcard/order/get"
ORDER_REPLY = {"errcode": 0, "errmsg": "ok", "order": {"order_id": "o1"}}


class Telemetry:
    """An SDK tracer and meter provider, recording in memory."""

    def __init__(self) -> None:
        self.spans_exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_exporter))
        self.reader = InMemoryMetricReader()
        meter_provider = MeterProvider(metric_readers=[self.reader])
        self.hooks = OpenTelemetryHooks(
            tracer_provider=tracer_provider, meter_provider=meter_provider
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.spans_exporter.get_finished_spans())

    def span(self, name: str) -> ReadableSpan:
        (found,) = [s for s in self.spans() if s.name == name]
        return found

    def points(self, metric: str) -> list[tuple[dict[str, Any], Any]]:
        """(attributes, value) of each data point: a sum's value, a histogram's count."""
        found = []
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    if m.name != metric:
                        continue
                    for point in m.data.data_points:
                        value = getattr(point, "count", None)
                        if value is None:
                            value = point.value  # type: ignore[union-attr]
                        found.append((dict(point.attributes or {}), value))
        return found


@pytest.fixture
def otel() -> Telemetry:
    return Telemetry()


async def test_a_call_is_a_span_with_a_client_span_per_attempt(otel: Telemetry) -> None:
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").mock(
        side_effect=[httpx.Response(502), httpx.Response(200, json=ORDER_REPLY)]
    )
    async with client_for(router, hooks=otel.hooks) as client:
        await client.giftcard.get_order(order_id="o1")

    call = otel.span("giftcard.get_order")
    assert call.kind is SpanKind.INTERNAL
    assert dict(call.attributes or {}) == {
        "wechat.endpoint": "giftcard.get_order",
        "wechat.retry_count": 1,
        "wechat.errcode": 0,
        "wechat.resultcode": 0,
    }
    assert call.status.status_code is StatusCode.UNSET
    attempts = [s for s in otel.spans() if s.name == f"POST {GET_ORDER}"]
    assert len(attempts) == 2
    for span in attempts:
        assert span.kind is SpanKind.CLIENT
        assert span.parent is not None
        assert span.parent.span_id == call.context.span_id
        assert span.context.trace_id == call.context.trace_id
        assert call.start_time <= span.start_time <= span.end_time <= call.end_time  # type: ignore[operator]
    first, second = sorted(attempts, key=lambda s: s.start_time or 0)
    common = {
        "http.request.method": "POST",
        "server.address": "api.weixin.qq.com",
        "server.port": 443,
        "url.full": f"{BASE}{GET_ORDER}?access_token=***",
        "url.scheme": "https",
        "url.template": GET_ORDER,
        "wechat.endpoint": "giftcard.get_order",
    }
    assert dict(first.attributes or {}) == {
        **common,
        "http.response.status_code": 502,
        "error.type": "502",
        "wechat.errcode": 0,
        "wechat.resultcode": 0,
    }
    assert first.status.status_code is StatusCode.ERROR
    assert dict(second.attributes or {}) == {
        **common,
        "http.request.resend_count": 1,
        "http.response.status_code": 200,
        "wechat.errcode": 0,
        "wechat.resultcode": 0,
    }
    assert second.status.status_code is StatusCode.UNSET
    # The token fetch is a call of its own, in its own trace.
    token = otel.span("stable_token")
    assert token.context.trace_id != call.context.trace_id

    http = otel.points("http.client.request.duration")
    base = {k: common[k] for k in ("http.request.method", "server.address", "server.port")}
    assert ({**base, "url.scheme": "https", "http.response.status_code": 200}, 2) in http
    assert (
        {**base, "url.scheme": "https", "http.response.status_code": 502, "error.type": "502"},
        1,
    ) in http
    calls = otel.points("wechat.client.call.duration")
    assert ({"wechat.endpoint": "giftcard.get_order"}, 1) in calls
    assert ({"wechat.endpoint": "stable_token"}, 1) in calls
    assert otel.points("wechat.client.retries") == [
        ({"wechat.endpoint": "giftcard.get_order", "wechat.retry.reason": "ambiguous"}, 1)
    ]
    assert otel.points("wechat.client.token.refreshes") == [
        ({"wechat.token.source": "stable_token"}, 1)
    ]


async def test_failed_calls_carry_error_type_codes_and_may_have_been_applied(
    otel: Telemetry,
) -> None:
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").respond(
        json={"errcode": 40099, "errmsg": "invalid code rid: 6a1b"}
    )
    router.post(f"{BASE}/cityservice/sendmsgdata").mock(side_effect=httpx.ReadTimeout("slow"))
    router.post(url__startswith=PREFIX).respond(
        json={"errcode": 0, "resultcode": 1, "resultmsg": "签名校验失败"}
    )
    async with client_for(router, hooks=otel.hooks, retry=fast_retry()) as client:
        with pytest.raises(InvalidParameterError):
            await client.giftcard.get_order(order_id="o1")
        with pytest.raises(TransportError):
            await client.cityservice.send_msg_data(
                openid="o", biz_template_id="t", order_no="1", data={"k": {"value": "v"}}
            )
        client.delivery.add_account(shopid=SHOP, app_secret=CARRIER_SECRET)
        with pytest.raises(CarrierError):
            await client.delivery.pre_add_order(**copy.deepcopy(ORDER))

    business = otel.span("giftcard.get_order")
    assert business.status.status_code is StatusCode.ERROR
    attributes = dict(business.attributes or {})
    assert attributes["error.type"] == "InvalidParameterError"
    assert attributes["wechat.errcode"] == 40099
    assert attributes["wechat.may_have_been_applied"] is False
    assert attributes["wechat.retry_count"] == 0
    (attempt,) = [s for s in otel.spans() if s.name == f"POST {GET_ORDER}"]
    assert dict(attempt.attributes or {})["error.type"] == "InvalidParameterError"

    ambiguous = otel.span("cityservice.send_msg_data")
    attributes = dict(ambiguous.attributes or {})
    assert attributes["error.type"] == "TransportError"
    assert attributes["wechat.may_have_been_applied"] is True  # never retried: not idempotent
    assert "wechat.errcode" not in attributes  # no answer came
    (attempt,) = [s for s in otel.spans() if s.name == "POST /cityservice/sendmsgdata"]
    assert dict(attempt.attributes or {})["error.type"] == "ReadTimeout"
    assert "http.response.status_code" not in dict(attempt.attributes or {})

    carrier = otel.span("delivery.pre_add_order")
    attributes = dict(carrier.attributes or {})
    assert (attributes["error.type"], attributes["wechat.resultcode"]) == ("CarrierError", 1)
    assert attributes["wechat.errcode"] == 0

    calls = otel.points("wechat.client.call.duration")
    assert (
        {"wechat.endpoint": "giftcard.get_order", "error.type": "InvalidParameterError"},
        1,
    ) in calls


async def test_a_call_ended_before_its_first_attempt_still_has_its_span(otel: Telemetry) -> None:
    router = respx.Router()
    router.post(f"{BASE}/cgi-bin/stable_token").respond(
        json={"errcode": 40125, "errmsg": "invalid appsecret"}
    )
    async with client_for(router, hooks=otel.hooks) as client:
        with pytest.raises(InvalidCredentialsError):
            await client.giftcard.get_order(order_id="o1")
    call = otel.span("giftcard.get_order")
    attributes = dict(call.attributes or {})
    assert attributes["error.type"] == "InvalidCredentialsError"
    assert attributes["wechat.retry_count"] == 0
    assert not [s for s in otel.spans() if s.name == f"POST {GET_ORDER}"]
    assert otel.points("wechat.client.token.refreshes") == [
        ({"wechat.token.source": "stable_token", "error.type": "InvalidCredentialsError"}, 1)
    ]


async def test_a_token_replay_is_a_resend(otel: Telemetry) -> None:
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").mock(
        side_effect=[
            httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid credential"}),
            httpx.Response(200, json=ORDER_REPLY),
        ]
    )
    async with client_for(router, hooks=otel.hooks) as client:
        await client.giftcard.get_order(order_id="o1")
    attempts = sorted(
        (s for s in otel.spans() if s.name == f"POST {GET_ORDER}"), key=lambda s: s.start_time or 0
    )
    assert [dict(s.attributes or {}).get("http.request.resend_count") for s in attempts] == [
        None,
        1,
    ]
    assert dict(attempts[0].attributes or {})["wechat.errcode"] == 40001
    assert otel.points("wechat.client.retries") == [
        ({"wechat.endpoint": "giftcard.get_order", "wechat.retry.reason": "token"}, 1)
    ]
    assert otel.points("wechat.client.token.refreshes") == [
        ({"wechat.token.source": "stable_token"}, 2)
    ]


async def test_push_metrics(otel: Telemetry) -> None:
    router = CallbackRouter(PUSH_TOKEN, clock=lambda: NOW, hooks=otel.hooks)

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        pass

    query, body = _push("O1", "n1")
    await router.handle("POST", query, body)
    await router.handle("POST", {**query, "nonce": "n2"}, body)  # the signature is n1's
    handled = otel.points("wechat.push.handled")
    ok = {"http.response.status_code": 200, "wechat.push.event": "giftcard_pay_done"}
    assert sorted(handled, key=str) == sorted(
        [(ok, 1), ({"http.response.status_code": 403}, 1)], key=str
    )
    assert (ok, 1) in otel.points("wechat.push.duration")


async def test_without_an_sdk_the_hooks_cost_no_errors() -> None:
    """The API alone (no SDK configured): spans and instruments are no-ops, calls work."""
    router = respx.Router()
    mock_token(router)
    router.post(f"{BASE}{GET_ORDER}").respond(json={"errcode": 40099, "errmsg": "x"})
    async with client_for(router, hooks=OpenTelemetryHooks()) as client:
        with pytest.raises(WeChatError):
            await client.giftcard.get_order(order_id="o1")

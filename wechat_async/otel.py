"""OpenTelemetry spans and metrics for the client and the push router (``pip install
'wechat-async[otel]'``; the SDK, exporters and their setup are the application's)::

    hooks = OpenTelemetryHooks()  # the global tracer and meter providers
    client = WeChatClient(hooks=hooks)
    router = CallbackRouter(token="...", hooks=hooks)

Traces follow the HTTP client semantic conventions: a span per logical call (``INTERNAL``,
named like the endpoint, ``giftcard.get_order``) with a ``CLIENT`` child per attempt (``POST
/card/giftcard/order/get``: ``http.request.method``, ``server.address``, ``server.port``,
``url.full`` with its access_token masked, ``url.template``, ``http.response.status_code``,
``http.request.resend_count``, ``error.type``). WeChat's own answer is in ``wechat.*``
attributes: ``wechat.endpoint``, ``wechat.errcode``, ``wechat.resultcode``,
``wechat.retry_count`` and, on a failed call, ``wechat.may_have_been_applied``.

Metrics: ``http.client.request.duration`` (each attempt, as the conventions define it),
``wechat.client.call.duration`` (each logical call), ``wechat.client.retries``,
``wechat.client.token.refreshes``, ``wechat.push.handled`` and ``wechat.push.duration``.

No attribute or metric label carries a secret: URLs and messages pass the SDK's masking,
and labels hold only names, codes and statuses.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

try:
    from opentelemetry import metrics, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "wechat_async.otel needs the otel extra: pip install 'wechat-async[otel]'"
    ) from exc

from . import __version__
from .hooks import (
    CallEndEvent,
    CallInfo,
    Hooks,
    PushEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    TokenRefreshEvent,
)

__all__ = ["OpenTelemetryHooks"]

_SCOPE = "wechat_async"
#: The HTTP conventions' advice for ``http.client.request.duration``, in seconds.
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
_NS = 1_000_000_000


class OpenTelemetryHooks(Hooks):
    """Hooks that record spans and metrics; give the same object to every client and router
    that should report. ``tracer_provider`` and ``meter_provider`` default to the global ones
    (set by the application, or the OpenTelemetry API's no-op ones)."""

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        telemetry = _Telemetry(tracer_provider, meter_provider)
        super().__init__(
            on_request=telemetry.on_request,
            on_response=telemetry.on_response,
            on_retry=telemetry.on_retry,
            on_call_end=telemetry.on_call_end,
            on_token_refresh=telemetry.on_token_refresh,
            on_push=telemetry.on_push,
        )


class _Spans:
    """The spans of one call in flight: the call's own and its current attempt's."""

    __slots__ = ("attempt", "call", "context")

    def __init__(self, call: trace.Span) -> None:
        self.call = call
        self.context = trace.set_span_in_context(call)
        self.attempt: trace.Span | None = None


class _Telemetry:
    def __init__(
        self,
        tracer_provider: trace.TracerProvider | None,
        meter_provider: metrics.MeterProvider | None,
    ) -> None:
        self._tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider)
        self._http_duration = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._call_duration = meter.create_histogram(
            "wechat.client.call.duration",
            unit="s",
            description="Duration of WeChat API calls: every attempt, token wait and backoff.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._retries = meter.create_counter(
            "wechat.client.retries", unit="{retry}", description="Attempts sent again."
        )
        self._refreshes = meter.create_counter(
            "wechat.client.token.refreshes",
            unit="{refresh}",
            description="Access token fetches, failed ones with error.type.",
        )
        self._pushes = meter.create_counter(
            "wechat.push.handled", unit="{push}", description="Requests on the push URL answered."
        )
        self._push_duration = meter.create_histogram(
            "wechat.push.duration",
            unit="s",
            description="Time to answer a request on the push URL, its handler included.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._calls: dict[CallInfo, _Spans] = {}

    def _start(self, call: CallInfo) -> _Spans:
        """The call's span, started when the call did (it is made at its first event)."""
        span = self._tracer.start_span(
            call.endpoint,
            kind=SpanKind.INTERNAL,
            start_time=int(call.started * _NS),
            attributes={"wechat.endpoint": call.endpoint},
        )
        return _Spans(span)

    async def on_request(self, event: RequestEvent) -> None:
        call = event.call
        spans = self._calls.get(call)
        if spans is None:
            spans = self._calls[call] = self._start(call)
        scheme, host, port = _server(event.url)
        attributes: dict[str, Any] = {
            "http.request.method": call.method,
            "server.address": host,
            "server.port": port,
            "url.full": event.url,
            "url.scheme": scheme,
            "url.template": call.path,
            "wechat.endpoint": call.endpoint,
        }
        if event.attempt > 1:
            attributes["http.request.resend_count"] = event.attempt - 1
        spans.attempt = self._tracer.start_span(
            f"{call.method} {call.path}",
            context=spans.context,
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )

    async def on_response(self, event: ResponseEvent) -> None:
        spans = self._calls.get(event.call)
        span = spans.attempt if spans is not None else None
        if spans is None or span is None:
            return
        spans.attempt = None
        scheme, host, port = _server(event.url)
        labels: dict[str, Any] = {
            "http.request.method": event.call.method,
            "server.address": host,
            "server.port": port,
            "url.scheme": scheme,
        }
        attributes: dict[str, Any] = {}
        if event.status is not None:
            labels["http.response.status_code"] = event.status
            attributes["http.response.status_code"] = event.status
            attributes["wechat.errcode"] = event.errcode
            attributes["wechat.resultcode"] = event.resultcode
        if event.error_type is not None:
            labels["error.type"] = attributes["error.type"] = event.error_type
            span.set_status(Status(StatusCode.ERROR, event.errmsg or None))
        span.set_attributes(attributes)
        span.end()
        self._http_duration.record(event.duration, labels)

    async def on_retry(self, event: RetryEvent) -> None:
        self._retries.add(
            1, {"wechat.endpoint": event.call.endpoint, "wechat.retry.reason": event.reason}
        )

    async def on_call_end(self, event: CallEndEvent) -> None:
        # No spans yet: the call ended before its first attempt (its token fetch failed).
        spans = self._calls.pop(event.call, None) or self._start(event.call)
        span = spans.call
        attributes: dict[str, Any] = {"wechat.retry_count": max(0, event.attempts - 1)}
        labels: dict[str, Any] = {"wechat.endpoint": event.call.endpoint}
        if event.status is not None:
            attributes["wechat.errcode"] = event.errcode
            attributes["wechat.resultcode"] = event.resultcode
        if event.error_type is not None:
            labels["error.type"] = attributes["error.type"] = event.error_type
            attributes["wechat.may_have_been_applied"] = event.may_have_been_applied
            span.set_status(Status(StatusCode.ERROR, event.error))
        span.set_attributes(attributes)
        span.end()
        self._call_duration.record(event.duration, labels)

    async def on_token_refresh(self, event: TokenRefreshEvent) -> None:
        labels = {"wechat.token.source": event.source}
        if event.error_type is not None:
            labels["error.type"] = event.error_type
        self._refreshes.add(1, labels)

    async def on_push(self, event: PushEvent) -> None:
        labels: dict[str, Any] = {"http.response.status_code": event.status}
        if event.event_type is not None:
            labels["wechat.push.event"] = event.event_type
        self._pushes.add(1, labels)
        self._push_duration.record(event.duration, labels)


@lru_cache(maxsize=64)
def _origin(origin: str) -> tuple[str, str, int]:
    parts = urlsplit(origin)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname or "", port


def _server(url: str) -> tuple[str, str, int]:
    """``url.scheme``, ``server.address`` and ``server.port`` of a URL (one parse per base
    URL, not per attempt)."""
    end = url.find("/", url.find("//") + 2)
    return _origin(url if end < 0 else url[:end])

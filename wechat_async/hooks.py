"""Hooks: async callables the client and the push router await as things happen, for logs,
metrics and traces of your own (``wechat_async.otel`` is one set of them).

>>> async def log_call(event: CallEndEvent) -> None:  # doctest: +SKIP
...     print(event.call.endpoint, event.attempts, event.error_type)
>>> client = WeChatClient(hooks=Hooks(on_call_end=log_call))  # doctest: +SKIP

They live in the client's call path, not in a transport, so every transport (httpx, aiohttp,
your own) runs them. What they receive is masked: no access_token in a URL, no app secret,
AES key or carrier secret in any text; no request or response body at all (bodies carry
credentials and personal data: read one with an endpoint's ``.raw()``).

A hook that raises is logged (``wechat_async.hooks``, with its traceback) and the call goes on
as if it had returned: observing a call never changes its outcome. A hook runs inline, in the
caller's task, so a slow hook slows the call; cancelling the call cancels the hook.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import attrs

from ._errors import ConfigurationError

__all__ = [
    "CallEndEvent",
    "CallInfo",
    "Hook",
    "Hooks",
    "PushEvent",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "TokenRefreshEvent",
]

E = TypeVar("E")
#: An async callable taking one event.
Hook = Callable[[E], Awaitable[Any]]


@attrs.frozen(eq=False)
class CallInfo:
    """One logical call (every attempt of it): the same object in each of its events, so a
    hook may key its own per-call state on it."""

    endpoint: str
    """the bound endpoint's name: ``"giftcard.get_order"``"""
    method: str
    """``"GET"`` or ``"POST"``"""
    path: str
    """the URL path, without the query: ``"/card/giftcard/order/get"``"""
    idempotent: bool
    """a repeat is harmless, so ambiguous failures are retried"""
    started: float
    """when the call started, Unix seconds"""


@attrs.frozen
class RequestEvent:
    """An attempt about to be sent."""

    call: CallInfo
    """the call it is an attempt of"""
    attempt: int
    """1 for the first attempt; token replays and retries count"""
    url: str
    """the full URL, its access_token masked"""


@attrs.frozen
class ResponseEvent:
    """An attempt's outcome: WeChat's answer, or why there was none (``status`` None). Every
    ``RequestEvent`` is followed by one, even when the call's deadline or a cancellation
    ends the attempt."""

    call: CallInfo
    """the call it is an attempt of"""
    attempt: int
    """1 for the first attempt; token replays and retries count"""
    url: str
    """the full URL, its access_token masked"""
    status: int | None
    """the HTTP status; None when no answer came (``error_type`` says why)"""
    duration: float
    """seconds from sending to the answer read (or to the failure)"""
    errcode: int = 0
    """WeChat's ``errcode`` (0: success, and without an answer)"""
    resultcode: int = 0
    """a carrier's ``resultcode`` (delivery endpoints), read once ``errcode`` says success"""
    errmsg: str = ""
    """WeChat's ``errmsg``, masked ("" on success and without an answer)"""
    error_type: str | None = None
    """None for a successful answer; else the exception class the answer means
    (``"SystemBusyError"``), the transport's failure (``"ReadTimeout"``), or ``"500"`` for an
    HTTP status that failed the attempt"""


@attrs.frozen
class RetryEvent:
    """A failed attempt is followed by another, after ``delay`` seconds."""

    call: CallInfo
    """the call retried"""
    attempt: int
    """the attempt that failed"""
    delay: float
    """seconds until the next attempt"""
    reason: str
    """``"never_sent"``, ``"ambiguous"`` (an idempotent endpoint), ``"slow_down"`` (45011), or
    ``"token"`` (the access token was rejected: replayed with a new one, at once)"""


@attrs.frozen
class CallEndEvent:
    """A logical call finished: returned, raised, hit its deadline or was cancelled."""

    call: CallInfo
    """the call that ended"""
    attempts: int
    """attempts sent (0 when it ended before the first, e.g. its token fetch failed)"""
    duration: float
    """seconds, the whole call: token wait, attempts, backoff"""
    status: int | None = None
    """the last answer's HTTP status (None: no answer came)"""
    errcode: int = 0
    """the last answer's ``errcode``"""
    resultcode: int = 0
    """the last answer's ``resultcode`` (a carrier's)"""
    error_type: str | None = None
    """None on success; else the exception's class name (``"TransportError"``;
    ``"Cancelled"`` for a cancelled call)"""
    error: str | None = None
    """the exception's text, masked"""
    may_have_been_applied: bool = False
    """the error says WeChat may have acted on the call (``may_have_been_applied``)"""


@attrs.frozen
class TokenRefreshEvent:
    """An access token was fetched (or the fetch failed). Never carries the token."""

    appid: str
    """the account whose token it is"""
    source: str
    """``"stable_token"``, ``"token"`` or ``"provider"`` (a ``token_provider``)"""
    duration: float
    """seconds the fetch took"""
    expires_in: float | None = None
    """the new token's remaining life in seconds (None when the fetch failed)"""
    error_type: str | None = None
    """None on success; else the exception's class name"""
    error: str | None = None
    """the failure's text, masked"""


@attrs.frozen
class PushEvent:
    """A push (or a refused request on the push URL) was answered by a ``CallbackRouter``."""

    status: int
    """the HTTP status of the reply: 200 acknowledged, 4xx refused, 5xx WeChat retries"""
    duration: float
    """seconds, from the request to the reply (the handler included)"""
    event_type: str | None = None
    """the push's ``Event`` (or ``MsgType``) name; None when none was read (a refusal)"""


def _callable_or_none(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not callable(value):
        raise ConfigurationError(
            f"Hooks({attribute.name}=...) takes an async callable, got {type(value).__name__}"
        )


_hook = attrs.field(default=None, validator=_callable_or_none, kw_only=True)


@attrs.frozen
class Hooks:
    """Async callables awaited with each event (httpx's ``event_hooks``, typed). Pass one set,
    or a list of sets (each one's hooks run in order), to ``WeChatClient(hooks=...)`` and to
    ``CallbackRouter(hooks=...)``; ``with_options`` clones keep them."""

    on_request: Hook[RequestEvent] | None = _hook
    """each attempt, before it is sent"""
    on_response: Hook[ResponseEvent] | None = _hook
    """each attempt's outcome"""
    on_retry: Hook[RetryEvent] | None = _hook
    """a failed attempt will be retried (or replayed with a new token)"""
    on_call_end: Hook[CallEndEvent] | None = _hook
    """a logical call finished, however it ended"""
    on_token_refresh: Hook[TokenRefreshEvent] | None = _hook
    """an access token fetch finished"""
    on_push: Hook[PushEvent] | None = _hook
    """a ``CallbackRouter`` answered a request on the push URL"""

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

    #: the bound endpoint's name: ``"giftcard.get_order"``
    endpoint: str
    method: str
    #: the URL path, without the query: ``"/card/giftcard/order/get"``
    path: str
    #: a repeat is harmless, so ambiguous failures are retried
    idempotent: bool
    #: when the call started, Unix seconds
    started: float


@attrs.frozen
class RequestEvent:
    """An attempt about to be sent."""

    call: CallInfo
    #: 1 for the first attempt; token replays and retries count
    attempt: int
    #: the full URL, its access_token masked
    url: str


@attrs.frozen
class ResponseEvent:
    """An attempt's outcome: WeChat's answer, or why there was none (``status`` None). Every
    ``RequestEvent`` is followed by one, even when the call's deadline or a cancellation
    ends the attempt."""

    call: CallInfo
    attempt: int
    url: str
    #: the HTTP status; None when no answer came (``error_type`` says why)
    status: int | None
    #: seconds from sending to the answer read (or to the failure)
    duration: float
    errcode: int = 0
    #: a carrier's ``resultcode`` (delivery endpoints), read once ``errcode`` says success
    resultcode: int = 0
    #: WeChat's ``errmsg``, masked ("" on success and without an answer)
    errmsg: str = ""
    #: None for a successful answer; else the exception class the answer means
    #: (``"SystemBusyError"``), the transport's failure (``"ReadTimeout"``), or ``"500"`` for
    #: an HTTP status that failed the attempt
    error_type: str | None = None


@attrs.frozen
class RetryEvent:
    """A failed attempt is followed by another, after ``delay`` seconds."""

    call: CallInfo
    #: the attempt that failed
    attempt: int
    delay: float
    #: ``"never_sent"``, ``"ambiguous"`` (an idempotent endpoint), ``"slow_down"`` (45011),
    #: or ``"token"`` (the access token was rejected: replayed with a new one, at once)
    reason: str


@attrs.frozen
class CallEndEvent:
    """A logical call finished: returned, raised, hit its deadline or was cancelled."""

    call: CallInfo
    #: attempts sent (0 when it ended before the first, e.g. its token fetch failed)
    attempts: int
    #: seconds, the whole call: token wait, attempts, backoff
    duration: float
    #: the last answer's HTTP status (None: no answer came)
    status: int | None = None
    errcode: int = 0
    resultcode: int = 0
    #: None on success; else the exception's class name (``"TransportError"``,
    #: ``"Cancelled"`` for a cancelled call)
    error_type: str | None = None
    #: the exception's text, masked
    error: str | None = None
    #: the error says WeChat may have acted on the call (``may_have_been_applied``)
    may_have_been_applied: bool = False


@attrs.frozen
class TokenRefreshEvent:
    """An access token was fetched (or the fetch failed). Never carries the token."""

    appid: str
    #: ``"stable_token"``, ``"token"`` or ``"provider"`` (a ``token_provider``)
    source: str
    duration: float
    #: the new token's remaining life in seconds (None when the fetch failed)
    expires_in: float | None = None
    error_type: str | None = None
    #: the failure's text, masked
    error: str | None = None


@attrs.frozen
class PushEvent:
    """A push (or a refused request on the push URL) was answered by a ``CallbackRouter``."""

    #: the HTTP status of the reply: 200 acknowledged, 4xx refused, 5xx WeChat retries
    status: int
    #: seconds, from the request to the reply (the handler included)
    duration: float
    #: the push's ``Event`` (or ``MsgType``) name; None when none was read (a refusal)
    event_type: str | None = None


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

    #: each attempt, before it is sent
    on_request: Hook[RequestEvent] | None = _hook
    #: each attempt's outcome
    on_response: Hook[ResponseEvent] | None = _hook
    #: a failed attempt will be retried (or replayed with a new token)
    on_retry: Hook[RetryEvent] | None = _hook
    #: a logical call finished, however it ended
    on_call_end: Hook[CallEndEvent] | None = _hook
    #: an access token fetch finished
    on_token_refresh: Hook[TokenRefreshEvent] | None = _hook
    #: a ``CallbackRouter`` answered a request on the push URL
    on_push: Hook[PushEvent] | None = _hook

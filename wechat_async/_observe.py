"""What the client and the push router report as they work: hooks awaited with masked
events, and the client's DEBUG records (``wechat_async.calls``, ``wechat_async.token``).

The call path asks for a watch only when someone listens (hooks, or a logger at DEBUG): with
neither, a call pays one attribute read and one ``isEnabledFor``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ._errors import ConfigurationError
from ._redact import redact
from ._reply import Reply, as_json, read_reply, reply_codes
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
from .transports._base import Failure, SendError, TransportResponse

if TYPE_CHECKING:
    from ._endpoint import Endpoint
    from .callbacks._events import Event, UnknownEvent
    from .callbacks._replies import CallbackReply
    from .stores import AccessToken

__all__ = ["Observer", "Watch", "debug_observer", "reporting_pushes"]

calls_log = logging.getLogger("wechat_async.calls")
token_log = logging.getLogger("wechat_async.token")
hooks_log = logging.getLogger("wechat_async.hooks")

T = TypeVar("T")
_Fn = Callable[[Any], Awaitable[Any]]
_Handle = TypeVar("_Handle", bound=Callable[..., Coroutine[Any, Any, "CallbackReply"]])


class Observer:
    """The hooks of one client (or router), by event, and its DEBUG records."""

    __slots__ = ("call_end", "push", "request", "response", "retry", "token_refresh")

    def __init__(self, sets: Sequence[Hooks]) -> None:
        def of(name: str) -> tuple[_Fn, ...]:
            return tuple(fn for s in sets if (fn := getattr(s, name)) is not None)

        self.request = of("on_request")
        self.response = of("on_response")
        self.retry = of("on_retry")
        self.call_end = of("on_call_end")
        self.token_refresh = of("on_token_refresh")
        self.push = of("on_push")

    @classmethod
    def of(cls, hooks: Hooks | Sequence[Hooks] | None) -> Observer | None:
        """None when there is nothing to run: the call path then skips observing."""
        if hooks is None:
            return None
        sets = (hooks,) if isinstance(hooks, Hooks) else hooks
        if not isinstance(sets, (list, tuple)) or not all(isinstance(s, Hooks) for s in sets):
            raise ConfigurationError(f"hooks takes Hooks or a list of them, got {hooks!r}")
        observer = cls(sets)
        return observer if observer.any() else None

    def any(self) -> bool:
        return any(
            (
                self.request,
                self.response,
                self.retry,
                self.call_end,
                self.token_refresh,
                self.push,
            )
        )

    def watch(self, endpoint: Endpoint[Any, Any, Any]) -> Watch:
        return Watch(self, endpoint)

    async def token_refresh_of(
        self, appid: str, source: str, fetch: Callable[[], Awaitable[AccessToken]]
    ) -> AccessToken:
        """Run one token fetch, reported (DEBUG record, ``on_token_refresh``)."""
        started = time.perf_counter()
        try:
            token = await fetch()
        except BaseException as exc:
            event = TokenRefreshEvent(
                appid, source, time.perf_counter() - started, None, _type_of(exc), _text(exc)
            )
            if token_log.isEnabledFor(logging.DEBUG):
                token_log.debug(
                    "access token fetch (%s) failed after %.1f ms: %s: %s",
                    source,
                    event.duration * 1000,
                    event.error_type,
                    event.error,
                )
            await _run(self.token_refresh, event)
            raise
        expires_in = token.expires_at - time.time()
        event = TokenRefreshEvent(appid, source, time.perf_counter() - started, expires_in)
        if token_log.isEnabledFor(logging.DEBUG):
            token_log.debug(
                "access token fetched (%s) in %.1f ms, expires in %.0f s",
                source,
                event.duration * 1000,
                expires_in,
            )
        await _run(self.token_refresh, event)
        return token

    async def push_of(self, answer: Awaitable[CallbackReply]) -> CallbackReply:
        """Answer one request on the push URL, reported to ``on_push``."""
        started = time.perf_counter()
        reply = await answer
        done = PushEvent(reply.status, time.perf_counter() - started, _push_name(reply.event))
        await _run(self.push, done)
        return reply


def reporting_pushes(handle: _Handle, hooks: Hooks | Sequence[Hooks]) -> _Handle:
    """A router's ``handle`` that reports each reply to the hooks' ``on_push`` (``handle``
    itself when none has one: a router without push hooks pays nothing)."""
    observer = Observer.of(hooks)
    if observer is None or not observer.push:
        return handle

    @functools.wraps(handle)
    async def reported(
        method: str,
        query: Mapping[str, str],
        body: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> CallbackReply:
        return await observer.push_of(handle(method, query, body, headers))

    return cast("_Handle", reported)


#: DEBUG records only: what a client without hooks reports while its loggers are at DEBUG.
_LOGS_ONLY = Observer(())


def debug_observer(log: logging.Logger = calls_log) -> Observer | None:
    """The records-only observer while ``log`` is at DEBUG, else None."""
    return _LOGS_ONLY if log.isEnabledFor(logging.DEBUG) else None


class Watch:
    """One logical call, observed: its attempts, retries and end, as events and records."""

    __slots__ = (
        "_attempt_started",
        "_url",
        "attempts",
        "call",
        "endpoint",
        "errcode",
        "observer",
        "open",
        "resultcode",
        "started",
        "status",
    )

    def __init__(self, observer: Observer, endpoint: Endpoint[Any, Any, Any]) -> None:
        self.observer = observer
        self.endpoint = endpoint
        name = f"{endpoint.domain}.{endpoint.name}" if endpoint.domain else endpoint.name
        self.call = CallInfo(name, endpoint.method, endpoint.path, endpoint.idempotent, time.time())
        self.started = time.perf_counter()
        self.attempts = 0
        #: an attempt was sent and its outcome not reported yet
        self.open = False
        self._attempt_started = 0.0
        self._url = ""
        self.status: int | None = None
        self.errcode = 0
        self.resultcode = 0

    async def observe(self, call: Awaitable[T]) -> T:
        """Await the call; report its end, however it ends."""
        try:
            result = await call
        except BaseException as exc:
            await self._end(exc)
            raise
        await self._end(None)
        return result

    async def request(self, url: str) -> None:
        self.attempts += 1
        self.open = True
        self._url = redact(url)
        self._attempt_started = time.perf_counter()
        if self.observer.request:
            await _run(self.observer.request, RequestEvent(self.call, self.attempts, self._url))

    async def failed(self, exc: SendError) -> None:
        """The attempt got no answer."""
        await self._respond(None, error_type=_send_error_type(exc))

    async def read(self, response: TransportResponse) -> Reply:
        """Read the answer (``read_reply``), reporting the attempt's outcome."""
        try:
            reply = read_reply(self.endpoint, response.status, response.headers, response.content)
        except Exception as exc:
            await self._respond(response.status, error_type=_type_of(exc))
            raise
        errcode, resultcode = reply_codes(self.endpoint, reply.data)
        error_type = None
        errmsg = ""
        if reply.failure is not None:
            data = as_json(self.endpoint, reply.data)
            errmsg = redact(str(data.get("errmsg" if errcode else "resultmsg", "")))
            error_type = _type_of(reply.error(maybe_applied=False))
            if error_type == "TransportError":  # an HTTP status failed the attempt
                error_type = str(response.status)
        await self._respond(response.status, errcode, resultcode, errmsg, error_type)
        return reply

    async def _respond(
        self,
        status: int | None,
        errcode: int = 0,
        resultcode: int = 0,
        errmsg: str = "",
        error_type: str | None = None,
    ) -> None:
        self.open = False
        self.status, self.errcode, self.resultcode = status, errcode, resultcode
        duration = time.perf_counter() - self._attempt_started
        if calls_log.isEnabledFor(logging.DEBUG):
            if status is None:
                outcome = f"no answer ({error_type})"
            else:
                outcome = f"HTTP {status}, errcode {errcode}"
                if resultcode:
                    outcome += f", resultcode {resultcode}"
            calls_log.debug(
                "%s %s: %s, attempt %d, %.1f ms",
                self.call.endpoint,
                self.call.path,
                outcome,
                self.attempts,
                duration * 1000,
            )
        if self.observer.response:
            event = ResponseEvent(
                self.call,
                self.attempts,
                self._url,
                status,
                duration,
                errcode,
                resultcode,
                errmsg,
                error_type,
            )
            await _run(self.observer.response, event)

    async def retry(self, failure: Failure, delay: float) -> None:
        if self.observer.retry:
            event = RetryEvent(self.call, self.attempts, delay, failure.value)
            await _run(self.observer.retry, event)

    async def _end(self, exc: BaseException | None) -> None:
        if self.open:  # the deadline or a cancellation ended the attempt in flight
            await self._respond(None, error_type=_type_of(exc) if exc else "Cancelled")
        duration = time.perf_counter() - self.started
        if exc is None:
            if not self.observer.call_end:
                return
            event = CallEndEvent(
                self.call, self.attempts, duration, self.status, self.errcode, self.resultcode
            )
        else:
            event = CallEndEvent(
                self.call,
                self.attempts,
                duration,
                self.status,
                self.errcode,
                self.resultcode,
                _type_of(exc),
                _text(exc),
                bool(getattr(exc, "may_have_been_applied", False)),
            )
            if calls_log.isEnabledFor(logging.DEBUG):
                calls_log.debug(
                    "%s failed after %d attempt(s), %.1f ms: %s: %s",
                    self.call.endpoint,
                    self.attempts,
                    duration * 1000,
                    event.error_type,
                    event.error,
                )
        await _run(self.observer.call_end, event)


async def _run(hooks: tuple[_Fn, ...], event: object) -> None:
    """Await each hook; one that raises is logged and the rest still run."""
    for hook in hooks:
        try:
            await hook(event)
        except Exception:
            hooks_log.exception(
                "hook %s failed on %s; the call goes on", _name(hook), type(event).__name__
            )


def _name(hook: object) -> str:
    return getattr(hook, "__qualname__", None) or type(hook).__qualname__


def _type_of(exc: BaseException) -> str:
    name = type(exc).__name__
    # anyio's cancellation on asyncio and trio's, under one name.
    return "Cancelled" if name in ("CancelledError", "Cancelled") else name


def _text(exc: BaseException) -> str:
    return redact(str(exc))


def _push_name(event: Event | UnknownEvent | None) -> str | None:
    """A typed push's own name; an unknown one's ``Event`` as sent (bounded: it is a label)."""
    if event is None:
        return None
    name: str = getattr(type(event), "EVENT", "") or event.event[:64]
    return name or "unknown"


def _send_error_type(exc: SendError) -> str:
    """The library's exception name: every transport's message starts ``Name: ...``."""
    head = str(exc).partition(":")[0]
    return head if head.isidentifier() else type(exc).__name__

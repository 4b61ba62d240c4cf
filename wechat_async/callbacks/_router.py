"""CallbackRouter: verify, decrypt, parse, de-duplicate, dispatch, and answer each push."""

from __future__ import annotations

import hashlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from .._cancel import shielded
from .._errors import ConfigurationError, StoreUnavailableError
from .._observe import reporting_pushes
from .._redact import install_log_redaction, remember_secret
from ..hooks import Hooks
from ..stores.dedupe import RUNNING_TTL, Claim, DedupeStore, Mark, MemoryDedupeStore, Ticket
from ._crypto import MessageCrypto
from ._errors import (
    AppIdMismatchError,
    CallbackError,
    DecryptError,
    NonceReusedError,
    PayloadTooLargeError,
    SignatureError,
    StaleTimestampError,
    UnanswerablePushError,
    UnencryptedPushError,
)
from ._events import Event, UnknownEvent
from ._parse import (
    body_fields,
    decrypt_envelope,
    event_from_fields,
    is_encrypted,
    is_json,
)
from ._replies import CallbackReply, acknowledge, text_reply
from ._runs import Runs, RunWatch
from ._signature import check_signature

__all__ = ["CallbackReply", "CallbackRouter"]

logger = logging.getLogger("wechat_async.callbacks")

E = TypeVar("E", bound="Event | UnknownEvent")
Handler = Callable[[Any], Awaitable[Any]]
#: How long a handler may run (counted from its claim) before it is cancelled, its claim
#: released and the push answered 503. Longer than WeChat's 5 s reply wait on purpose: a slow
#: handler (10 s of upstream calls) finishes with its claim renewed while WeChat's retries get
#: 503 "push in progress", and the retry after it is acknowledged; a timeout under 5 s would
#: cancel such a handler on every retry, and the push would be lost. Far below WeChat's retry
#: span, so a hung one is re-run.
DEFAULT_HANDLER_TIMEOUT = 30.0
#: A used (timestamp, nonce) pair up to this long is kept as it is, a longer one as a digest.
_SHORT_PAIR = 32


class CallbackRouter:
    """Routes pushes to async handlers, once per push.

    With ``encoding_aes_key`` only safe-mode pushes are taken: ``Encrypt`` present and
    ``msg_signature`` verified over token, timestamp, nonce and ``Encrypt``; plain bodies are
    refused. Without it (plain mode) ``signature`` covers token, timestamp and nonce, never the
    body: anyone who sees one push's URL can sign any body with it. In plain mode the router
    accepts each signed ``(timestamp, nonce)`` pair for one push only (remembered in the
    ``dedupe`` store while the timestamp is inside ``replay_window``), so a seen URL carries no
    second body, but a body sent first under a URL taken in transit still wins: use safe mode
    where pushes cross networks you do not control (there ``msg_signature`` binds the pair to
    its ``Encrypt``, so nothing needs remembering).

    >>> router = CallbackRouter(token="...", app_id="wx...")  # doctest: +SKIP
    >>> @router.on(GiftCardPayDone)  # doctest: +SKIP
    ... async def paid(event: GiftCardPayDone) -> None: ...
    """

    def __init__(
        self,
        token: str,
        *,
        encoding_aes_key: str | None = None,
        app_id: str | None = None,
        dedupe: DedupeStore | None = None,
        replay_window: float = 300.0,
        handler_timeout: float = DEFAULT_HANDLER_TIMEOUT,
        claim_ttl: float = RUNNING_TTL,
        clock: Callable[[], float] = time.time,
        hooks: Hooks | Sequence[Hooks] | None = None,
    ) -> None:
        if not token:
            raise ConfigurationError("the push token is required")
        if encoding_aes_key and not app_id:
            raise ConfigurationError("app_id is required with encoding_aes_key")
        remember_secret(token)
        install_log_redaction()
        self._token = token
        self._crypto = (
            MessageCrypto(token, encoding_aes_key, app_id or "") if encoding_aes_key else None
        )
        # Used nonces are marks on the claims, in the same store (Redis: seen by every process).
        self._dedupe: DedupeStore = dedupe if dedupe is not None else MemoryDedupeStore()
        if self._crypto is None and not _takes_mark(self._dedupe):
            raise ConfigurationError(
                f"{type(self._dedupe).__name__}.claim() takes no mark=: a plain-mode router "
                "writes each push's used (timestamp, nonce) with its claim (DedupeStore.claim)"
            )
        self._replay_window = replay_window
        if handler_timeout <= 0 or claim_ttl <= 0:
            raise ConfigurationError("handler_timeout and claim_ttl must be positive")
        self._handler_timeout = handler_timeout
        self._claim_ttl = claim_ttl
        self._clock = clock
        self._handlers: dict[type, Handler] = {}
        self._runs = Runs(
            handler_timeout, claim_ttl, lambda ticket: self._dedupe.renew(ticket, claim_ttl)
        )
        if hooks is not None:  # handle() reports each reply to on_push; untouched without
            self.handle = reporting_pushes(self.handle, hooks)  # type: ignore[method-assign]

    def __repr__(self) -> str:
        names = sorted(cls.__name__ for cls in self._handlers)
        return f"CallbackRouter(handlers={names}, encrypted={self._crypto is not None})"

    def on(
        self, event_type: type[E]
    ) -> Callable[[Callable[[E], Awaitable[Any]]], Callable[[E], Awaitable[Any]]]:
        """Register the async handler of one event type (one handler a type).

        ``Event`` catches every typed event without a handler of its own; ``UnknownEvent``
        the pushes this SDK has no class for.
        """

        def register(handler: Callable[[E], Awaitable[Any]]) -> Callable[[E], Awaitable[Any]]:
            if event_type in self._handlers:
                raise ConfigurationError(f"a handler for {event_type.__name__} is registered")
            self._handlers[event_type] = handler
            return handler

        return register

    async def handle(
        self,
        method: str,
        query: Mapping[str, str],
        body: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> CallbackReply:
        """Answer one HTTP request from WeChat. Never raises for bad input: an untrusted push
        gets 403, an unreadable one 400 (413 when too large), and runs no handler."""
        try:
            return await self._handle(method.upper(), query, body, headers or {})
        except PayloadTooLargeError as exc:
            return _refuse(413, "push too large", exc)
        except UnencryptedPushError as exc:
            return _refuse(403, "encrypted push required", exc)
        except NonceReusedError as exc:
            return _refuse(403, "nonce already used", exc)
        except UnanswerablePushError as exc:
            return _refuse(400, "push cannot be answered", exc)
        except StaleTimestampError as exc:
            return _refuse(403, "stale or missing timestamp", exc)
        except SignatureError as exc:
            return _refuse(403, "signature check failed", exc)
        except AppIdMismatchError as exc:
            return _refuse(403, "appid mismatch", exc)
        except DecryptError as exc:
            return _refuse(400, "cannot decrypt push", exc)
        except StoreUnavailableError as exc:
            # Never run a handler unguarded: WeChat retries, by then the store may be back.
            return _refuse(503, "dedupe store unavailable", exc)
        except CallbackError as exc:
            return _refuse(400, "malformed push", exc)

    async def _handle(
        self, method: str, query: Mapping[str, str], body: bytes, headers: Mapping[str, str]
    ) -> CallbackReply:
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if method == "GET":
            # URL verification when the push address is saved in the admin console.
            if not check_signature(self._token, query.get("signature", ""), timestamp, nonce):
                raise SignatureError("signature does not match")
            return text_reply(200, query.get("echostr", ""))
        if method != "POST":
            logger.warning("push refused (method not allowed, HTTP 405): %.16r", method)
            return text_reply(405, "method not allowed")
        # Authenticated before the body is read where the URL alone can tell: a plain push by
        # its signature; a safe-mode one needs msg_signature, checked against Encrypt below.
        if self._crypto is not None:
            if not query.get("msg_signature"):
                raise UnencryptedPushError("no msg_signature: this router takes safe mode only")
        elif not check_signature(self._token, query.get("signature", ""), timestamp, nonce):
            raise SignatureError("signature does not match")
        self._check_fresh(timestamp)
        content_type = None
        for name, value in headers.items():  # the last one, whatever its case
            if name.lower() == "content-type":
                content_type = value
        as_json = is_json(body, content_type)
        fields = body_fields(body, content_type)
        if self._crypto is not None:
            # Compatibility mode puts plain fields beside Encrypt: unsigned, so never read.
            if "Encrypt" not in fields:
                raise UnencryptedPushError("no Encrypt field: this router takes safe mode only")
            fields = decrypt_envelope(fields, self._crypto, query)
        elif is_encrypted(fields):
            raise CallbackError("encrypted push but no encoding_aes_key configured")
        event = event_from_fields(fields)
        # Written before anything runs: a push no reply can answer is refused here, and a
        # handler that ran is never followed by a reply that fails.
        reply = acknowledge(event, now=int(self._clock()), as_json=as_json, crypto=self._crypto)
        if self._crypto is None:
            # Safe mode needs no mark: msg_signature, checked above, covers the body.
            mark = self._pair_mark(timestamp, nonce, body)
            return await self._dispatch(event, reply, mark)
        return await self._dispatch(event, reply, None)

    def _pair_mark(self, timestamp: str, nonce: str, content: bytes) -> Mark:
        """A plain push's signed ``(timestamp, nonce)`` pair, for one body only.

        Whether WeChat re-signs a retry or sends it again as it was is not documented, so the
        same pair with the same push passes (the dedupe layer answers it: a retry must never
        be refused); with other content its claim is refused. Kept while the timestamp can
        pass, and written with the push's claim in one store call.
        """
        # The pair as it is where it is short (WeChat's nonces are ten digits; the timestamp,
        # checked, is digits only, so the first ':' splits them), else its digest: a fixed
        # few bytes of key either way. Twice the window: the timestamp passes that long.
        pair = f"{timestamp}:{nonce}"
        if len(pair) > _SHORT_PAIR or not pair.isascii():
            pair = _digest(timestamp, nonce)
        return Mark(f"nonce-pair:{pair}", _digest(content), 2 * self._replay_window)

    def _check_fresh(self, timestamp: str) -> None:
        if not (0 < len(timestamp) <= 12 and timestamp.isascii() and timestamp.isdigit()):
            raise StaleTimestampError("timestamp missing or not Unix seconds")
        if abs(self._clock() - int(timestamp)) > self._replay_window:
            raise StaleTimestampError(f"timestamp outside the {self._replay_window:.0f} s window")

    def _handler_for(self, event_type: type) -> Handler | None:
        for cls in event_type.__mro__:
            handler = self._handlers.get(cls)
            if handler is not None:
                return handler
        return None

    async def _dispatch(
        self, event: Event | UnknownEvent, reply: CallbackReply, mark: Mark | None
    ) -> CallbackReply:
        """Run the push's handler once across deliveries; ``reply`` is its acknowledgement."""
        watch = self._runs.here()
        taken_at = watch.now()  # the claim's TTL counts from before it is taken
        # A digest, not the identity's text: a kept push costs a fixed few bytes of key.
        key = _digest(event.identity())
        if mark is None:
            claimed = await self._dedupe.claim(key, self._claim_ttl)
        else:
            claimed = await self._dedupe.claim(key, self._claim_ttl, mark=mark)
            if claimed is Claim.MARKED:
                raise NonceReusedError("this timestamp and nonce already carried another push")
        if claimed is Claim.RUNNING:
            # Not acknowledged: if the running delivery fails, WeChat's next retry runs it.
            return text_reply(503, "push in progress", event)
        if isinstance(claimed, Ticket):
            handler = self._handler_for(type(event))
            if handler is None:
                with shielded():
                    await self._complete(claimed, event)
            else:
                failure = await self._run(handler, event, claimed, watch, taken_at)
                if failure is not None:
                    return text_reply(failure[0], failure[1], event)
        return reply

    async def _complete(self, ticket: Ticket, event: Event | UnknownEvent) -> None:
        """Record the push done; the caller shields it. The handler ran: acknowledge whatever
        the store says. A 503 here would make WeChat retry, and once the unrecorded claim
        expired the retry would run it again."""
        try:
            done = await self._dedupe.complete(ticket)
        except StoreUnavailableError as exc:
            logger.warning("push %s handled, but not recorded as done: %s", event.event, exc)
            return
        if not done:
            logger.warning(
                "push %s handled, but its claim had passed to another delivery", event.event
            )

    async def _release(self, ticket: Ticket) -> None:
        """Free a claim so WeChat's next retry runs the handler; an unreachable store leaves
        it to expire after ``claim_ttl`` instead."""
        try:
            with shielded():
                await self._dedupe.release(ticket)
        except StoreUnavailableError as exc:
            logger.warning("push claim not released, it expires by itself: %s", exc)

    async def _run(
        self,
        handler: Handler,
        event: Event | UnknownEvent,
        ticket: Ticket,
        watch: RunWatch,
        taken_at: float,
    ) -> tuple[int, str] | None:
        """Run one handler under its claim, then record the push done. None when it
        succeeded; else the retryable reply to give, its claim released (WeChat's retry runs
        it again).

        The handler runs in this task, watched by the loop's ``RunWatch``: cancelled after
        ``handler_timeout``, its claim renewed once it runs for a third of ``claim_ttl``.
        It runs only while its claim is known to be held: when the claim passed to another
        delivery, or could not be renewed before it would lapse, the handler is cancelled,
        so two deliveries of one push never run at once.
        """
        failure: tuple[int, str] | None = None
        try:
            with watch.run(taken_at, ticket, event.event) as run:
                try:
                    await handler(event)
                except Exception:
                    logger.exception("push handler for %s failed; WeChat will retry", event.event)
                    failure = (500, "handler failed")
        except BaseException:
            # Cancelled mid-handler from outside: free the claim so a retry is not refused
            # for a minute.
            await self._release(ticket)
            raise
        if run.lost:
            logger.error("push %s: handler cancelled, its claim was lost", event.event)
            failure = (503, "claim lost")
        elif run.cancelled_caught:
            logger.error(
                "push handler for %s still running after %g s: cancelled, WeChat retries",
                event.event,
                self._handler_timeout,
            )
            failure = (503, "handler timed out")
        if failure is not None:
            await self._release(ticket)
            return failure
        # It ran (to the end, or cut off yet it returned): nothing cancels it now, the outcome
        # is recorded.
        with run.shielded():
            await self._complete(ticket, event)
        return None


def _takes_mark(store: DedupeStore) -> bool:
    """Whether a store's ``claim`` takes ``mark=`` (a store written before it existed
    would fail every plain push with a TypeError: said once, at construction)."""
    try:
        parameters = inspect.signature(store.claim).parameters.values()
    except (TypeError, ValueError):  # no signature to read: let it run
        return True
    return any(p.name == "mark" or p.kind is p.VAR_KEYWORD for p in parameters)


def _digest(*parts: str | bytes) -> str:
    """A fixed-size store key for any parts: 32 hex characters however long they are."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        raw = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        # Length-prefixed: ("ab", "c") != ("a", "bc").
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()


def _refuse(status: int, reason: str, exc: BaseException) -> CallbackReply:
    logger.warning("push refused (%s, HTTP %d): %s", reason, status, exc)
    return text_reply(status, reason)

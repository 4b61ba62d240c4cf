"""CallbackRouter: verify, decrypt, parse, de-duplicate, dispatch, and answer each push."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import anyio

from .._errors import CallbackError, ConfigurationError, SignatureError
from .._redact import install_log_redaction, remember_secret
from ..stores.dedupe import Claim, DedupeStore, MemoryDedupeStore
from ._crypto import MessageCrypto
from ._events import Event, UnknownEvent
from ._parse import (
    PayloadTooLargeError,
    body_fields,
    decrypt_envelope,
    event_from_fields,
    is_encrypted,
    is_json,
)
from ._replies import CallbackReply, acknowledge, text_reply
from ._signature import check_signature

__all__ = ["CallbackReply", "CallbackRouter", "StaleTimestampError"]

logger = logging.getLogger("wechat_async.callbacks")

E = TypeVar("E", bound="Event | UnknownEvent")
Handler = Callable[[Any], Awaitable[Any]]
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class StaleTimestampError(SignatureError):
    """The push's timestamp is missing or outside the router's replay window."""


class CallbackRouter:
    """Routes pushes to async handlers, once per push.

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
        clock: Callable[[], float] = time.time,
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
        self._dedupe: DedupeStore = dedupe if dedupe is not None else MemoryDedupeStore()
        self._replay_window = replay_window
        self._clock = clock
        self._handlers: dict[type, Handler] = {}

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
            logger.warning("push text_replyd: %s", exc)
            return text_reply(413, "push too large")
        except SignatureError as exc:
            logger.warning("push text_replyd: %s", exc)
            return text_reply(403, "signature check failed")
        except CallbackError as exc:
            logger.warning("push text_replyd: %s", exc)
            return text_reply(400, "malformed push")

    async def _handle(
        self, method: str, query: Mapping[str, str], body: bytes, headers: Mapping[str, str]
    ) -> CallbackReply:
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        signed = check_signature(self._token, query.get("signature", ""), timestamp, nonce)
        if method == "GET":
            # URL verification when the push address is saved in the admin console.
            if not signed:
                raise SignatureError("signature does not match")
            return text_reply(200, query.get("echostr", ""))
        if method != "POST":
            return text_reply(405, "method not allowed")
        # Plain pushes are authenticated before their body is parsed; safe-mode ones can
        # only be checked against msg_signature once the Encrypt field has been read.
        if not signed and not query.get("msg_signature"):
            raise SignatureError("signature does not match")
        self._check_fresh(timestamp)
        content_type = {k.lower(): v for k, v in headers.items()}.get("content-type")
        as_json = is_json(body, content_type)
        fields = body_fields(body, content_type)
        encrypted = is_encrypted(fields)
        if encrypted:
            if self._crypto is None:
                raise CallbackError("encrypted push but no encoding_aes_key configured")
            fields = decrypt_envelope(fields, self._crypto, query)
        elif not signed:
            raise SignatureError("signature does not match")
        event = event_from_fields(fields)
        return await self._dispatch(event, as_json, self._crypto if encrypted else None)

    def _check_fresh(self, timestamp: str) -> None:
        if not _TIMESTAMP.fullmatch(timestamp):
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
        self, event: Event | UnknownEvent, as_json: bool, crypto: MessageCrypto | None
    ) -> CallbackReply:
        key = event.identity()
        claim = await self._dedupe.claim(key)
        if claim is Claim.RUNNING:
            # Not acknowledged: if the running delivery fails, WeChat's next retry runs it.
            return text_reply(503, "push in progress", event)
        if claim is Claim.NEW:
            handler = self._handler_for(type(event))
            try:
                if handler is not None:
                    await handler(event)
            except Exception:
                await self._dedupe.release(key)
                logger.exception("push handler for %s failed; WeChat will retry", event.event)
                return text_reply(500, "handler failed", event)
            except BaseException:
                # Cancelled mid-handler: free the claim so a retry is not text_replyd for a minute.
                with anyio.CancelScope(shield=True):
                    await self._dedupe.release(key)
                raise
            await self._dedupe.complete(key)
        return acknowledge(event, now=int(self._clock()), as_json=as_json, crypto=crypto)

"""CallbackRouter: verify, decrypt, parse, de-duplicate, dispatch, and answer each push."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import attrs

from .._errors import CallbackError, ConfigurationError, SignatureError
from ..stores.dedupe import Claim, DedupeStore, MemoryDedupeStore
from ._crypto import MessageCrypto
from ._events import Event, UnknownEvent
from ._parse import body_fields, event_from_fields
from ._signature import check_signature

__all__ = ["CallbackReply", "CallbackRouter", "StaleTimestampError"]

logger = logging.getLogger("wechat_async.callbacks")

E = TypeVar("E", bound="Event | UnknownEvent")
Handler = Callable[[Any], Awaitable[Any]]

_TEXT = {"content-type": "text/plain; charset=utf-8"}
_XML = {"content-type": "application/xml; charset=utf-8"}
_JSON = {"content-type": "application/json; charset=utf-8"}


class StaleTimestampError(SignatureError):
    """The push's timestamp is outside the router's replay window."""


@attrs.frozen
class CallbackReply:
    """What to send back: status, headers, body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    #: the parsed event, when there was one
    event: Event | UnknownEvent | None = None


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
        self._token = token
        self._crypto = (
            MessageCrypto(token, encoding_aes_key, app_id or "") if encoding_aes_key else None
        )
        self._dedupe: DedupeStore = dedupe or MemoryDedupeStore()
        self._replay_window = replay_window
        self._clock = clock
        self._handlers: dict[type, Handler] = {}

    def __repr__(self) -> str:
        names = sorted(cls.__name__ for cls in self._handlers)
        return f"CallbackRouter(handlers={names}, encrypted={self._crypto is not None})"

    def on(
        self, event_type: type[E]
    ) -> Callable[[Callable[[E], Awaitable[Any]]], Callable[[E], Awaitable[Any]]]:
        """Register the async handler of one event type (one handler a type)."""

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
        """Answer one HTTP request from WeChat. Never raises for bad input: a bad push gets a
        4xx reply and runs no handler."""
        try:
            return await self._handle(method.upper(), query, body, headers or {})
        except SignatureError as exc:
            logger.warning("push refused: %s", exc)
            return CallbackReply(403, _TEXT, b"signature check failed")
        except CallbackError as exc:
            logger.warning("push refused: %s", exc)
            return CallbackReply(400, _TEXT, b"malformed push")

    async def _handle(
        self, method: str, query: Mapping[str, str], body: bytes, headers: Mapping[str, str]
    ) -> CallbackReply:
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if method == "GET":
            # URL verification when the push address is saved in the admin console.
            if not check_signature(self._token, query.get("signature", ""), timestamp, nonce):
                raise SignatureError("signature does not match")
            return CallbackReply(200, _TEXT, query.get("echostr", "").encode("utf-8"))
        if method != "POST":
            return CallbackReply(405, _TEXT, b"method not allowed")
        content_type = {k.lower(): v for k, v in headers.items()}.get("content-type")
        fields = body_fields(body, content_type)
        encrypted = "Encrypt" in fields and "Event" not in fields and "MsgType" not in fields
        if encrypted:
            if self._crypto is None:
                raise CallbackError("encrypted push but no encoding_aes_key configured")
            encrypt = fields.get("Encrypt")
            plain = self._crypto.decrypt(
                query.get("msg_signature", ""),
                timestamp,
                nonce,
                encrypt if isinstance(encrypt, str) else "",
            )
            fields = body_fields(plain)
        elif not check_signature(self._token, query.get("signature", ""), timestamp, nonce):
            raise SignatureError("signature does not match")
        self._check_fresh(timestamp)
        event = event_from_fields(fields)
        is_json = "json" in (content_type or "") or body.lstrip()[:1] == b"{"
        key = event.identity()
        claim = await self._dedupe.claim(key)
        if claim is Claim.RUNNING:
            # Not acknowledged: if the running delivery fails, WeChat's next retry runs it.
            return CallbackReply(503, _TEXT, b"push in progress", event)
        if claim is Claim.NEW:
            handler = self._handlers.get(type(event))
            try:
                if handler is not None:
                    await handler(event)
            except Exception:
                await self._dedupe.release(key)
                logger.exception("push handler for %s failed; WeChat will retry", event.event)
                return CallbackReply(500, _TEXT, b"handler failed", event)
            await self._dedupe.complete(key)
        return self._acknowledge(event, encrypted=encrypted, as_json=is_json)

    def _check_fresh(self, timestamp: str) -> None:
        try:
            sent = float(timestamp)
        except ValueError:
            raise StaleTimestampError("timestamp missing or not a number") from None
        if abs(self._clock() - sent) > self._replay_window:
            raise StaleTimestampError(f"timestamp outside the {self._replay_window:.0f} s window")

    def _acknowledge(
        self, event: Event | UnknownEvent, *, encrypted: bool, as_json: bool
    ) -> CallbackReply:
        kind = type(event).REPLY
        if kind == "ok":
            body, headers = b"<xml>ok</xml>", _XML
        elif kind == "waybill" and isinstance(event, Event):
            reply = {
                "ToUserName": event.from_user_name,
                "FromUserName": event.to_user_name,
                "CreateTime": int(self._clock()),
                "MsgType": "event",
                "Event": "update_waybill_status",
                "resultcode": 0,
                "resultmsg": "ok",
            }
            body, headers = json.dumps(reply, ensure_ascii=False).encode("utf-8"), _JSON
        else:
            # "success" is accepted plain even from encrypted accounts.
            return CallbackReply(200, _TEXT, b"success", event)
        if encrypted and self._crypto is not None:
            body, headers = (
                self._encrypt_reply(body.decode("utf-8"), as_json),
                (_JSON if as_json else _XML),
            )
        return CallbackReply(200, headers, body, event)

    def _encrypt_reply(self, message: str, as_json: bool) -> bytes:
        assert self._crypto is not None
        encrypt, signature, timestamp, nonce = self._crypto.encrypt(
            message, timestamp=str(int(self._clock()))
        )
        if as_json:
            envelope = {
                "Encrypt": encrypt,
                "MsgSignature": signature,
                "TimeStamp": int(timestamp),
                "Nonce": nonce,
            }
            return json.dumps(envelope).encode("utf-8")
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        ).encode()

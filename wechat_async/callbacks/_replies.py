"""The exact acknowledgement each push expects, plain or in an encrypted envelope."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ._crypto import MessageCrypto
from ._events import Event, UnknownEvent

__all__ = ["CallbackReply", "acknowledge", "text_reply"]

# Read-only: every reply shares these, and callers get them as reply.headers.
TEXT = MappingProxyType({"content-type": "text/plain; charset=utf-8"})
XML = MappingProxyType({"content-type": "application/xml; charset=utf-8"})
JSON = MappingProxyType({"content-type": "application/json; charset=utf-8"})


@attrs.frozen
class CallbackReply:
    """What to send back: status, headers, body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    #: the parsed event, when there was one
    event: Event | UnknownEvent | None = None


def text_reply(status: int, text: str, event: Event | UnknownEvent | None = None) -> CallbackReply:
    """A plain-text reply: refusals, and the URL-verification echo."""
    return CallbackReply(status, TEXT, text.encode("utf-8", "surrogatepass"), event)


def acknowledge(
    event: Event | UnknownEvent,
    *,
    now: int,
    as_json: bool,
    crypto: MessageCrypto | None,
) -> CallbackReply:
    """The 200 reply for a handled push; ``crypto`` set when the push came encrypted."""
    kind = type(event).REPLY
    headers: Mapping[str, str]
    if kind == "ok":
        # Gift-card pushes: anything but this body makes WeChat retry for 24 hours.
        body, headers = "<xml>ok</xml>", XML
    elif kind == "waybill" and isinstance(event, Event):
        body, headers = _waybill(event, now, as_json)
    else:
        # "success" is accepted plain even from accounts in safe mode.
        return CallbackReply(200, TEXT, b"success", event)
    if crypto is not None:
        return CallbackReply(
            200, JSON if as_json else XML, _envelope(crypto, body, now, as_json), event
        )
    return CallbackReply(200, headers, body.encode("utf-8"), event)


def _waybill(event: Event, now: int, as_json: bool) -> tuple[str, Mapping[str, str]]:
    # specs/delivery.md section 6: the push's To/From swapped, resultcode 0.
    reply: dict[str, str | int] = {
        "ToUserName": event.from_user_name,
        "FromUserName": event.to_user_name,
        "CreateTime": now,
        "MsgType": "event",
        "Event": "update_waybill_status",
        "resultcode": 0,
        "resultmsg": "ok",
    }
    if as_json:
        return json.dumps(reply, ensure_ascii=False), JSON
    return _xml(reply), XML


def _xml(fields: Mapping[str, str | int]) -> str:
    inner = "".join(
        f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{_cdata(v)}]]></{k}>"
        for k, v in fields.items()
    )
    return f"<xml>{inner}</xml>"


def _cdata(text: str) -> str:
    # "]]>" would end the section early; split it across two sections.
    return text.replace("]]>", "]]]]><![CDATA[>")


def _envelope(crypto: MessageCrypto, message: str, now: int, as_json: bool) -> bytes:
    encrypt, signature, timestamp, nonce = crypto.encrypt(message, timestamp=str(now))
    if as_json:
        envelope = {
            "Encrypt": encrypt,
            "MsgSignature": signature,
            "TimeStamp": int(timestamp),
            "Nonce": nonce,
        }
        return json.dumps(envelope).encode("utf-8")
    return _xml(
        {"Encrypt": encrypt, "MsgSignature": signature, "TimeStamp": int(timestamp), "Nonce": nonce}
    ).encode("utf-8")

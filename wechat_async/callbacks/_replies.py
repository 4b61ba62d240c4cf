"""The exact acknowledgement each push expects, plain or in an encrypted envelope.

The router builds a push's acknowledgement before its handler runs: a reply that cannot be
written is a refusal then (nothing ran, nothing to retry twice), never a crash after.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ._crypto import MessageCrypto
from ._errors import UnanswerablePushError
from ._events import Event, UnknownEvent

__all__ = ["CallbackReply", "acknowledge", "text_reply"]

# Read-only: every reply shares these, and callers get them as reply.headers.
TEXT = MappingProxyType({"content-type": "text/plain; charset=utf-8"})
XML = MappingProxyType({"content-type": "application/xml; charset=utf-8"})
JSON = MappingProxyType({"content-type": "application/json; charset=utf-8"})

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Outside XML 1.0's Char production: no XML document carries these, escaped or not.
_NOT_XML_CHAR = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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
    return CallbackReply(status, TEXT, _encode(text), event)


def _encode(text: str) -> bytes:
    """The one way reply text becomes bytes; never raises. Acknowledgements reach it already
    clean (JSON escapes lone surrogates, XML refuses them), so their bytes are valid UTF-8."""
    return text.encode("utf-8", "surrogatepass")


def acknowledge(
    event: Event | UnknownEvent,
    *,
    now: int,
    as_json: bool,
    crypto: MessageCrypto | None,
) -> CallbackReply:
    """The 200 reply for a push; ``crypto`` set when the push came encrypted. Raises
    ``UnanswerablePushError`` when no correct reply exists: call it before the handler."""
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
    return CallbackReply(200, headers, _encode(body), event)


def _waybill(event: Event, now: int, as_json: bool) -> tuple[str, Mapping[str, str]]:
    # The instant-delivery push wants its To/From swapped back and resultcode 0.
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
        return _json(reply), JSON
    for field, value in (
        ("FromUserName", event.from_user_name),
        ("ToUserName", event.to_user_name),
    ):
        bad = _NOT_XML_CHAR.search(value)
        if bad:
            raise UnanswerablePushError(
                f"{field} holds U+{ord(bad.group()):04X}, which an XML reply cannot carry"
            )
    return _xml(reply), XML


def _json(data: Mapping[str, str | int]) -> str:
    # Raw Chinese, as WeChat's JSON APIs want it; a lone surrogate only as the \u escape it
    # came in as (UTF-8 has no bytes for it), so the reply names exactly what the push did.
    text = json.dumps(data, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
        return _encode(json.dumps(envelope))
    # As ``_xml`` writes it: base64, hex and digits need no CDATA splitting.
    return (
        f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
        f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
        f"<TimeStamp>{int(timestamp)}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
    ).encode("ascii")

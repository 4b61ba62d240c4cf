"""Push bodies (XML or JSON, plain or encrypted envelopes) into typed events."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from typing import Any, get_args

import attrs
import cattrs

from .._convert import field_errors, structure_response
from .._models import WIRE
from ._crypto import MessageCrypto
from ._errors import MalformedMessageError, PayloadTooLargeError
from ._events import EVENT_TYPES, INFO_TYPES, Event, UnknownEvent
from ._xml import xml_fields

__all__ = [
    "MAX_BODY",
    "body_fields",
    "event_from_fields",
    "is_encrypted",
    "is_json",
    "parse_event",
]

#: Pushes are a few hundred bytes; anything near this is not from WeChat.
MAX_BODY = 1 << 20
_INT = re.compile(r"-?[0-9]{1,18}")


def is_json(body: bytes, content_type: str | None = None) -> bool:
    """Whether a body is JSON: the first character decides, the content type breaks ties
    (Mini Programs may be set to either format whatever header the proxy adds)."""
    head = body.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    if head in (b"{", b"["):
        return True
    if head == b"<":
        return False
    return "json" in (content_type or "").lower()


def body_fields(body: bytes | str, content_type: str | None = None) -> dict[str, Any]:
    """The top-level fields of a push body, XML or JSON, as a dict (values as received)."""
    if isinstance(body, str):
        raw = body.encode("utf-8", "surrogatepass")
    else:
        raw = body if type(body) is bytes else bytes(body)
    if len(raw) > MAX_BODY:
        raise PayloadTooLargeError(f"push body of {len(raw)} bytes is over {MAX_BODY}")
    stripped = raw.strip()
    if not stripped:
        raise MalformedMessageError("empty push body")
    if is_json(raw, content_type):
        return _json_fields(raw)
    return xml_fields(stripped)


def _json_fields(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedMessageError(f"malformed JSON: {exc}") from None
    except RecursionError:
        # json's C scanner recurses per nesting level: "[[[[..." is a cheap stack bomb.
        raise MalformedMessageError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise MalformedMessageError("JSON push is not an object")
    return data


def is_encrypted(fields: Mapping[str, Any]) -> bool:
    """A safe-mode envelope; compatibility mode sends plain fields beside ``Encrypt``."""
    return "Encrypt" in fields and "Event" not in fields and "MsgType" not in fields


def parse_event(
    body: bytes | str,
    content_type: str | None = None,
    *,
    crypto: MessageCrypto | None = None,
    query: Mapping[str, str] | None = None,
) -> Event | UnknownEvent:
    """A push body as a typed event; ``UnknownEvent`` for events without a class.

    Encrypted envelopes (``Encrypt``) need ``crypto`` and the request's query
    (``msg_signature``, ``timestamp``, ``nonce``). Raises only ``CallbackError`` subclasses.

    >>> parse_event(b"<xml><Event>giftcard_pay_done</Event>...</xml>")  # doctest: +SKIP
    GiftCardPayDone(...)
    """
    fields = body_fields(body, content_type)
    if is_encrypted(fields):
        fields = decrypt_envelope(fields, crypto, query or {})
    return event_from_fields(fields)


def decrypt_envelope(
    fields: Mapping[str, Any], crypto: MessageCrypto | None, query: Mapping[str, str]
) -> dict[str, Any]:
    """The fields inside an ``Encrypt`` envelope; checks ``msg_signature`` on the way."""
    if crypto is None:
        raise MalformedMessageError("encrypted push: pass crypto= (or use CallbackRouter)")
    encrypt = fields.get("Encrypt")
    if not isinstance(encrypt, str):
        raise MalformedMessageError("Encrypt is not a string")
    plain = crypto.decrypt(
        query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", ""), encrypt
    )
    inner = body_fields(plain)
    if "Encrypt" in inner:
        raise MalformedMessageError("nested encrypted envelope")
    return inner


def event_from_fields(fields: Mapping[str, Any]) -> Event | UnknownEvent:
    """Typed event from already-read fields (``UnknownEvent`` when no class matches)."""
    name = str(fields.get("Event", "")).strip().lower()
    msg_type = str(fields.get("MsgType", "event")).strip().lower()
    cls: type[Event] | None = EVENT_TYPES.get(name) if msg_type == "event" else None
    if not name and "InfoType" in fields:  # a push to a third-party platform
        name = str(fields["InfoType"]).strip().lower()
        cls = INFO_TYPES.get(name)
    if cls is None:
        return UnknownEvent(fields=dict(fields))
    try:
        return structure_response(_from_text(fields, cls), cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, AttributeError) as exc:
        detail = "; ".join(str(e) for e in field_errors(exc))
        raise MalformedMessageError(f"{name} push does not fit {cls.__name__}: {detail}") from None


@attrs.frozen
class _Plan:
    ints: tuple[str, ...]
    #: optional non-text fields, where an empty element means "not said" (None), not False/0
    blanks: tuple[str, ...]
    nested: dict[str, type]


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        attrs.resolve_types(cls)
        ints, blanks, nested = set(), set(), {}
        for a in attrs.fields(cls):
            key = a.metadata.get(WIRE, a.name)
            options = get_args(a.type) or (a.type,)
            # An int enum (OrderStatus) is read from XML text as the int it holds.
            if any(
                o is int or (isinstance(o, type) and issubclass(o, enum.IntEnum)) for o in options
            ):
                ints.add(key)
            if type(None) in options and str not in options:
                blanks.add(key)
            for option in options:
                if attrs.has(option):
                    nested[key] = option
        plan = _PLANS[cls] = _Plan(tuple(sorted(ints)), tuple(sorted(blanks)), nested)
    return plan


def _from_text(fields: Mapping[str, Any], cls: type) -> dict[str, Any]:
    """XML carries every value as text: digit strings become ints where the model says int
    (nested objects too), and empty optional values become None."""
    plan = _PLANS.get(cls) or _plan(cls)
    data = dict(fields)
    for key in plan.blanks:
        if data.get(key) == "":
            data[key] = None
    for key in plan.ints:
        value = data.get(key)
        if isinstance(value, str) and _INT.fullmatch(value.strip()):
            data[key] = int(value)
    for key, inner in plan.nested.items():
        value = data.get(key)
        if isinstance(value, Mapping):
            data[key] = _from_text(value, inner)
    return data

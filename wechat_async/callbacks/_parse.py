"""Push bodies (XML or JSON, plain or encrypted envelopes) into typed events."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, get_args

import attrs
import cattrs

from .._convert import converter, field_errors
from .._errors import MalformedMessageError
from .._models import WIRE
from ._crypto import MessageCrypto
from ._events import EVENT_TYPES, Event, UnknownEvent

__all__ = ["MAX_BODY", "body_fields", "parse_event"]

#: Pushes are a few hundred bytes; anything near this is not from WeChat.
MAX_BODY = 1 << 20
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _xml_parser() -> Any:
    from lxml import etree

    # No entities, no DTD, no network: XXE and billion-laughs have nothing to expand.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


_PARSER: Any = None


def _parse_xml(body: bytes) -> dict[str, Any]:
    global _PARSER
    from lxml import etree

    if _DTD.search(body):
        raise MalformedMessageError("XML with a DOCTYPE or ENTITY declaration is refused")
    if _PARSER is None:
        _PARSER = _xml_parser()
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedMessageError(f"malformed XML: {exc}") from None
    if root is None:
        raise MalformedMessageError("empty XML document")
    return {child.tag: _xml_value(child) for child in root if isinstance(child.tag, str)}


def _xml_value(element: Any) -> Any:
    children = [c for c in element if isinstance(c.tag, str)]
    if children:
        return {c.tag: _xml_value(c) for c in children}
    return (element.text or "").strip()


def body_fields(body: bytes | str, content_type: str | None = None) -> dict[str, Any]:
    """The top-level fields of a push body, XML or JSON, as a dict (values as received)."""
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if len(raw) > MAX_BODY:
        raise MalformedMessageError(f"push body of {len(raw)} bytes is over {MAX_BODY}")
    text = raw.lstrip()
    if not text:
        raise MalformedMessageError("empty push body")
    is_json = "json" in (content_type or "").lower() or text[:1] in (b"{", b"[")
    if is_json:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedMessageError(f"malformed JSON: {exc}") from None
        if not isinstance(data, dict):
            raise MalformedMessageError("JSON push is not an object")
        return data
    return _parse_xml(text)


def parse_event(
    body: bytes | str,
    *,
    content_type: str | None = None,
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
    if "Encrypt" in fields and "Event" not in fields and "MsgType" not in fields:
        fields = _decrypt_envelope(fields, crypto, query or {})
    return event_from_fields(fields)


def _decrypt_envelope(
    fields: Mapping[str, Any], crypto: MessageCrypto | None, query: Mapping[str, str]
) -> dict[str, Any]:
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
    name = str(fields.get("Event", "")).strip().lower()
    cls = EVENT_TYPES.get(name) if str(fields.get("MsgType", "event")).lower() == "event" else None
    if cls is None:
        return UnknownEvent(fields=dict(fields))
    try:
        return converter.structure(_coerce_numbers(fields, cls), cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        detail = "; ".join(str(e) for e in field_errors(exc))
        raise MalformedMessageError(f"{name} push does not fit {cls.__name__}: {detail}") from None


_INT_FIELDS: dict[type, frozenset[str]] = {}


def _coerce_numbers(fields: Mapping[str, Any], cls: type) -> dict[str, Any]:
    """XML carries every value as text: turn digit strings into ints where the model says int."""
    names = _INT_FIELDS.get(cls)
    if names is None:
        attrs.resolve_types(cls)
        names = frozenset(
            a.metadata.get(WIRE, a.name)
            for a in attrs.fields(cls)
            if a.type is int or int in get_args(a.type)
        )
        _INT_FIELDS[cls] = names
    data = dict(fields)
    for key in names & data.keys():
        value = data[key]
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value.strip()):
            data[key] = int(value)
        elif value == "":
            data[key] = None
    return data

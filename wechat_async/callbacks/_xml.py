"""Hardened XML reading: push bodies come from the internet, so no DTD, entity or network."""

from __future__ import annotations

import re
from typing import Any

from ._errors import MalformedMessageError

__all__ = ["xml_fields"]

# A DTD can only sit before the root element; looking there alone lets a text message carry
# "<!DOCTYPE" inside its CDATA.
_ROOT_START = re.compile(rb"<[A-Za-z_:]")
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

# WeChat's own shape, read by two regular expressions instead of lxml (a third of a push's
# parsing time): a bare <xml> root holding flat elements of text and CDATA sections. Anything
# else (a declaration, attributes, nesting, entities, comments, ']' or '\r' outside CDATA,
# characters XML 1.0 refuses, long names) goes to lxml; for what it takes both read the same.
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]{0,254}"
_TEXT = r"[^<&\]]*"
_CDATA = r"<!\[CDATA\[[^\]]*(?:\](?!\]>)[^\]]*)*\]\]>"  # ends at the first "]]>"
_CONTENT = rf"{_TEXT}(?:{_CDATA}{_TEXT})*"
_FLAT_DOCUMENT = re.compile(rf"<xml>(?:[ \t\n]*<({_NAME})>{_CONTENT}</\1>)*[ \t\n]*</xml>")
_FLAT_FIELD = re.compile(rf"<({_NAME})>({_CONTENT})</\1>")
_CDATA_SECTION = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_NOT_FLAT_CHAR = re.compile(r"[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_PARSER: Any = None
_ETREE: Any = None  # lxml.etree, imported with the parser: not on every push


def _parser() -> Any:
    global _PARSER, _ETREE
    if _PARSER is None:
        from lxml import etree

        _ETREE = etree
        # No entities, no DTD, no network: XXE and billion-laughs have nothing to expand.
        _PARSER = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
    return _PARSER


def xml_fields(body: bytes) -> dict[str, Any]:
    """The root element's children as ``{tag: text}`` (nested elements as dicts)."""
    flat = _flat_fields(body)
    return flat if flat is not None else _lxml_fields(body)


def _flat_fields(body: bytes) -> dict[str, Any] | None:
    """The fields of a body in WeChat's flat shape; None for anything else."""
    if not body.startswith(b"<xml>"):
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _NOT_FLAT_CHAR.search(text) or _FLAT_DOCUMENT.fullmatch(text) is None:
        return None
    fields: dict[str, Any] = {}
    for name, content in _FLAT_FIELD.findall(text, 5):
        if "<" in content:  # CDATA sections: their text, joined with the text around them
            content = "".join(_CDATA_SECTION.split(content))
        # WeChat pads values with spaces around the CDATA ("<Event> <![CDATA[x]]> </Event>").
        fields[name] = content.strip()
    return fields


def _lxml_fields(body: bytes) -> dict[str, Any]:
    parser = _parser()
    etree = _ETREE
    root_start = _ROOT_START.search(body)
    prolog = body[: root_start.start()] if root_start else body
    if _DECLARATION.search(prolog):
        raise MalformedMessageError("XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedMessageError(f"malformed XML: {exc}") from None
    except ValueError as exc:  # e.g. an unknown encoding in the declaration
        raise MalformedMessageError(f"unreadable XML: {exc}") from None
    if root is None:
        raise MalformedMessageError("empty XML document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise MalformedMessageError("XML with a DOCTYPE is refused")
    return {_name(child): _value(child) for child in root if isinstance(child.tag, str)}


def _name(element: Any) -> str:
    # Namespaced tags ("{uri}Tag") keep only the local name: pushes never use namespaces.
    return str(element.tag).rpartition("}")[2]


def _value(element: Any) -> Any:
    # len() first: a push's leaves have no child nodes at all, and it costs no list.
    children = [c for c in element if isinstance(c.tag, str)] if len(element) else None
    if children:
        return {_name(c): _value(c) for c in children}
    # WeChat pads values with spaces around the CDATA ("<Event> <![CDATA[x]]> </Event>").
    return (element.text or "").strip()

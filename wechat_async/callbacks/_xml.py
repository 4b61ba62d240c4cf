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

# WeChat's own shape, read by one regular expression instead of lxml (a third of a push's
# parsing time): a bare <xml> root holding flat elements of text and CDATA sections. Anything
# else (a declaration, attributes, nesting, entities, comments, ']' or '\r' outside CDATA,
# characters XML 1.0 refuses, long names) goes to lxml; for what it takes both read the same.
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]{0,254}"
# Not XML 1.0 characters, and '\r' (a parser rewrites line ends): left to lxml.
_NOT_FLAT = r"\x00-\x08\x0b-\x1f\ufffe\uffff"
_TEXT = rf"[^<&\]{_NOT_FLAT}]*"
_CDATA_TEXT = rf"[^\]{_NOT_FLAT}]*"
_CDATA = rf"<!\[CDATA\[{_CDATA_TEXT}(?:\](?!\]>){_CDATA_TEXT})*\]\]>"  # ends at the first "]]>"
# One element a match: its name, then its value as one CDATA section (WeChat's, padded with
# spaces or not), as text, or as text and CDATA sections mixed; anything else between the
# elements but XML's spaces is a stray character, and the document is not flat.
_FLAT_FIELD = re.compile(
    rf"<({_NAME})>(?:[ \t\n]*<!\[CDATA\[({_CDATA_TEXT})\]\]>[ \t\n]*|({_TEXT})"
    rf"|({_TEXT}(?:{_CDATA}{_TEXT})+))</\1>|([^ \t\n])"
)
_CDATA_SECTION = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)

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
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not (text.startswith("<xml>") and text.endswith("</xml>")):
        return None
    fields: dict[str, Any] = {}
    for name, cdata, plain, mixed, stray in _FLAT_FIELD.findall(text, 5, len(text) - 6):
        if stray:
            return None
        if mixed:  # CDATA sections: their text, joined with the text around them
            plain = "".join(_CDATA_SECTION.split(mixed))
        # WeChat pads values with spaces around the CDATA ("<Event> <![CDATA[x]]> </Event>").
        fields[name] = (cdata or plain).strip()
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

"""docs/wire-notes.md audits every public endpoint (read from the SDK's registry) and helper."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import attrs
import pytest

import wechat_async
from wechat_async._models import CHECK, WIRE
from wechat_async._registry import endpoints, namespaces

NOTES = Path(__file__).parent.parent / "docs" / "wire-notes.md"
NAMESPACES = namespaces()

#: What users call besides the endpoints, per namespace: methods of the namespace or functions
#: of its package.
HELPERS = {
    "giftcard": ["iter_orders", "shelf_url", "parse_jump"],
    "delivery": ["delivery_sign"],
    "component": ["authorization_url", "mobile_authorization_url"],
}

#: The public surface, per namespace: every endpoint and helper users call.
SURFACE = {
    domain: [e.name for e in cls.endpoints()] + HELPERS.get(domain, [])
    for domain, cls in NAMESPACES.items()
}


def _rows_by_section() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    section = ""
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            rows[section] = []
        match = re.match(r"\|\s*`(\w+)`", line)
        if match and section:
            rows[section].append(match.group(1))
    return rows


@pytest.mark.parametrize("domain", sorted(SURFACE))
def test_wire_notes_has_one_row_per_endpoint_and_helper(domain: str) -> None:
    rows = _rows_by_section()
    assert domain in rows, f"no '## {domain}' section"
    assert sorted(rows[domain]) == sorted(SURFACE[domain])


@pytest.mark.parametrize(("domain", "name"), [(d, n) for d, ns in HELPERS.items() for n in ns])
def test_each_helper_is_there(domain: str, name: str) -> None:
    package = getattr(wechat_async, domain)
    assert callable(getattr(NAMESPACES[domain], name, None) or getattr(package, name, None))


@pytest.mark.parametrize("endpoint", endpoints(), ids=lambda e: f"{e.domain}.{e.name}")
def test_each_endpoint_cites_its_official_document(endpoint: typing.Any) -> None:
    # Read by the docs' reference, which links each endpoint to its page.
    assert re.fullmatch(r"https://developers\.weixin\.qq\.com/\S+\.html", endpoint.source)


def test_each_row_names_its_differences_and_what_the_sdk_does() -> None:
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        if re.match(r"\|\s*`\w+`", line):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert len(cells) >= 4, line
            assert all(cells), line


def _holds_literal(tp: object) -> bool:
    """A ``Literal`` type is a check too: the converter refuses any other value."""
    return typing.get_origin(tp) is typing.Literal or any(
        _holds_literal(arg) for arg in typing.get_args(tp)
    )


def _checked_fields(domain: str) -> dict[str, set[str]]:
    """Every request model of a namespace (nested ones too) -> the wire names of its checked
    fields, plus ``(cross-field)`` when it has cross-field rules."""
    found: dict[str, set[str]] = {}

    def walk(cls: type) -> None:
        if cls.__name__ in found:
            return
        found[cls.__name__] = set()
        attrs.resolve_types(cls)
        for a in attrs.fields(cls):
            if a.metadata.get(CHECK) or _holds_literal(a.type):
                found[cls.__name__].add(str(a.metadata.get(WIRE, a.name)))
            for tp in (a.type, *typing.get_args(a.type)):
                for inner in (tp, *typing.get_args(tp)):
                    if isinstance(inner, type) and attrs.has(inner):
                        walk(inner)
        if hasattr(cls, "_check_fields"):
            found[cls.__name__].add("(cross-field)")

    for endpoint in NAMESPACES[domain].endpoints():
        walk(endpoint.request)
    return {name: fields for name, fields in found.items() if fields}


def _check_rows(domain: str) -> dict[str, str]:
    """Model -> the Fields cells of its rows in "### <domain> checks", joined."""
    rows: dict[str, str] = {}
    inside = False
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = line == f"### {domain} checks"
            continue
        match = re.match(r"\|\s*`(\w+)`\s*\|([^|]*)\|", line)
        if inside and match:
            rows[match.group(1)] = rows.get(match.group(1), "") + match.group(2)
    return rows


@pytest.mark.parametrize("domain", sorted(SURFACE))
def test_every_client_side_check_is_listed_with_its_source(domain: str) -> None:
    rows = _check_rows(domain)
    missing = []
    for model, fields in _checked_fields(domain).items():
        cell = rows.get(model, "")
        for field in fields:
            name = field if field == "(cross-field)" else f"`{field}`"
            if name not in cell:
                missing.append(f"{model}.{field}")
    assert not missing, f"checks not in '### {domain} checks' of docs/wire-notes.md: {missing}"


def test_each_check_row_names_a_source() -> None:
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        if re.match(r"\|\s*`[A-Z]\w+`\s*\|", line):
            source = line.strip().strip("|").split(" | ")[-1]
            assert re.search(r"\b(documents|wire|JSON)\b", source), line

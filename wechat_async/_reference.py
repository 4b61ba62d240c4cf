"""The endpoint reference, generated from the endpoint descriptors and their attrs models.

For every endpoint: method and path, parameters (types, required or not, the limits its
request model checks), errcodes, retry safety and the response model's fields. Nothing here
is written by hand: the docs build renders ``pages()`` (``docs/gen_pages.py``), and a new
endpoint or field appears in the reference with its descriptor.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import html
import inspect
import re
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, Union

import attrs

from ._checks import rule_of
from ._endpoint import Endpoint, Namespace
from ._errcodes import (
    DOMAIN_ERRCODES,
    ERRCODE_FAILURES,
    ERRCODES,
    DeliveryError,
    InvoiceError,
)
from ._errors import APIError
from ._models import WIRE
from ._registry import attribute_path, namespaces
from ._validation import _field_checks
from .transports._base import Failure

__all__ = [
    "FieldDoc",
    "endpoints_by_namespace",
    "errors",
    "nav",
    "pages",
    "parameters",
    "response_fields",
    "type_name",
]

#: How deep nested models are unfolded into dotted rows (``cargo.goods_detail.goods[].x``).
_MAX_DEPTH = 5

#: ``ERRCODES`` rows a namespace owns, by the error class they raise (the table itself groups
#: rows by comment only); City Service's own rows are ``DOMAIN_ERRCODES["cityservice"]``.
_DOMAIN_ERRORS: Mapping[str, type[APIError]] = {
    "delivery": DeliveryError,
    "invoice": InvoiceError,
}


def endpoints_by_namespace() -> dict[str, list[Endpoint[Any, Any, Any]]]:
    """Every documented endpoint, by the client attribute that holds it (``delivery``...):
    the one place the reference reads endpoints from."""
    return {name: list(cls.endpoints()) for name, cls in namespaces().items()}


@attrs.frozen
class FieldDoc:
    """One row of a parameter or response table."""

    #: dotted Python path: ``receiver.name``, ``cargo.goods_detail.goods[].good_count``
    path: str
    #: the JSON key when it differs from the Python name
    wire: str | None
    type: str
    required: bool
    #: what the request checks before sending, in words
    limits: tuple[str, ...]
    #: the ``#:`` comment above the field in its model
    doc: str


def parameters(endpoint: Endpoint[Any, Any, Any]) -> list[FieldDoc]:
    """The keyword arguments of a call, nested models unfolded, with their checks."""
    return list(_fields(endpoint.request, "", checks=True, depth=0, seen=()))


def response_fields(endpoint: Endpoint[Any, Any, Any]) -> list[FieldDoc]:
    """The response model's fields, nested models unfolded (``extra`` left out)."""
    return list(_fields(endpoint.response, "", checks=False, depth=0, seen=()))


def _fields(
    cls: type, prefix: str, *, checks: bool, depth: int, seen: tuple[type, ...]
) -> Iterator[FieldDoc]:
    docs = _field_docs(cls)
    for a in _resolved_fields(cls):
        if a.name == "extra" and not checks:
            continue
        wire = a.metadata.get(WIRE)
        yield FieldDoc(
            path=prefix + a.name,
            wire=wire if wire and wire != a.name else None,
            type=type_name(a.type),
            required=a.default is attrs.NOTHING,
            limits=tuple(rule_of(c) for c in _field_checks(a)) if checks else (),
            doc=docs.get(a.name, ""),
        )
        nested = _nested_model(a.type)
        if nested is not None and depth < _MAX_DEPTH and nested[0] not in (cls, *seen):
            model, suffix = nested
            yield from _fields(
                model,
                f"{prefix}{a.name}{suffix}.",
                checks=checks,
                depth=depth + 1,
                seen=(*seen, cls),
            )


def _resolved_fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    with contextlib.suppress(Exception):  # unresolvable hints stay strings: shown as written
        attrs.resolve_types(cls)
    return tuple(attrs.fields(cls))


def _nested_model(tp: Any) -> tuple[type, str] | None:
    """The attrs model a field holds, and how its path continues (``.``, ``[].``, ``{}.``)."""
    if isinstance(tp, type) and attrs.has(tp):
        return tp, ""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        for arg in args:
            found = _nested_model(arg)
            if found is not None:
                return found
        return None
    if origin is None or not args:
        return None
    if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        found = _nested_model(args[-1])
        return (found[0], "{}" + found[1]) if found else None
    found = _nested_model(args[0])
    return (found[0], "[]" + found[1]) if found else None


def type_name(tp: Any) -> str:
    """A type as a reader writes it: ``Decimal | None``, ``list[Goods]``, ``Literal[1, 2]``."""
    if isinstance(tp, str):
        return tp
    if tp is None or tp is type(None):
        return "None"
    if tp is Any:
        return "Any"
    supertype = getattr(tp, "__supertype__", None)  # a NewType reads as what it is
    if supertype is not None:
        return type_name(supertype)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(type_name(a) for a in args)}]" if args else name
    return getattr(tp, "__name__", str(tp))


@functools.cache
def _field_docs(cls: type) -> dict[str, str]:
    """``#:`` comments above each field, read from the source of ``cls`` and its bases."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not attrs.has(klass):
            continue
        try:
            lines = inspect.getsource(klass).splitlines()
        except (OSError, TypeError):
            continue
        pending: list[str] = []
        for line in lines:
            text = line.strip()
            if text.startswith("#:"):
                pending.append(text[2:].strip())
                continue
            match = re.match(r"(\w+)\s*:", text)
            if match and pending:
                docs[match.group(1)] = " ".join(pending)
            pending = []
    return docs


def errors(endpoint: Endpoint[Any, Any, Any]) -> dict[int, tuple[type[APIError], str]]:
    """The errcodes this endpoint's namespace documents, with their classes and meanings,
    in the order they are looked up: the endpoint's own rows, then its domain's."""
    rows: dict[int, tuple[type[APIError], str]] = dict(endpoint.errors)
    for code, row in DOMAIN_ERRCODES.get(endpoint.domain, {}).items():
        rows.setdefault(code, row)
    family = _DOMAIN_ERRORS.get(endpoint.domain)
    if family is not None:
        for code, row in ERRCODES.items():
            if issubclass(row[0], family):
                rows.setdefault(code, row)
    return rows


def pages() -> dict[str, str]:
    """The reference as Markdown files, by path under ``reference/``: an overview, a page per
    namespace and per endpoint, and the errcode table."""
    namespaces = endpoints_by_namespace()
    out = {"index.md": _index(namespaces), "errcodes.md": _errcodes_page()}
    for name, endpoints in namespaces.items():
        out[f"{name}/index.md"] = _namespace_page(name, endpoints)
        for e in endpoints:
            out[f"{name}/{e.name}.md"] = _endpoint_page(name, e)
    return out


def nav(prefix: str = "reference/") -> list[Any]:
    """The reference's navigation, in MkDocs' ``nav`` form, in the order of ``pages()``."""
    entries: list[Any] = [f"{prefix}index.md"]
    for name, endpoints in endpoints_by_namespace().items():
        section: list[Any] = [f"{prefix}{name}/index.md"]
        section += [{e.name: f"{prefix}{name}/{e.name}.md"} for e in endpoints]
        entries.append({attribute_path(name): section})
    entries.append({"Errcodes": f"{prefix}errcodes.md"})
    return entries


# --- Markdown ------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    # Python-Markdown's tables keep a pipe inside a code span in its cell: no escape.
    return f"`{text}`"


def _retry_note(endpoint: Endpoint[Any, Any, Any]) -> str:
    if endpoint.idempotent:
        return (
            "**Retry-safe.** Retried after a failure that may have reached WeChat (a timeout "
            "after sending, a dropped connection, HTTP 5xx, errcode -1), as well as after one "
            "that never left."
        )
    return (
        "**Not retry-safe.** Retried only when the request certainly never left (connect "
        "error or timeout); after an ambiguous failure the error has "
        "`may_have_been_applied=True` and nothing is resent: check before calling again."
    )


def _index(namespaces: Mapping[str, list[Endpoint[Any, Any, Any]]]) -> str:
    lines = [
        "# Endpoint reference",
        "",
        "Generated from the endpoint descriptors and their attrs models when the site is "
        "built: what you read here is what the SDK sends and checks.",
        "",
        "Each endpoint is a method of a namespace of `WeChatClient` (a third-party "
        "platform's own, of `ComponentClient`): await it with the "
        "request's fields as keyword arguments (`await client.delivery.get_order(shopid=..., "
        "shop_order_id=...)`), or pass a request model to `.send(...)`; `.raw(...)` also "
        "returns the HTTP status, headers and JSON. A nested model also takes a plain dict "
        "with the same keys (its `...Param` TypedDict, checked by mypy).",
        "",
        "- **Limits** are checked before anything is sent; a value outside them raises "
        "`RequestValidationError` naming every bad field. An `int` field without a bound of "
        "its own is held to the 32-bit range WeChat reads.",
        "- **Errors** lists the errcodes the namespace documents for the endpoint, with the "
        "exception each raises; the codes every API shares (tokens, quotas, `-1`...) are in "
        "[Errcodes](errcodes.md).",
        "- **Response** fields are all optional unless marked required; keys WeChat adds that "
        "a model does not know yet are kept in its `extra` mapping.",
        "",
        "| namespace | endpoint | method and path | retry-safe |",
        "|---|---|---|---|",
    ]
    for name, endpoints in namespaces.items():
        for e in endpoints:
            lines.append(
                f"| `{attribute_path(name)}` | [{e.name}]({name}/{e.name}.md) "
                f"| {_code(e.method + ' ' + e.path)} | {'yes' if e.idempotent else 'no'} |"
            )
    return "\n".join(lines) + "\n"


def _namespace_page(name: str, endpoints: list[Endpoint[Any, Any, Any]]) -> str:
    cls = namespaces()[name]
    lines = [f"# {attribute_path(name)}", ""]
    lines += ["| endpoint | method and path | retry-safe |", "|---|---|---|"]
    for e in endpoints:
        lines.append(
            f"| [{e.name}]({e.name}.md) | {_code(e.method + ' ' + e.path)} "
            f"| {'yes' if e.idempotent else 'no'} |"
        )
    lines.append("")
    helpers = _helpers(cls)
    if helpers:
        lines += ["## Helpers", "", "Methods of the namespace that are not one endpoint.", ""]
        lines += [f"::: {cls.__module__}.{cls.__qualname__}.{h}\n" for h in helpers]
    enums = _enums(endpoints)
    if enums:
        lines += ["## Values", "", "The value sets its parameters and replies use.", ""]
        for tp in enums:
            lines += _enum_section(tp)
    return "\n".join(lines) + "\n"


def _helpers(cls: type[Namespace]) -> list[str]:
    """Public methods of a namespace beside its endpoints (``iter_orders``, ``add_account``)."""
    return [
        name
        for name, value in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(value)
    ]


def _endpoint_page(namespace: str, e: Endpoint[Any, Any, Any]) -> str:
    params = parameters(e)
    body = {
        "json": "JSON body",
        "query": "query parameters",
        "multipart": "multipart form",
        "none": "no body",
    }[e.body]
    query = f"?{e.query_string}" if e.query_string else ""
    facts = [f"`{e.method} {e.path}{query}`", body]
    if not e.auth:
        facts.append("no access_token")
    if e.source.startswith("https://"):
        facts.append(f"[official document]({e.source})")
    # The page's three headings need no table of contents beside its wide tables.
    lines = ["---", "hide: [toc]", "---", "", f"# {attribute_path(namespace)}.{e.name}", ""]
    lines += [" · ".join(facts), ""]
    lines += [_retry_note(e), ""]
    if e.paging is not None:
        paging = e.paging
        lines += [
            f"Paged by offset: `{paging.offset}` and `{paging.count}` (at most "
            f"{paging.max_count}) in, `{paging.items}` and `{paging.total}` out.",
            "",
        ]
    lines += _call_example(namespace, e, params)
    lines += [f"## Parameters ({e.request.__name__})", ""]
    if params:
        lines += _model_doc(e.request)
        lines += ["| name | type | required | limits | notes |", "|---|---|---|---|---|"]
        for p in params:
            lines.append(
                f"| {_name_cell(p)} | {_code(p.type)} | {'yes' if p.required else ''} "
                f"| {'; '.join(_cell(rule) for rule in p.limits)} | {_cell(p.doc)} |"
            )
    else:
        lines.append("None: the body is `{}`.")
    lines += ["", "## Errors", ""]
    rows = errors(e)
    if rows:
        lines += ["| errcode | raises | meaning |", "|---|---|---|"]
        for code, (cls, meaning) in rows.items():
            lines.append(f"| {code} | `{cls.__name__}` | {_cell(meaning)} |")
        lines.append("")
    else:
        lines += ["No codes of its own beyond those every API shares.", ""]
    if "resultcode" in e.layers:
        lines += [
            "The carrier answers a second layer: `resultcode != 0` (with errcode 0) raises "
            "`CarrierError` (`resultcode`, `resultmsg`).",
            "",
        ]
    lines += [
        "Every endpoint also raises the platform-wide codes in [Errcodes](../errcodes.md).",
        "",
    ]
    lines += [f"## Response ({e.response.__name__})", ""]
    lines += _model_doc(e.response)
    fields = response_fields(e)
    if fields:
        lines += ["| name | type | notes |", "|---|---|---|"]
        for f in fields:
            notes = _cell(f.doc) + (" (required)" if f.required else "")
            lines.append(f"| {_name_cell(f)} | {_code(f.type)} | {notes.strip()} |")
    else:
        lines.append("Nothing beyond success (`errcode` 0).")
    enums = _enums([e])
    if enums:
        links = ", ".join(f"[{tp.__name__}](index.md#{tp.__name__.lower()})" for tp in enums)
        lines += ["", f"Value sets: {links}."]
    return "\n".join(lines) + "\n"


def _name_cell(f: FieldDoc) -> str:
    return f"`{f.path}`" + (f" (JSON `{f.wire}`)" if f.wire else "")


def _model_doc(cls: type) -> list[str]:
    # Its own docstring only: an undocumented model would otherwise show its base's.
    doc = cls.__dict__.get("__doc__")
    if not doc:
        return []
    return [inspect.cleandoc(doc), ""]


def _call_example(namespace: str, e: Endpoint[Any, Any, Any], params: list[FieldDoc]) -> list[str]:
    required = [p.path for p in params if p.required and "." not in p.path]
    optional = sum(1 for p in params if not p.required and "." not in p.path)
    call = f"await {attribute_path(namespace)}.{e.name}("
    if required:
        call += "\n" + "".join(f"    {name}=...,\n" for name in required)
    if optional:
        call += f"    # {optional} optional\n" if required else f"  # {optional} optional\n"
    call += f")  # -> {e.response.__name__}"
    return ["```python", call, "```", ""]


def _enums(endpoints: list[Endpoint[Any, Any, Any]]) -> list[type[enum.Enum]]:
    found: dict[str, type[enum.Enum]] = {}
    for e in endpoints:
        for cls in (e.request, e.response):
            for tp in _field_types(cls, ()):
                if isinstance(tp, type) and issubclass(tp, enum.Enum):
                    found.setdefault(tp.__name__, tp)
    return [found[k] for k in sorted(found)]


def _field_types(cls: type, seen: tuple[type, ...]) -> Iterator[Any]:
    for a in _resolved_fields(cls):
        stack = [a.type]
        while stack:
            tp = stack.pop()
            yield tp
            if isinstance(tp, type) and attrs.has(tp) and tp not in (cls, *seen):
                yield from _field_types(tp, (*seen, cls))
            stack.extend(typing.get_args(tp))


def _enum_section(tp: type[enum.Enum]) -> list[str]:
    lines = [f"### {tp.__name__}", ""]
    doc = tp.__dict__.get("__doc__")
    if doc:
        lines += [inspect.cleandoc(doc).split("\n\n")[0], ""]
    lines += ["| value | name |", "|---|---|"]
    lines += [f"| {_code(repr(m.value))} | `{m.name}` |" for m in tp]
    return [*lines, ""]


def _errcodes_page() -> str:
    lines = [
        "# Errcodes",
        "",
        "Every errcode the SDK knows, with the exception it raises (each a subclass of "
        "`APIError`, itself a `WeChatError`) and its documented meaning. A code not listed "
        "raises `APIError` itself, with `errcode` and `errmsg` as WeChat sent them.",
        "",
        "The meaning of a code is looked up in this order: the endpoint's own rows, its "
        "namespace's rows, then the table below.",
        "",
        "| errcode | raises | meaning |",
        "|---|---|---|",
    ]
    for code, (cls, meaning) in sorted(ERRCODES.items()):
        lines.append(f"| {code} | `{cls.__name__}` | {_cell(meaning)} |")
    tokens = ", ".join(
        str(code)
        for code, failure in sorted(ERRCODE_FAILURES[""].items())
        if failure is Failure.TOKEN
    )
    lines += [
        "",
        f"On {tokens} (the access token was rejected) the client drops the token, fetches a "
        "new one and replays the call, once per rejected token and at most 3 times, before "
        "raising.",
    ]
    for domain, rows in DOMAIN_ERRCODES.items():
        lines += ["", f"## {attribute_path(domain)}", ""]
        lines += ["| errcode | raises | meaning |", "|---|---|---|"]
        for code, (cls, meaning) in sorted(rows.items()):
            lines.append(f"| {code} | `{cls.__name__}` | {_cell(meaning)} |")
    return "\n".join(lines) + "\n"

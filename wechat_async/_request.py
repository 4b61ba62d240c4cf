"""The one place that turns a call into an HTTP request (the answer is ``_reply``'s)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import attrs
import cattrs
import httpx

from ._convert import converter, field_errors, request_converter
from ._endpoint import Endpoint, Namespace
from ._errors import (
    FieldError,
    RequestValidationError,
)
from ._json import dumps
from ._validation import check_request, check_unstructured

__all__ = [
    "EncodedRequest",
    "build_payload",
    "build_url",
    "encode",
]

_PLAIN = frozenset({str, int, float, bool})
_JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}


@attrs.frozen
class EncodedRequest:
    """Everything but the URL's access_token, which changes between attempts."""

    #: the URL-encoded query string, without access_token ("" when none)
    query: str
    content: bytes | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)


def build_payload(
    endpoint: Endpoint[Any, Any, Any],
    namespace: Namespace,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """Validate the call's input and return the wire dict. Raises RequestValidationError
    naming every bad field; nothing has been sent yet."""
    request_cls = endpoint.request
    if args:
        if len(args) == 1 and not kwargs and isinstance(args[0], request_cls):
            # Read as keywords: attrs does not check a model's field types, and unstructuring
            # by the declared types would hand a value of another type to the wrong hook.
            kwargs = {a.name: getattr(args[0], a.name) for a in attrs.fields(request_cls)}
        else:
            raise RequestValidationError(
                endpoint.path,
                [FieldError("<args>", f"pass fields as keywords or one {request_cls.__name__}")],
            )
    payload = {
        k: v if type(v) in _PLAIN else converter.unstructure(v)
        for k, v in kwargs.items()
        if v is not None
    }
    payload = _to_wire_names(request_cls, payload)
    namespace._prepare(endpoint, payload)
    try:
        model = request_converter.structure(payload, request_cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        # One pass names every bad field: the type errors, and the value checks of the
        # fields whose types were right.
        errors = field_errors(exc)
        named = frozenset(e.path for e in errors)
        errors.extend(check_unstructured(request_cls, payload, named))
        raise RequestValidationError(endpoint.path, errors) from None
    errors = check_request(model)
    if errors:
        raise RequestValidationError(endpoint.path, errors)
    # Re-unstructure: hooks may normalise values (e.g. Decimal text) and the model is the truth.
    wire: dict[str, Any] = converter.unstructure(model)
    return wire


_WIRE_NAMES: dict[type, dict[str, str]] = {}


def _to_wire_names(cls: type, payload: dict[str, Any]) -> dict[str, Any]:
    names = _WIRE_NAMES.get(cls)
    if names is None:
        from ._models import WIRE

        names = {a.name: a.metadata[WIRE] for a in attrs.fields(cls) if WIRE in a.metadata}
        _WIRE_NAMES[cls] = names
    if not names:
        return payload
    return {names.get(k, k): v for k, v in payload.items()}


def encode(endpoint: Endpoint[Any, Any, Any], payload: dict[str, Any]) -> EncodedRequest:
    """The request's bytes. A value no JSON can carry (NaN, a lone surrogate in a free-form
    field) is a RequestValidationError here: still before anything is sent."""
    try:
        return _encode(endpoint, payload)
    except (ValueError, TypeError) as exc:
        raise RequestValidationError(
            endpoint.path, [FieldError("<body>", f"cannot be encoded: {exc}")]
        ) from None


def _encode(endpoint: Endpoint[Any, Any, Any], payload: dict[str, Any]) -> EncodedRequest:
    query = endpoint.query_string
    if endpoint.body == "json":
        return EncodedRequest(query=query, content=dumps(payload), headers=_JSON_HEADERS)
    if endpoint.body == "query":
        extra = urlencode({k: _query_value(v) for k, v in payload.items()})
        return EncodedRequest(query=f"{query}&{extra}" if query else extra)
    if endpoint.body == "multipart":
        return _multipart(query, payload)
    return EncodedRequest(query=query)


def _multipart(query: str, payload: dict[str, Any]) -> EncodedRequest:
    """Encoded once, with httpx's encoder, so every transport sends the same bytes."""
    files = {k: v for k, v in payload.items() if isinstance(v, (bytes, tuple))}
    data = {k: _query_value(v) for k, v in payload.items() if k not in files}
    request = httpx.Request("POST", "http://multipart.invalid", data=data, files=files)
    content = request.read()
    headers = {"content-type": request.headers["content-type"]}
    return EncodedRequest(query=query, content=content, headers=headers)


def build_url(
    base_url: str, endpoint: Endpoint[Any, Any, Any], query: str, token: str | None
) -> str:
    """The full URL. Built as one string so httpx parses it once (no params merging)."""
    if token is not None:
        auth = f"{endpoint.token_param}={quote(token, safe='')}"
        query = f"{auth}&{query}" if query else auth
    if query:
        return f"{base_url}{endpoint.path}?{query}"
    return base_url + endpoint.path


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

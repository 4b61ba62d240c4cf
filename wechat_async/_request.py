"""The one place that turns a call into an HTTP request and a response into a model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import attrs
import cattrs
import httpx

from ._convert import (
    LoneSurrogateError,
    check_request,
    check_unstructured,
    converter,
    dumps,
    field_errors,
    loads,
    request_converter,
    structure_response,
)
from ._endpoint import Endpoint, Namespace
from ._errcodes import error_for
from ._errors import (
    APIError,
    CarrierError,
    FieldError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseValidationError,
    WeChatError,
)

__all__ = [
    "EncodedRequest",
    "build_payload",
    "build_url",
    "decode_json",
    "encode",
    "parse_response",
    "reply_codes",
    "reply_error",
]

_PLAIN = frozenset({str, int, float, bool})
_JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}
_ENVELOPE = frozenset({"errcode", "errmsg"})
_CARRIER_ENVELOPE = frozenset({"errcode", "errmsg", "resultcode", "resultmsg"})


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


def decode_json(endpoint: Endpoint[Any, Any, Any], status_code: int, content: bytes) -> Any:
    if not content:
        raise ResponseDecodeError(endpoint.path, status_code, "empty body")
    try:
        data = loads(content)
    except RecursionError:
        raise ResponseDecodeError(endpoint.path, status_code, "JSON nested too deeply") from None
    except LoneSurrogateError as exc:
        raise ResponseDecodeError(endpoint.path, status_code, str(exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        if endpoint.secret_reply:
            quoted = f"{len(content)} bytes, not quoted: the reply carries a credential"
        else:
            quoted = repr(content[:80].decode("utf-8", "replace"))
        raise ResponseDecodeError(
            endpoint.path, status_code, f"not JSON ({exc.__class__.__name__}: {quoted})"
        ) from None
    if not isinstance(data, dict):
        raise ResponseDecodeError(endpoint.path, status_code, "JSON is not an object")
    return data


def parse_response(endpoint: Endpoint[Any, Any, Any], data: Mapping[str, Any]) -> Any:
    envelope = _CARRIER_ENVELOPE if "resultcode" in endpoint.layers else _ENVELOPE
    body = {k: v for k, v in data.items() if k not in envelope}
    try:
        return structure_response(body, endpoint.response)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        raise ResponseValidationError(endpoint.path, field_errors(exc)) from None


def reply_codes(endpoint: Endpoint[Any, Any, Any], data: Mapping[str, Any]) -> tuple[int, int]:
    """``(errcode, resultcode)`` of a decoded reply, 0 for a layer that says success (or that
    the endpoint does not have; the carrier's is read only once WeChat's says success). A
    proxy's ``"0"`` or ``0.0`` still means success."""
    errcode = data.get("errcode", 0)
    if errcode.__class__ is not int:
        errcode = _coerce_code("errcode", errcode)
    resultcode = 0
    if not errcode and "resultcode" in endpoint.layers:
        resultcode = data.get("resultcode", 0)
        if resultcode.__class__ is not int:
            resultcode = _coerce_code("resultcode", resultcode)
    return errcode, resultcode


def reply_error(
    endpoint: Endpoint[Any, Any, Any],
    data: Mapping[str, Any],
    *,
    may_have_been_applied: bool = False,
) -> APIError | CarrierError:
    """The exception for a failed reply (``reply_codes`` not both 0). It carries the reply:
    ``body`` as decoded, ``response`` as the endpoint's model when the reply fits it, since
    failed replies still hold what the caller needs (a carrier's rider and order_token)."""
    errcode, resultcode = reply_codes(endpoint, data)
    response = _model_or_none(endpoint, data)
    if errcode:
        return error_for(
            errcode,
            str(data.get("errmsg", "")),
            endpoint=endpoint.path,
            domain=endpoint.domain,
            overrides=endpoint.errors,
            may_have_been_applied=may_have_been_applied,
            body=data,
            response=response,
        )
    return CarrierError(
        resultcode,
        str(data.get("resultmsg", "")),
        endpoint=endpoint.path,
        may_have_been_applied=may_have_been_applied,
        body=data,
        response=response,
    )


def _model_or_none(endpoint: Endpoint[Any, Any, Any], data: Mapping[str, Any]) -> Any:
    try:
        return parse_response(endpoint, data)
    except ResponseValidationError:
        return None


def _coerce_code(name: str, value: Any) -> int:
    if value is None:
        return 0
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WeChatError(f"{name} is not a number: {value!r}") from None
    if not number.is_integer():
        raise WeChatError(f"{name} is not a whole number: {value!r}")
    return int(number)

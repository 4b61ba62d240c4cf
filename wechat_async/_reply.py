"""The one place that reads WeChat's answer: HTTP status, JSON body, the ``errcode`` and
``resultcode`` envelope (with a proxy's ``"0"`` coerced), what the answer says about the
attempt (``Failure``, from the one errcode table), the exception it becomes, and the model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cattrs

from ._convert import field_errors, structure_response, typed_responses
from ._endpoint import Endpoint
from ._errcodes import classify_errcode, error_for
from ._errors import (
    APIError,
    CarrierError,
    ResponseDecodeError,
    ResponseValidationError,
    TransportError,
    WeChatError,
)
from ._json import LoneSurrogateError, loads
from ._typed import TypedBody, TypedModel
from .transports._base import Failure

__all__ = [
    "Body",
    "Reply",
    "as_json",
    "decode_json",
    "parse_response",
    "read_reply",
    "reply_codes",
    "reply_error",
]

#: A successful reply's body: its JSON, or (msgspec installed) its model's mirror.
Body = dict[str, Any] | TypedBody

_ENVELOPE = frozenset({"errcode", "errmsg"})
_CARRIER_ENVELOPE = frozenset({"errcode", "errmsg", "resultcode", "resultmsg"})


class Reply:
    """One answer, read: ``failure`` is None for success, else what the answer says about the
    attempt (``Failure.TOKEN``: the token was rejected; ``AMBIGUOUS``/``SLOW_DOWN``: worth
    retrying where that is safe; ``FATAL``: an error to raise)."""

    __slots__ = ("data", "endpoint", "errcode", "failure", "retry_after", "status")

    def __init__(
        self,
        endpoint: Endpoint[Any, Any, Any],
        status: int,
        data: Body,
        failure: Failure | None,
        *,
        errcode: int = 0,
        retry_after: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.status = status
        #: the decoded body ({} when the HTTP status alone failed the attempt; a failed one is
        #: always JSON)
        self.data = data
        self.failure = failure
        #: the reply's ``errcode`` (0 on success, and when a carrier's ``resultcode`` failed it)
        self.errcode = errcode
        #: the ``Retry-After`` header of a failed HTTP status
        self.retry_after = retry_after

    def error(self, *, maybe_applied: bool) -> WeChatError:
        """The exception a failed answer raises. ``maybe_applied``: an attempt of this call
        failed in a way that may have reached WeChat (only a non-idempotent call says so)."""
        if _failed_status(self.status):
            return TransportError(
                f"HTTP {self.status}", endpoint=self.endpoint.path, may_have_been_applied=True
            )
        data = as_json(self.endpoint, self.data)
        if self.errcode:
            applied = maybe_applied and not self.endpoint.idempotent
            return reply_error(self.endpoint, data, may_have_been_applied=applied)
        return reply_error(self.endpoint, data)


def _failed_status(status: int) -> bool:
    """An HTTP status that fails the attempt before its body is read: it may have been
    applied (a 5xx from a proxy, a 429 from WeChat's gateway)."""
    return status >= 500 or status == 429


def read_reply(
    endpoint: Endpoint[Any, Any, Any], status: int, headers: Mapping[str, str], content: bytes
) -> Reply:
    """Read one HTTP answer. Raises ``ResponseDecodeError`` for a body that is not a JSON
    object, ``WeChatError`` for an errcode that is not a number: neither is retried."""
    if _failed_status(status):
        return Reply(
            endpoint, status, {}, Failure.AMBIGUOUS, retry_after=headers.get("retry-after")
        )
    typed = _typed_model(endpoint)
    if typed is not None:
        # A success its model's mirror reads whole; anything else is read below.
        body = typed.decode(status, content)
        if body is not None:
            return Reply(endpoint, status, body, None)
    data = decode_json(endpoint, status, content)
    errcode, resultcode = reply_codes(endpoint, data)
    if errcode:
        failure = classify_errcode(errcode, endpoint.domain)
        return Reply(endpoint, status, data, failure, errcode=errcode)
    if resultcode:
        # A carrier's refusal is its answer: never retried.
        return Reply(endpoint, status, data, Failure.FATAL)
    return Reply(endpoint, status, data, None)


def _typed_model(endpoint: Endpoint[Any, Any, Any]) -> TypedModel | None:
    """The mirror of the endpoint's model (None without msgspec, or for a carrier's reply,
    whose second envelope the generic path reads)."""
    if endpoint.layers != ("errcode",):
        return None
    return typed_responses.for_class(endpoint.response)


def as_json(endpoint: Endpoint[Any, Any, Any], data: Body) -> dict[str, Any]:
    """A reply's body as JSON (a mirror's bytes are decoded again: ``raw()`` and errors)."""
    if isinstance(data, TypedBody):
        return decode_json(endpoint, data.status, data.content)
    return data


def decode_json(
    endpoint: Endpoint[Any, Any, Any], status_code: int, content: bytes
) -> dict[str, Any]:
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
    body: dict[str, Any] = data
    return body


def parse_response(endpoint: Endpoint[Any, Any, Any], data: Mapping[str, Any] | TypedBody) -> Any:
    """The endpoint's response model, from a decoded body without its envelope."""
    if isinstance(data, TypedBody):
        try:
            return data.build()
        except ValueError:  # a hook refused a value: the converter names it
            data = as_json(endpoint, data)
    envelope = _CARRIER_ENVELOPE if "resultcode" in endpoint.layers else _ENVELOPE
    body = {k: v for k, v in data.items() if k not in envelope}
    try:
        return structure_response(body, endpoint.response)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        raise ResponseValidationError(endpoint.path, field_errors(exc)) from None


def reply_codes(
    endpoint: Endpoint[Any, Any, Any], data: Mapping[str, Any] | TypedBody
) -> tuple[int, int]:
    """``(errcode, resultcode)`` of a decoded reply, 0 for a layer that says success (or that
    the endpoint does not have; the carrier's is read only once WeChat's says success). A
    proxy's ``"0"`` or ``0.0`` still means success."""
    if isinstance(data, TypedBody):  # a mirror reads only a success
        return 0, 0
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

"""The exception tree. Every error the SDK raises is a :class:`WeChatError`."""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from ._redact import redact

__all__ = [
    "APIError",
    "AccessTokenError",
    "CallbackError",
    "CarrierError",
    "ClientClosedError",
    "ConfigurationError",
    "DecryptError",
    "FieldError",
    "InvalidCredentialsError",
    "InvalidParameterError",
    "MalformedMessageError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RequestValidationError",
    "ResponseDecodeError",
    "ResponseValidationError",
    "SignatureError",
    "StoreUnavailableError",
    "SystemBusyError",
    "TransportError",
    "WeChatError",
]

# Newer APIs end errmsg with "rid: 61b7289f-6875924d-25b4d70a"; the card, gift-card and
# delivery APIs still end it with "hint: [StC5vA0024r283]".
_RID = re.compile(r"rid:\s*([0-9A-Za-z_-]+)|hint:\s*\[\s*([0-9A-Za-z_+/=-]+)\s*\]")


def parse_rid(errmsg: str) -> str | None:
    """The request id WeChat puts in errmsg (``rid: ...`` or ``hint: [...]``); support
    tickets ask for it.

    >>> parse_rid("invalid code hint: [kJ4Nya0731ge21]")
    'kJ4Nya0731ge21'
    """
    match = _RID.search(errmsg)
    if match is None:
        return None
    return match.group(1) or match.group(2)


class WeChatError(Exception):
    """Root of every error raised by wechat_async."""


class ConfigurationError(WeChatError):
    """The client is set up wrongly (bad appid/secret, missing carrier account...)."""


class ClientClosedError(ConfigurationError):
    """The client, or its connection pool, was used after ``aclose()``."""


@attrs.frozen
class FieldError:
    """One bad field: a dotted path (``cargo.goods_value``) and what is wrong with it."""

    path: str
    #: masked: a message may quote the value it refuses (a pasted URL, a secret)
    message: str = attrs.field(converter=redact)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RequestValidationError(WeChatError, ValueError):
    """Bad input, found before anything was sent. Names every bad field at once."""

    def __init__(self, endpoint: str, errors: Sequence[FieldError]) -> None:
        self.endpoint = endpoint
        self.errors = tuple(errors)
        detail = "; ".join(str(e) for e in self.errors)
        super().__init__(f"invalid request for {endpoint}: {detail}")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(e.path for e in self.errors)


class TransportError(WeChatError):
    """The HTTP exchange failed. ``may_have_been_applied`` says whether WeChat may have acted."""

    def __init__(self, message: str, *, endpoint: str, may_have_been_applied: bool) -> None:
        self.endpoint = endpoint
        self.may_have_been_applied = may_have_been_applied
        suffix = (
            " (the request may have been applied: check before repeating it)"
            if may_have_been_applied
            else " (the request was not sent)"
        )
        super().__init__(f"{redact(message)} at {endpoint}{suffix}")


class ResponseDecodeError(WeChatError):
    """The response body was not the JSON the endpoint promises (truncated, HTML, empty)."""

    def __init__(self, endpoint: str, status_code: int, reason: str) -> None:
        self.endpoint = endpoint
        self.status_code = status_code
        super().__init__(
            f"undecodable response from {endpoint} (HTTP {status_code}): {redact(reason)}"
        )


class ResponseValidationError(WeChatError):
    """The JSON decoded but does not fit the response model; ``errors`` carry JSON paths."""

    def __init__(self, endpoint: str, errors: Sequence[FieldError]) -> None:
        self.endpoint = endpoint
        self.errors = tuple(errors)
        detail = "; ".join(str(e) for e in self.errors)
        super().__init__(f"unexpected response shape from {endpoint}: {redact(detail)}")


class APIError(WeChatError):
    """WeChat answered with a non-zero ``errcode``."""

    #: The documented meaning of the code, filled in from the errcode table.
    meaning: str = ""

    def __init__(
        self,
        errcode: int,
        errmsg: str,
        *,
        endpoint: str,
        meaning: str | None = None,
        may_have_been_applied: bool = False,
    ) -> None:
        self.errcode = errcode
        self.errmsg = redact(errmsg)
        self.rid = parse_rid(errmsg)
        self.endpoint = endpoint
        if meaning is not None:
            self.meaning = meaning
        self.may_have_been_applied = may_have_been_applied
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"[errcode {self.errcode}]"]
        if self.meaning:
            parts.append(self.meaning)
        parts.append(f"(errmsg: {self.errmsg!r}")
        if self.rid:
            parts[-1] += f", rid: {self.rid}"
        parts[-1] += ")"
        parts.append(f"at {self.endpoint}")
        if self.may_have_been_applied:
            parts.append("- the request may have been applied: check before repeating it")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(errcode={self.errcode}, errmsg={self.errmsg!r}, "
            f"rid={self.rid!r}, endpoint={self.endpoint!r})"
        )


class InvalidCredentialsError(APIError, ConfigurationError):
    """appid / secret rejected (40013, 40125, 40164...): retrying cannot help."""


class AccessTokenError(APIError):
    """The access token was rejected twice in a row (40001, 40014, 42001)."""


class SystemBusyError(APIError):
    """errcode -1: WeChat was busy. Retried for idempotent endpoints only."""


class QuotaExceededError(APIError):
    """A call quota or frequency limit was hit (45009, 45011, 82023...).

    45011 (the per-minute frequency limit) is "slow down": an idempotent call waits for the
    next minute of the wall clock and is retried, within its retry count and deadline (a wait
    that would outrun the deadline raises at once); a non-idempotent call raises. Every other
    quota (45009 daily, 82023...) is exhausted until it resets and is never retried.
    """


class PermissionDeniedError(APIError):
    """The account lacks the permission or authorization for this API."""


class InvalidParameterError(APIError):
    """WeChat rejected a parameter."""


class NotFoundError(APIError):
    """The order, card, code or shelf does not exist."""


class CarrierError(WeChatError):
    """Delivery carrier answered ``resultcode != 0`` (HTTP 200, no errcode)."""

    def __init__(
        self,
        resultcode: int,
        resultmsg: str,
        *,
        endpoint: str,
        may_have_been_applied: bool = False,
    ) -> None:
        self.resultcode = resultcode
        self.resultmsg = redact(resultmsg)
        self.endpoint = endpoint
        self.may_have_been_applied = may_have_been_applied
        super().__init__(
            f"[resultcode {resultcode}] carrier error (resultmsg: {self.resultmsg!r}) at {endpoint}"
        )


class CallbackError(WeChatError):
    """A push could not be trusted or read."""


class SignatureError(CallbackError):
    """The push's signature does not match."""


class DecryptError(CallbackError):
    """The encrypted push could not be decrypted (bad key, padding, appid)."""


class MalformedMessageError(CallbackError):
    """The push body is not well-formed XML/JSON, too large, or unsafe."""


class StoreUnavailableError(WeChatError):
    """A shared store (Redis) could not be reached or did not answer in time."""

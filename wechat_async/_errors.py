"""The exception tree. Every error the SDK raises is a :class:`WeChatError`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from ._redact import redact

if TYPE_CHECKING:
    from .giftcard._sync import UnreadOrder

__all__ = [
    "APIError",
    "AccessTokenError",
    "CarrierError",
    "ClientClosedError",
    "ConfigurationError",
    "FieldError",
    "InvalidCredentialsError",
    "InvalidParameterError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RequestValidationError",
    "ResponseDecodeError",
    "ResponseValidationError",
    "StoreCredentialsError",
    "StoreError",
    "StoreUnavailableError",
    "StoreWritesRefusedError",
    "SyncInUseError",
    "SystemBusyError",
    "TransportError",
    "UnreadOrdersError",
    "WeChatError",
]

# Request ids at the end of errmsg, in the forms seen on the wire: "rid: 6542e4d3-7c3b1b87-
# 302eae3f" (newer APIs, and /cgi-bin/token since 2017), "hint: [StC5vA0024r283]" (cards,
# gift cards, delivery; ids may hold dots: "hint: [l.2tCa08354078]"), both in one errmsg
# ("hint: [dMz2OA07714007][2023-11-02 07:52:51] rid: 6542e4d3-..."), and an empty "rid:".
_HINT = re.compile(r"hint:[ \t]*\[[ \t]*([^\]\s]+)[ \t]*\]")
_RID = re.compile(
    r"(?<![0-9A-Za-z_])rid:[ \t]*([0-9A-Za-z](?:[0-9A-Za-z_.-]*[0-9A-Za-z])?)(?![0-9A-Za-z_:-])"
)


def parse_request_ids(errmsg: str) -> tuple[str | None, str | None]:
    """``(rid, hint)``: the ``rid: ...`` and ``hint: [...]`` ids of an errmsg (the last of
    each, as WeChat appends them), None for a form that is absent or empty.

    >>> parse_request_ids("invalid hint: [dMz2OA07714007][2023-11-02 07:52:51] rid: 6542e4d3-7c")
    ('6542e4d3-7c', 'dMz2OA07714007')
    """
    rids = _RID.findall(errmsg)
    hints = _HINT.findall(errmsg)
    return (rids[-1] if rids else None, hints[-1] if hints else None)


def _without_ids(errmsg: str) -> str:
    """errmsg without its request ids, which a message names once, by their own labels."""
    text = _RID.sub("", _HINT.sub("", errmsg))
    return " ".join(text.split())


def parse_rid(errmsg: str) -> str | None:
    """The request id WeChat puts in errmsg, whichever form it used (``rid:`` first);
    support tickets ask for it.

    >>> parse_rid("invalid code hint: [kJ4Nya0731ge21]")
    'kJ4Nya0731ge21'
    """
    rid, hint = parse_request_ids(errmsg)
    return rid or hint


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


#: ``body`` of an error that was not built from a reply
_NO_BODY: Mapping[str, Any] = MappingProxyType({})


class APIError(WeChatError):
    """WeChat answered with a non-zero ``errcode``.

    ``body`` is the decoded reply as received; ``response`` the endpoint's response model
    structured from it, or None when the reply does not fit the model.
    """

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
        body: Mapping[str, Any] | None = None,
        response: object | None = None,
    ) -> None:
        self.body: Mapping[str, Any] = _NO_BODY if body is None else body
        self.response = response
        self.errcode = errcode
        self.errmsg = redact(errmsg)
        rid, hint = parse_request_ids(errmsg)
        #: the request id support asks for: the ``rid:`` form, else the ``hint: [...]`` one
        self.rid = rid or hint
        #: the ``hint: [...]`` id, when the errmsg has one (beside a ``rid:`` or alone)
        self.hint = hint
        self._shown = redact(_without_ids(errmsg)) if rid or hint else self.errmsg
        self.endpoint = endpoint
        if meaning is not None:
            self.meaning = meaning
        self.may_have_been_applied = may_have_been_applied
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"[errcode {self.errcode}]"]
        if self.meaning:
            parts.append(self.meaning)
        # The ids are named once each, by label, so the errmsg is quoted without them
        # (``errmsg`` keeps the whole text).
        parts.append(f"(errmsg: {self._shown!r}")
        if self.rid:
            parts[-1] += f", rid: {self.rid}"
        if self.hint and self.hint != self.rid:
            parts[-1] += f", hint: {self.hint}"
        parts[-1] += ")"
        parts.append(f"at {self.endpoint}")
        if self.may_have_been_applied:
            parts.append("- the request may have been applied: check before repeating it")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(errcode={self.errcode}, errmsg={self.errmsg!r}, "
            f"rid={self.rid!r}, hint={self.hint!r}, endpoint={self.endpoint!r})"
        )


class InvalidCredentialsError(APIError, ConfigurationError):
    """appid / secret rejected (40013, 40125, 40164...): retrying cannot help."""


class AccessTokenError(APIError):
    """The access token was rejected (40001, 40014, 42001) and no replay helped: a call is
    replayed once per rejected token with a token not rejected before, at most 3 times."""


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
    """Delivery carrier answered ``resultcode != 0`` (HTTP 200, no errcode).

    Such replies still carry what the carrier knows (``order/get``: rider name and phone,
    ``order_token``, ``agent_info``...): ``body`` is the decoded reply as received, ``response``
    the endpoint's response model structured from it (None when it does not fit).

    >>> except CarrierError as exc:  # doctest: +SKIP
    ...     if isinstance(exc.response, GetOrderResponse):
    ...         print(exc.response.rider_phone)
    """

    def __init__(
        self,
        resultcode: int,
        resultmsg: str,
        *,
        endpoint: str,
        may_have_been_applied: bool = False,
        body: Mapping[str, Any] | None = None,
        response: object | None = None,
    ) -> None:
        self.body: Mapping[str, Any] = _NO_BODY if body is None else body
        self.response = response
        self.resultcode = resultcode
        self.resultmsg = redact(resultmsg)
        self.endpoint = endpoint
        self.may_have_been_applied = may_have_been_applied
        super().__init__(
            f"[resultcode {resultcode}] carrier error (resultmsg: {self.resultmsg!r}) at {endpoint}"
        )


class StoreError(WeChatError):
    """A shared store (Redis) failed. Raised as itself for an error reply no subclass names (a
    key of another type under the prefix, scripting disabled): a misconfiguration or a bug."""


class StoreUnavailableError(StoreError):
    """A shared store (Redis) could not be reached or did not answer in time. Every user of a
    store falls back on it (a token refreshed by this process alone, this process's own rate
    limit, a retryable 503 for a push)."""


class StoreWritesRefusedError(StoreUnavailableError):
    """Redis answers but refuses writes: out of memory under ``noeviction`` (OOM), a failed
    background save (MISCONF), a read-only replica (READONLY). Handled as unavailable."""


class StoreCredentialsError(StoreError, ConfigurationError):
    """Redis refused the credentials: wrong password or user (WRONGPASS), none given where one
    is required (NOAUTH), or an ACL user without a command or key it needs (NOPERM)."""


class SyncInUseError(WeChatError, RuntimeError):
    """Another task is already reading this sync: an ``OrderSync`` has one consumer (hand its
    orders to other tasks through a memory object stream)."""


class UnreadOrdersError(WeChatError):
    """The sync is over, every other order yielded once, but WeChat would not serve these
    orders (``unread``; also in ``sync.unread`` and ``sync.checkpoint.unread``)."""

    def __init__(self, unread: tuple[UnreadOrder, ...]) -> None:
        self.unread = unread
        shown = "; ".join(str(u) for u in unread[:3])
        more = f"; and {len(unread) - 3} more" if len(unread) > 3 else ""
        super().__init__(
            f"{len(unread)} order(s) could not be read (every page holding them failed; each "
            f"other order was yielded once): {shown}{more}"
        )

"""``read_reply``: the one reader of an answer's status, envelope and errcode, classified from
the one errcode table (the client's attempt loop only acts on what it says)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wechat_async import (
    CarrierError,
    DeliveryError,
    NotFoundError,
    ResponseDecodeError,
    SystemBusyError,
    TransportError,
    WeChatError,
)
from wechat_async._errcodes import DOMAIN_ERRCODES, ERRCODE_FAILURES, ERRCODES
from wechat_async._reply import read_reply
from wechat_async.delivery import DeliveryNamespace
from wechat_async.giftcard import GiftCardNamespace
from wechat_async.transports._base import Failure

DELIVERY_GET = DeliveryNamespace.get_order  # idempotent, two layers (errcode, resultcode)
DELIVERY_ADD = DeliveryNamespace.add_order  # not idempotent
CARD_GET = GiftCardNamespace.get_order


def _read(endpoint: Any, body: dict[str, Any], status: int = 200, **headers: str) -> Any:
    return read_reply(endpoint, status, headers, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("endpoint", "body", "failure"),
    [
        (CARD_GET, {"errcode": 0, "errmsg": "ok", "order": {}}, None),
        (CARD_GET, {"errcode": "0", "errmsg": "ok"}, None),  # a proxy's string
        (CARD_GET, {"errcode": 0.0}, None),
        (CARD_GET, {"errcode": None}, None),
        (CARD_GET, {}, None),
        (CARD_GET, {"errcode": 40001}, Failure.TOKEN),
        (CARD_GET, {"errcode": "42001"}, Failure.TOKEN),
        (CARD_GET, {"errcode": -1}, Failure.AMBIGUOUS),
        (CARD_GET, {"errcode": 45011}, Failure.SLOW_DOWN),
        (CARD_GET, {"errcode": 45009}, Failure.FATAL),
        (CARD_GET, {"errcode": 930555}, Failure.FATAL),  # delivery's own row
        (DELIVERY_GET, {"errcode": 930555}, Failure.AMBIGUOUS),
        (DELIVERY_GET, {"errcode": 0, "resultcode": 0}, None),
        (DELIVERY_GET, {"errcode": 0, "resultcode": "0"}, None),
        (DELIVERY_GET, {"errcode": 0, "resultcode": 2005}, Failure.FATAL),
        (CARD_GET, {"errcode": 0, "resultcode": 2005}, None),  # no carrier layer here
    ],
)
def test_each_answer_is_classified_from_the_one_table(
    endpoint: Any, body: dict[str, Any], failure: Failure | None
) -> None:
    assert _read(endpoint, body).failure is failure


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_failing_http_status_is_ambiguous_whatever_the_body(status: int) -> None:
    reply = read_reply(CARD_GET, status, {"retry-after": "2"}, b"<html>busy</html>")
    assert (reply.failure, reply.retry_after) == (Failure.AMBIGUOUS, "2")
    error = reply.error(maybe_applied=False)
    assert isinstance(error, TransportError)
    assert error.may_have_been_applied


def test_the_error_says_applied_only_for_a_call_that_may_repeat_an_action() -> None:
    busy = {"errcode": -1, "errmsg": "system busy"}
    unsafe = _read(DELIVERY_ADD, busy).error(maybe_applied=True)
    safe = _read(DELIVERY_GET, busy).error(maybe_applied=True)
    assert isinstance(unsafe, SystemBusyError)
    assert unsafe.may_have_been_applied
    assert isinstance(safe, SystemBusyError)
    assert not safe.may_have_been_applied
    carrier = _read(DELIVERY_ADD, {"errcode": 0, "resultcode": 5}).error(maybe_applied=True)
    assert isinstance(carrier, CarrierError)
    assert not carrier.may_have_been_applied


def test_errors_are_typed_by_the_table_and_carry_the_body() -> None:
    error = _read(DELIVERY_GET, {"errcode": 930563, "errmsg": "no order"}).error(
        maybe_applied=False
    )
    assert isinstance(error, DeliveryError)
    assert isinstance(error, NotFoundError)
    assert error.body == {"errcode": 930563, "errmsg": "no order"}


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", ResponseDecodeError),
        (b"<html>", ResponseDecodeError),
        (b"[1]", ResponseDecodeError),
        (b'{"errcode": "busy"}', WeChatError),
        (b'{"errcode": 1.5}', WeChatError),
    ],
)
def test_an_unreadable_answer_raises_at_once(content: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_reply(CARD_GET, 200, {}, content)


def test_every_retried_errcode_has_an_exception_row() -> None:
    """Both halves of the table agree: a code the loop acts on is a typed error when it
    finally raises."""
    for domain, rows in ERRCODE_FAILURES.items():
        for code in rows:
            assert code in ERRCODES or code in DOMAIN_ERRCODES.get(domain, {}), (domain, code)

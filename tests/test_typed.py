"""The typed reply path (msgspec mirrors of the response models): the model the generic path
(``loads``, then the converter) builds from the same bytes, or a decline that leaves the reply
to it. The property test over every model is in test_compiled_agrees.py."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
import respx

from tests.helpers import NAMESPACES, client_for, iter_fixtures, mock_token
from wechat_async._convert import converter, typed_responses
from wechat_async._errors import ResponseValidationError
from wechat_async._json import dumps, loads
from wechat_async._reply import parse_response, read_reply
from wechat_async._typed import TypedBody
from wechat_async.errors import APIError
from wechat_async.giftcard import BatchGetOrdersResponse, GiftCardNamespace

BATCHGET = GiftCardNamespace.batch_get_orders
CASES = [f for f in iter_fixtures() if not f.is_error and "json" in f.data["response"]]


def _endpoint(domain: str, name: str) -> Any:
    return next(e for e in NAMESPACES[domain].endpoints() if e.name == name)


def _dump(model: Any) -> Any:
    return (converter.unstructure(model), getattr(model, "extra", None))


def _read(endpoint: Any, content: bytes) -> tuple[Any, Any]:
    """(the reply's body as read_reply decoded it, the model parse_response built)."""
    reply = read_reply(endpoint, 200, {}, content)
    assert reply.failure is None
    return reply.data, parse_response(endpoint, reply.data)


def _generic(endpoint: Any, content: bytes) -> Any:
    """The generic path: the JSON, then the converter (its errors name the bad field)."""
    return parse_response(endpoint, loads(content))


@pytest.mark.parametrize("case", CASES, ids=[f.id for f in CASES])
def test_every_documented_example_reads_as_the_generic_path_reads_it(case: Any) -> None:
    endpoint = _endpoint(case.domain, case.endpoint)
    content = dumps(case.data["response"]["json"])
    _, model = _read(endpoint, content)
    assert _dump(model) == _dump(_generic(endpoint, content))


def _order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "order_id": "Z1",
        "create_time": 1,
        "total_price": 100,
        "IsChatRoom": "true",
        "card_list": [{"card_id": "c", "price": 100}],
    }
    order.update(changes)
    return order


def _page(*orders: dict[str, Any], **top: Any) -> bytes:
    return dumps(
        {
            "errcode": 0,
            "errmsg": "ok",
            "total_count": len(orders),
            **top,
            "order_list": list(orders),
        }
    )


@pytest.mark.parametrize(
    "order",
    [
        _order(),
        _order(IsChatRoom=True),
        _order(IsChatRoom=0),
        _order(IsChatRoom=None),
        {**{k: v for k, v in _order().items() if k != "IsChatRoom"}, "is_chatroom": "FALSE"},
        {**_order(), "is_chatroom": "1"},  # both names: the wire name wins, as in the converter
        {"order_id": "Z2"},  # every optional field absent, card_list by its factory
    ],
)
def test_an_order_page_is_read_by_its_mirror(order: dict[str, Any]) -> None:
    content = _page(order)
    data, model = _read(BATCHGET, content)
    assert isinstance(data, TypedBody)  # not declined: the fast path serves real pages
    assert _dump(model) == _dump(_generic(BATCHGET, content))


def test_unknown_keys_at_any_level_are_kept_by_the_generic_path() -> None:
    order = _order(surprise=[1, 2])
    order["card_list"][0]["new_key"] = 1
    data, model = _read(BATCHGET, _page(order, next_cursor="x"))
    assert isinstance(data, dict)
    assert model.extra == {"next_cursor": "x"}
    assert model.order_list[0].extra == {"surprise": [1, 2]}
    assert model.order_list[0].card_list[0].extra == {"new_key": 1}


@pytest.mark.parametrize(
    ("order", "path"),
    [
        (_order(IsChatRoom="maybe"), "order_list[0].is_chat_room"),  # a hook refuses it
        (_order(IsChatRoom=2), "order_list[0].is_chat_room"),
        (_order(create_time=True), "order_list[0].create_time"),  # bool is no int
        (_order(create_time=1.0), "order_list[0].create_time"),
        (_order(order_id=None), "order_list[0].order_id"),
    ],
)
def test_a_bad_value_is_named_as_the_converter_names_it(order: dict[str, Any], path: str) -> None:
    reply = read_reply(BATCHGET, 200, {}, _page(order))
    with pytest.raises(ResponseValidationError) as info:
        parse_response(BATCHGET, reply.data)
    with pytest.raises(ResponseValidationError) as expected:
        _generic(BATCHGET, _page(order))
    assert [e.path for e in info.value.errors] == [e.path for e in expected.value.errors]
    assert [e.path for e in info.value.errors] == [path]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**64, 2**70])
def test_integers_orjson_reads_as_floats_are_left_to_the_generic_path(value: int) -> None:
    content = _page(_order(create_time=value))
    reply = read_reply(BATCHGET, 200, {}, content)
    assert isinstance(reply.data, dict)
    try:
        expected = _generic(BATCHGET, content)
    except Exception:
        with pytest.raises(ResponseValidationError):
            parse_response(BATCHGET, reply.data)
    else:
        assert _dump(parse_response(BATCHGET, reply.data)) == _dump(expected)


@pytest.mark.parametrize(
    "content",
    [
        b'{"errcode": 45009, "errmsg": "quota", "total_count": 0}',
        b'{"errcode": "0", "errmsg": "ok", "total_count": 0}',  # a proxy's string: still 0
        b'{"total_count": 0, "order_list": [{"order_id": "\\ud800"}]}',  # lone surrogate
        b'{"total_count": 0, "order_list": []} ',
    ],
)
def test_envelopes_and_odd_bytes_take_the_generic_path(content: bytes) -> None:
    try:
        expected = read_reply(BATCHGET, 200, {}, content)
    except Exception as exc:
        expected_error: Exception | None = exc
    else:
        expected_error = None
    if expected_error is not None:
        with pytest.raises(type(expected_error)):
            read_reply(BATCHGET, 200, {}, content)
        return
    assert expected.errcode == (45009 if b"45009" in content else 0)
    if not expected.errcode and isinstance(expected.data, TypedBody):
        assert _dump(parse_response(BATCHGET, expected.data)) == _dump(_generic(BATCHGET, content))


def test_the_mirror_is_never_tracked_by_the_garbage_collector() -> None:
    typed = typed_responses.for_class(BatchGetOrdersResponse)
    assert typed is not None
    body = typed.decode(200, _page(_order(), _order(order_id="Z2")))
    assert body is not None
    assert not gc.is_tracked(body.value)
    assert not any(gc.is_tracked(order) for order in body.value.f2_0)  # order_list


async def test_raw_returns_the_json_beside_the_typed_model() -> None:
    router = respx.Router()
    mock_token(router)
    content = _page(_order())
    router.post(url__regex=r".*/order/batchget.*").respond(
        content=content, headers={"content-type": "application/json"}
    )
    async with client_for(router) as client:
        raw = await client.giftcard.batch_get_orders.raw(begin_time=0, end_time=10)
    assert raw.json == json.loads(content)
    assert _dump(raw.parsed) == _dump(_generic(BATCHGET, content))


async def test_a_failed_reply_on_a_mirrored_endpoint_raises_the_wechat_error() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(url__regex=r".*/order/batchget.*").respond(
        json={"errcode": 40097, "errmsg": "invalid args", "total_count": 0}
    )
    async with client_for(router) as client:
        with pytest.raises(APIError) as info:
            await client.giftcard.batch_get_orders(begin_time=0, end_time=10)
    assert info.value.errcode == 40097
    assert info.value.body == {"errcode": 40097, "errmsg": "invalid args", "total_count": 0}

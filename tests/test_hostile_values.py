"""Hostile values are refused before anything is sent, as a RequestValidationError naming the
field; hostile replies are a ResponseDecodeError, never a raw Python error."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any, cast

import attrs
import pytest
import respx

from tests.delivery.test_delivery import CALLS, ORDER, SHOP
from tests.helpers import BASE, NAMESPACES, SECRET, client_for, mock_token
from wechat_async import (
    Namespace,
    RequestValidationError,
    ResponseDecodeError,
    Upload,
    _json,
    _validation,
)
from wechat_async._checks import between, one_of
from wechat_async._models import meta, wire_name
from wechat_async._reply import decode_json
from wechat_async._request import build_payload, encode
from wechat_async._validation import check_request, check_unstructured
from wechat_async.delivery import DeliveryNamespace
from wechat_async.giftcard import GiftCardNamespace
from wechat_async.giftcard.models import DateInfo

PREFIX = f"{BASE}/cgi-bin/express/local/business/"


def _with(changes: dict[str, Any]) -> dict[str, Any]:
    call = copy.deepcopy({**ORDER, "delivery_token": "t"})
    for path, value in changes.items():
        target = call
        *parents, leaf = path.split(".")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return call


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"receiver.lng": float("nan")}, ["receiver.lng"]),
        ({"receiver.lat": float("-inf")}, ["receiver.lat"]),
        ({"cargo.goods_weight": float("inf")}, ["cargo.goods_weight"]),
        ({"cargo.goods_value": Decimal("1E+40")}, ["cargo.goods_value"]),
        ({"cargo.goods_value": Decimal("NaN")}, ["cargo.goods_value"]),
        ({"receiver.name": "\ud800"}, ["receiver.name"]),
        ({"shop.goods_name": "ok\udfffok"}, ["shop.goods_name"]),
        ({"shop.goods_count": 10**30}, ["shop.goods_count"]),
        # WeChat reads a 32-bit integer: one past its top is refused, not truncated.
        ({"shop.goods_count": 2**31}, ["shop.goods_count"]),
        ({"order_info.order_time": 2**32}, ["order_info.order_time"]),
        ({"order_info.order_time": -5}, ["order_info.order_time"]),
        (
            {"order_info.order_type": 1, "order_info.expected_delivery_time": -1},
            ["order_info.expected_delivery_time"],
        ),
        # One pass: a type error does not hide the range errors of other fields.
        (
            {"cargo.goods_value": 1.5, "receiver.lng": 500.0, "cargo.goods_weight": -9.0},
            ["cargo.goods_value", "receiver.lng", "cargo.goods_weight"],
        ),
        (
            {"cargo.goods_value": 1.5, "shop.goods_count": 2**31, "order_info.order_time": -1},
            ["cargo.goods_value", "shop.goods_count", "order_info.order_time"],
        ),
        # Money given as int or str is checked as the Decimal it converts to, beside another
        # field's type error: valid money is not named, invalid money is.
        (
            {"cargo.goods_value": 1.5, "order_info.tips": 2, "receiver.lng": 500.0},
            ["cargo.goods_value", "receiver.lng"],
        ),
        (
            {"cargo.goods_value": 12.3, "order_info.tips": "2.50"},
            ["cargo.goods_value"],
        ),
        (
            {"cargo.goods_value": "6000", "receiver.lat": "north"},
            ["cargo.goods_value", "receiver.lat"],
        ),
        (
            {"cargo.goods_value": 0, "shop.goods_count": 1.5},
            ["cargo.goods_value", "shop.goods_count"],
        ),
        (
            {"order_info.tips": "2.505", "cargo.goods_weight": "heavy"},
            ["order_info.tips", "cargo.goods_weight"],
        ),
        (
            {"order_info.tips": -1, "cargo.goods_value": 1.5},
            ["order_info.tips", "cargo.goods_value"],
        ),
        # A part that converts in full is checked in full, its cross-field rules too.
        (
            {"order_info.order_type": 1, "cargo.goods_value": 1.5},
            ["order_info.order_type", "cargo.goods_value"],
        ),
    ],
    ids=lambda v: str(v)[:40],
)
async def test_hostile_values_never_reach_the_wire(
    changes: dict[str, Any], fields: list[str]
) -> None:
    router = respx.Router(assert_all_called=False)
    mock_token(router)
    route = router.post(url__startswith=PREFIX).respond(json={"errcode": 0, "resultcode": 0})
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        with pytest.raises(RequestValidationError) as info:
            await client.delivery.add_order(**_with(changes))  # not idempotent
    assert sorted(info.value.fields) == sorted(fields)
    assert route.call_count == 0
    for error in info.value.errors:
        assert "invalid value for type" not in error.message  # says what is wrong
        assert "could not be checked" not in error.message  # no check failed on its value


@pytest.mark.parametrize("name", ["mock_update_order", "real_mock_update_order"])
async def test_a_negative_action_time_is_refused(name: str) -> None:
    router = respx.Router(assert_all_called=False)
    mock_token(router)
    route = router.post(url__startswith=PREFIX).respond(json={"errcode": 0, "resultcode": 0})
    async with client_for(router) as client:
        client.delivery.add_account(shopid=SHOP, app_secret=SECRET)
        with pytest.raises(RequestValidationError) as info:
            await getattr(client.delivery, name)(**{**CALLS[name], "action_time": -1})
    assert info.value.fields == ("action_time",)
    assert "Unix seconds" in str(info.value)
    assert route.call_count == 0


@attrs.define(kw_only=True)
class _Ints:
    plain: int | None = None
    required: int = 0
    wide: int | None = attrs.field(default=None, metadata=meta(check=between(0, 2**40)))
    floor_only: int | None = attrs.field(default=None, metadata=meta(check=between(0)))
    flag: int | None = attrs.field(default=None, metadata=meta(check=one_of({0, 1})))
    times: list[int] | None = None


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"plain": 2**31 - 1, "required": -(2**31)}, []),
        ({"plain": 2**31}, ["plain"]),
        ({"required": -(2**31) - 1}, ["required"]),
        ({"wide": 2**35}, []),  # the model says otherwise: its own bound wins
        ({"wide": 2**41}, ["wide"]),
        ({"floor_only": 2**31}, ["floor_only"]),  # a floor alone leaves the top at 32 bits
        ({"flag": 2**31}, ["flag"]),
    ],
)
def test_int_fields_are_held_to_32_bits_unless_the_model_bounds_them(
    changes: dict[str, Any], fields: list[str]
) -> None:
    errors = check_request(_Ints(**changes))
    assert [e.path for e in errors] == fields
    # The same rule when another field's type error means no model can be built.
    data = {**changes, "times": "not a list"}
    assert [e.path for e in check_unstructured(_Ints, data, frozenset({"times"}))] == fields


def _faulty(value: Any) -> str | None:
    return str(value.no_such_attribute)


@attrs.define(kw_only=True)
class _Faulty:
    faulty: int = attrs.field(metadata=meta(check=_faulty))
    other: int = 0


def test_a_check_that_raises_is_reported_against_its_field_not_raised() -> None:
    expected = [("faulty", "could not be checked (AttributeError)")]
    errors = check_request(_Faulty(faulty=1))
    assert [(e.path, e.message) for e in errors] == expected
    data = {"faulty": 1, "other": "not an int"}
    errors = check_unstructured(_Faulty, data, frozenset({"other"}))
    assert [(e.path, e.message) for e in errors] == expected


class _Hostile:
    """Compares, hashes and sizes by raising."""

    def _refuse(self, *_: Any) -> Any:
        raise RuntimeError("hostile")

    __eq__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = __len__ = _refuse


_HOSTILE_VALUES: list[Any] = [
    *(0, -1, 2**70, 2**32, 1.5, float("nan"), float("inf"), True),
    *("", "x" * 5000, "6000", "-1", "0.001", "abc", "1e400", "NaN", "\ud800"),
    *(Decimal("NaN"), Decimal("sNaN"), Decimal("1E+40"), Decimal("0.001"), Decimal("1E-40")),
    *([], {}, [None], {"a": None}, (1, 2), {1, 2}, b"x", object(), _Hostile()),
    ("a.png", None, None),
    ("a.png", b"x", 5),
    (None, b"x", None),
]


@pytest.mark.parametrize(
    "fields",
    [
        {"content": None},
        {"content": "text"},
        {"content": b"x", "filename": None},
        {"content": b"x", "filename": b"a.png"},
        {"content": b"x", "content_type": 5},
    ],
)
def test_an_upload_of_the_wrong_types_is_refused_when_made(fields: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        Upload(**fields)


def _filled(cls: type, value: Any, depth: int = 0) -> dict[str, Any]:
    """Every field of ``cls``, nested models' fields too, set to ``value``."""
    data: dict[str, Any] = {}
    for a in attrs.fields(cls):
        model, many = _validation._nested_model(a.type)
        wire = wire_name(a)
        if model is None or model is Upload or depth > 3:
            data[wire] = value
        elif not many:
            data[wire] = _filled(model, value, depth + 1)
        else:
            inner = _filled(model, value, depth + 1)
            data[wire] = {"k": inner} if "dict" in str(a.type) else [inner]
    return data


@pytest.mark.slow
@pytest.mark.parametrize("value", _HOSTILE_VALUES, ids=lambda v: type(v).__name__)
def test_no_value_in_any_field_escapes_validation_as_a_raw_error(value: Any) -> None:
    for namespace in NAMESPACES.values():
        for endpoint in namespace.endpoints():
            if not attrs.has(endpoint.request):
                continue
            _validation._plan(endpoint.request)  # resolves the annotations
            # attrs checks no types: a model instance may hold anything a keyword may.
            instance = object.__new__(endpoint.request)
            for a in attrs.fields(endpoint.request):
                object.__setattr__(instance, a.name, value)
            calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
                ((), _filled(endpoint.request, value)),
                ((), {"extra_key": 1, **_filled(endpoint.request, value)}),
                ((instance,), {}),
            ]
            for args, kwargs in calls:
                try:
                    build_payload(endpoint, Namespace(cast("Any", None)), args, kwargs)
                except RequestValidationError as exc:
                    for error in exc.errors:
                        assert "could not be checked" not in error.message, (endpoint, error)


def test_a_value_json_cannot_carry_is_refused_at_encoding() -> None:
    endpoint = GiftCardNamespace.get_order
    for payload in ({"order_id": float("nan")}, {"order_id": "\ud800"}):
        with pytest.raises(RequestValidationError, match="cannot be encoded"):
            encode(endpoint, payload)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b'{"a":' * 200_000 + b"1" + b"}" * 200_000,
    ],
    ids=["deep-array", "deep-object"],
)
def test_a_deeply_nested_reply_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(ResponseDecodeError, match=r"nested too deeply|not JSON"):
        decode_json(DeliveryNamespace.get_order, 200, body)


def test_a_card_validity_window_before_1970_is_refused() -> None:
    window = DateInfo(type="DATE_TYPE_FIX_TIME_RANGE", begin_timestamp=-1, end_timestamp=5)
    assert [e.path for e in check_request(window)] == ["begin_timestamp"]


@pytest.fixture(params=["orjson", "json"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both parsers refuse and accept the same bodies: with orjson installed, and without."""
    if request.param == "json":
        monkeypatch.setattr(_json, "_orjson_loads", None)
    elif _json._orjson_loads is None:
        pytest.skip("orjson is not installed")
    return str(request.param)


@pytest.mark.parametrize(
    "text",
    ['{"name":"\\ud800"}', '{"name":"x\\udc00y"}', '{"order_list":[{"name":"\\udbff!"}]}'],
)
def test_a_reply_with_a_lone_surrogate_is_a_decode_error(parser: str, text: str) -> None:
    with pytest.raises(ResponseDecodeError, match="lone surrogate"):
        decode_json(DeliveryNamespace.get_order, 200, text.encode())


@pytest.mark.parametrize(
    ("text", "value"),
    [('{"name":"\\ud83d\\ude00"}', "\U0001f600"), ('{"name":"\\\\ud800"}', "\\ud800")],
    ids=["escaped-pair", "escaped-backslash"],
)
def test_a_reply_with_a_surrogate_pair_is_read(parser: str, text: str, value: str) -> None:
    assert decode_json(DeliveryNamespace.get_order, 200, text.encode()) == {"name": value}


async def test_an_upload_filename_with_a_lone_surrogate_names_the_part() -> None:
    router = respx.Router(assert_all_called=False)
    mock_token(router)
    route = router.post(url__startswith=BASE).respond(json={"errcode": 0, "url": "u"})
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.giftcard.upload_image(buffer=Upload(content=b"x", filename="a\ud800.jpg"))
    assert info.value.fields == ("buffer",)
    assert "filename" in str(info.value)
    assert route.call_count == 0

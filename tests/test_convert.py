"""The one converter: wire names, aliases, extras, omitted unset fields, strict types, money."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import attrs
import cattrs
import pytest

from wechat_async._convert import LooseBool, converter, dumps, field_errors, make_converter
from wechat_async._models import Response, datetime_to_unix, meta, unix_to_datetime


@attrs.define(kw_only=True)
class Item:
    name: str
    price: Decimal | None = None


@attrs.define(kw_only=True)
class Reply(Response):
    is_chat_room: LooseBool = attrs.field(metadata=meta(wire="IsChatRoom"))
    fee: Decimal = attrs.field(metadata=meta(aliases=("fee_typo",)))
    items: list[Item] = attrs.field(factory=list)
    note: str | None = None


def test_wire_names_aliases_and_extras() -> None:
    reply = converter.structure(
        {"IsChatRoom": "1", "fee_typo": 12.3, "items": [{"name": "a"}], "later": {"x": 1}}, Reply
    )
    assert reply.is_chat_room is True
    assert reply.fee == Decimal("12.3")
    assert reply.items == [Item(name="a")]
    assert reply.extra == {"later": {"x": 1}}
    # Unstructured back to the wire: canonical name, extras kept, unset fields omitted.
    assert json.loads(dumps(converter.unstructure(reply))) == {
        "IsChatRoom": True,
        "fee": 12.3,
        "items": [{"name": "a"}],
        "later": {"x": 1},
    }


def test_strict_twin_rejects_unknown_keys() -> None:
    strict = make_converter(strict=True)
    with pytest.raises(cattrs.ClassValidationError) as info:
        strict.structure({"IsChatRoom": True, "fee": 1, "typo_field": 1}, Reply)
    assert [(e.path, e.message) for e in field_errors(info.value)] == [
        ("typo_field", "unknown field")
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        (" TRUE ", True),
        ("0", False),
        ("false", False),
    ],
)
def test_loose_bool(value: object, expected: bool) -> None:
    assert converter.structure({"IsChatRoom": value, "fee": 0}, Reply).is_chat_room is expected


@pytest.mark.parametrize("value", ["maybe", 2, None, 1.5])
def test_loose_bool_rejects_garbage(value: object) -> None:
    with pytest.raises(cattrs.ClassValidationError):
        converter.structure({"IsChatRoom": value, "fee": 0}, Reply)


@pytest.mark.parametrize(
    ("value", "typ"),
    [("1", int), (True, int), (1.5, int), (1, str), (b"x", str), (1, bool), ("1", float)],
)
def test_primitives_are_strict(value: object, typ: type) -> None:
    with pytest.raises((TypeError, ValueError)):
        converter.structure(value, typ)


@pytest.mark.parametrize("value", ["abc", b"ab", {"a": "b"}])
@pytest.mark.parametrize("outgoing", [False, True], ids=["reply", "request"])
def test_a_list_is_never_read_from_a_string_or_an_object(value: object, outgoing: bool) -> None:
    conv = make_converter(outgoing=outgoing)
    with pytest.raises((TypeError, ValueError)):
        conv.structure(value, list[str])
    assert conv.structure(("a", "b"), list[str]) == ["a", "b"]


def test_a_reply_with_a_string_for_a_list_is_refused() -> None:
    from wechat_async._convert import structure_response
    from wechat_async.giftcard.models import ListPagesResponse

    with pytest.raises(cattrs.ClassValidationError):
        structure_response({"page_id_list": "abc"}, ListPagesResponse)


@pytest.mark.parametrize("text", ["0.01", "12.30", "4999.99", "5000", "0.1", "123456789.12"])
def test_decimal_money_round_trips_through_json_text(text: str) -> None:
    value = Decimal(text)
    wire = dumps({"fee": converter.unstructure(value)})
    back = converter.structure(json.loads(wire)["fee"], Decimal)
    assert back == value
    assert Decimal(json.loads(wire, parse_float=Decimal)["fee"]) == value


def test_decimal_rejects_non_numbers_and_overlong_precision() -> None:
    for bad in ("abc", "NaN", "Infinity", True, [1]):
        with pytest.raises((TypeError, ValueError)):
            converter.structure(bad, Decimal)
    with pytest.raises(ValueError, match="significant"):
        dumps({"fee": converter.unstructure(Decimal("1.0000000000000001"))})


def test_dumps_sends_raw_utf8_compact() -> None:
    assert dumps({"class": "美食夜宵"}) == '{"class":"美食夜宵"}'.encode()


def test_unix_time_helpers() -> None:
    moment = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.timezone.utc)
    assert unix_to_datetime(datetime_to_unix(moment)) == moment
    with pytest.raises(ValueError, match="aware"):
        datetime_to_unix(dt.datetime(2026, 1, 1))

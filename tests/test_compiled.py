"""The compiled response path: the same result as the converter, or a refusal that lets the
detailed converter decide (and name the bad path)."""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

import attrs
import pytest

from tests.helpers import NAMESPACES, iter_fixtures
from wechat_async._compiled import _COMPILED, compiled_structure
from wechat_async._convert import (
    _RESPONSE_HOOKS,
    _fast_converter,
    converter,
    dumps,
    field_errors,
    loads,
    structure_response,
)
from wechat_async._models import Response
from wechat_async.giftcard import BatchGetOrdersResponse

ENVELOPE = {"errcode", "errmsg", "resultcode", "resultmsg"}
CASES = [f for f in iter_fixtures() if not f.is_error and "json" in f.data["response"]]


def _endpoint(domain: str, name: str) -> Any:
    return next(e for e in NAMESPACES[domain].endpoints() if e.name == name)


def _compiled(cls: type) -> Any:
    return compiled_structure(cls, _RESPONSE_HOOKS, _fast_converter.structure)


def _same(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    assert converter.unstructure(a) == converter.unstructure(b)
    assert getattr(a, "extra", None) == getattr(b, "extra", None)


@pytest.mark.parametrize("case", CASES, ids=[f.id for f in CASES])
def test_compiled_agrees_with_the_converter_on_every_fixture(case: Any) -> None:
    cls = _endpoint(case.domain, case.endpoint).response
    wire = json.loads(dumps(case.data["response"]["json"]))
    body = {k: v for k, v in wire.items() if k not in ENVELOPE}
    _same(_compiled(cls)(body), converter.structure(body, cls))


def _page() -> dict[str, Any]:
    order = {
        "order_id": "Z1",
        "create_time": 1,
        "total_price": 100,
        "IsChatRoom": "true",
        "card_list": [{"card_id": "c", "price": 100, "new_key": 1}],
        "surprise": [1, 2],
    }
    return {"total_count": 1, "order_list": [order]}


def test_unknown_keys_are_kept_in_extra_at_every_level() -> None:
    result = _compiled(BatchGetOrdersResponse)(_page())
    order = result.order_list[0]
    assert order.extra == {"surprise": [1, 2]}
    assert order.card_list[0].extra == {"new_key": 1}
    assert order.is_chat_room is True
    _same(result, converter.structure(_page(), BatchGetOrdersResponse))


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("total_count",), "1", "total_count"),
        (("total_count",), True, "total_count"),
        (("order_list",), {"not": "a list"}, "order_list"),
        (("order_list", 0, "order_id"), 5, "order_list[0].order_id"),
        (("order_list", 0, "card_list", 0, "price"), 1.5, "order_list[0].card_list[0].price"),
        (("order_list", 0, "IsChatRoom"), "maybe", "order_list[0].is_chat_room"),
    ],
)
def test_a_wrong_value_is_refused_and_the_detailed_error_names_it(
    path: tuple[Any, ...], value: Any, expected: str
) -> None:
    page = _page()
    target: Any = page
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(Exception):  # noqa: B017,PT011 - any refusal sends it to the converter
        _compiled(BatchGetOrdersResponse)(copy.deepcopy(page))
    with pytest.raises(Exception) as info:  # noqa: PT011
        structure_response(page, BatchGetOrdersResponse)
    assert [e.path for e in field_errors(info.value)] == [expected]


def test_a_missing_required_key_is_refused() -> None:
    page = _page()
    del page["order_list"][0]["order_id"]
    with pytest.raises(Exception):  # noqa: B017,PT011
        _compiled(BatchGetOrdersResponse)(page)


def test_every_response_model_compiles() -> None:
    """Every endpoint's response compiles (none silently left on the slow path)."""
    for ns in NAMESPACES.values():
        for endpoint in ns.endpoints():
            _compiled(endpoint.response)
            function = _COMPILED[endpoint.response]
            assert function.__code__.co_filename.startswith("<compiled structure"), endpoint


@pytest.mark.parametrize(
    "body",
    [
        b'{"n": 18446744073709551615, "m": -9223372036854775808}',  # the 64-bit limits
        b'{"x": NaN, "y": Infinity}',  # the standard library's extension
        '{"name": "礼品卡"}'.encode("utf-16"),  # another encoding, detected by json
        b'{"a": [1, 2.5, "\\u4e2d", null, true]}',
    ],
)
def test_loads_reads_what_the_standard_library_reads(body: bytes) -> None:
    expected = json.loads(body)
    got = loads(body)
    assert repr(got) == repr(expected)


@pytest.mark.parametrize("body", [b"{", b"<html>", b"\xff\xfe\x00"])
def test_loads_refuses_what_the_standard_library_refuses(body: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - JSONDecodeError or UnicodeDecodeError
        json.loads(body)
    with pytest.raises(ValueError):  # noqa: PT011
        loads(body)


@attrs.define(kw_only=True)
class _Hooked(Response):
    """A model whose __init__ does more than store: the compiled path must call it."""

    name: str
    size: int = attrs.field(default=0, validator=attrs.validators.ge(0))
    seen: list[str] = attrs.field(factory=list, init=False)

    def __attrs_post_init__(self) -> None:
        self.seen.append(self.name)


@attrs.define(kw_only=True)
class _Plain(Response):
    name: str
    size: int = 0


def test_a_model_whose_init_only_stores_is_built_without_it_and_equals_the_converters() -> None:
    body = {"name": "n", "size": 3, "new_key": 1}
    compiled = _compiled(_Plain)(copy.deepcopy(body))
    _same(compiled, converter.structure(copy.deepcopy(body), _Plain))
    assert compiled.extra == {"new_key": 1}
    bare = _compiled(_Plain)({"name": "n"})
    assert (bare.size, bare.extra) == (0, _Plain(name="n").extra)


def test_a_model_with_hooks_or_validators_is_built_through_its_init() -> None:
    built = _compiled(_Hooked)({"name": "n", "size": 1})
    assert built.seen == ["n"]  # __attrs_post_init__ ran, init=False field made by its factory
    with pytest.raises(ValueError, match="size"):
        _compiled(_Hooked)({"name": "n", "size": -1})  # the validator ran


@attrs.define(kw_only=True)
class _WithLiteral(Response):
    kind: Literal[1, 2]


@pytest.mark.parametrize("value", [1, 2, True, "1", 3])
def test_a_literal_takes_its_values_by_type_as_the_converter_does(value: Any) -> None:
    body = {"kind": value}
    try:
        expected = converter.structure(body, _WithLiteral)
    except Exception:
        expected = None
    if expected is None:
        with pytest.raises(Exception):  # noqa: B017, PT011 - the converter's own error
            structure_response(body, _WithLiteral)
        with pytest.raises(Exception):  # noqa: B017, PT011
            _compiled(_WithLiteral)(body)
    else:
        _same(_compiled(_WithLiteral)(body), expected)
        assert type(expected.kind) is int

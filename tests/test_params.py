"""Nested request structures take plain dicts (``<Model>Param`` TypedDicts) as well as models.

The TypedDicts and the converters are generated from the attrs models (each domain's
``_dicts.py``, by ``python -m wechat_async._paramgen``); these tests keep them in step.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import typing
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import respx

from tests.helpers import BASE, client_for, mock_token
from wechat_async import RequestValidationError, Response, Upload
from wechat_async._models import WIRE
from wechat_async._paramgen import render
from wechat_async._registry import endpoints, namespaces
from wechat_async.cityservice import SendMsgDataRequest, TemplateValue
from wechat_async.delivery import Address, Cargo, Goods, GoodsDetail
from wechat_async.delivery.models import AddOrderRequest
from wechat_async.giftcard import Page, Theme
from wechat_async.giftcard.models import CreateCardRequest, Sku


def _models_in(tp: object) -> Iterator[type]:
    if isinstance(tp, type) and attrs.has(tp) and tp is not Upload:
        yield tp
    for arg in typing.get_args(tp):
        yield from _models_in(arg)


def _nested_request_models() -> list[type]:
    found: dict[type, None] = {}

    def walk(cls: type) -> None:
        for a_type in typing.get_type_hints(cls).values():
            for model in _models_in(a_type):
                if model not in found:
                    found[model] = None
                    walk(model)

    for endpoint in endpoints():
        walk(endpoint.request)
    return list(found)


NESTED = _nested_request_models()


def test_regenerating_the_param_dicts_changes_nothing() -> None:
    files = render()
    assert {p.parent.name for p in files} == set(namespaces())
    for path, text in files.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run python -m wechat_async._paramgen"
        )


def test_the_generator_runs_from_a_fresh_process() -> None:
    # A fresh process imports the models with the generated modules stood in for: a model may
    # name a converter only this run writes.
    proc = subprocess.run(
        [sys.executable, "-m", "wechat_async._paramgen", "--check"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _read_back() -> set[type]:
    """The models some reply carries (nested in a response model)."""
    found: set[type] = set()

    def walk(cls: type) -> None:
        for a_type in typing.get_type_hints(cls).values():
            for model in _models_in(a_type):
                if model not in found:
                    found.add(model)
                    walk(model)

    for endpoint in endpoints():
        walk(endpoint.response)
    return found


READ_BACK = _read_back()


@pytest.mark.parametrize("model", NESTED, ids=lambda m: f"{m.__module__}.{m.__name__}")
def test_a_nested_request_model_keeps_unknown_keys_only_when_a_reply_carries_it(
    model: type,
) -> None:
    # Replies keep what WeChat adds (``Response.extra``); a request sends only declared fields.
    assert issubclass(model, Response) == (model in READ_BACK)


def test_a_request_only_model_takes_no_extra_keys() -> None:
    with pytest.raises(TypeError):
        Sku(quantity=1, extra={"stock": 2})  # type: ignore[call-arg]
    with pytest.raises(RequestValidationError) as info:
        CreateCardRequest(card={"general_card": {"base_info": {"extra": {}}}})  # type: ignore[typeddict-item]
    assert "general_card.base_info.extra" in info.value.fields


def test_the_walk_finds_the_nested_shapes_users_write() -> None:
    names = {m.__name__ for m in NESTED}
    assert {"TemplateValue", "Page", "Theme", "Card", "Address", "Cargo", "Goods"} <= names
    assert {"OrderInfo", "Shop", "AuthField", "PayMchInfo"} <= names


@pytest.mark.parametrize("model", NESTED, ids=lambda m: f"{m.__module__}.{m.__name__}")
def test_each_nested_model_has_a_param_typeddict_with_the_same_keys(model: type) -> None:
    domain = model.__module__.split(".")[1]
    name = f"{model.__name__}Param"
    module = importlib.import_module(f"wechat_async.{domain}.models")
    param = getattr(module, name, None)
    assert param is not None, f"{name} missing beside {model.__name__}"
    assert typing.is_typeddict(param)
    assert name in module.__all__
    assert getattr(importlib.import_module(f"wechat_async.{domain}"), name) is param
    fields = [a for a in attrs.fields(model) if a.name != "extra"]
    wire = {str(a.metadata.get(WIRE, a.name)): a for a in fields}
    # Annotations are strings (postponed evaluation): NotRequired is read from the text.
    annotations = {
        key: getattr(t, "__forward_arg__", t) for key, t in param.__annotations__.items()
    }
    assert set(annotations) == set(wire)
    optional = {key for key, text in annotations.items() if text.startswith("NotRequired[")}
    assert optional == {key for key, a in wire.items() if a.default is not attrs.NOTHING}
    for key, a in wire.items():
        # The value type is the model's, with every nested model also accepted as a dict.
        text = annotations[key].removeprefix("NotRequired[")
        for nested in _models_in(typing.get_type_hints(model)[a.name]):
            assert f"{nested.__name__} | {nested.__name__}Param" in text, (key, text)


@pytest.mark.parametrize("model", NESTED, ids=lambda m: f"{m.__module__}.{m.__name__}")
def test_fields_holding_nested_models_convert_dicts(model: type) -> None:
    hints = typing.get_type_hints(model)
    for a in attrs.fields(model):
        if any(True for _ in _models_in(hints[a.name])):
            assert a.converter is not None, f"{model.__name__}.{a.name} refuses plain dicts"


def test_a_dict_given_to_a_model_becomes_the_nested_model() -> None:
    request = SendMsgDataRequest(
        openid="o", biz_template_id="t", order_no="1", data={"first": {"value": "v"}}
    )
    assert request.data == {"first": TemplateValue(value="v")}
    page = Page(
        page_title="t",
        banner_pic_url="b",
        theme_list=[
            {
                "theme_pic_url": "p",
                "title": "th",
                "title_color": "#FB966E",
                "item_list": [{"card_id": "c"}],
                "pic_item_list": [],
                "category_index": 0,
            }
        ],
    )
    assert page.theme_list is not None
    assert isinstance(page.theme_list[0], Theme)
    cargo = Cargo(
        goods_value=Decimal("1"),
        goods_weight=1,
        cargo_first_class="a",
        cargo_second_class="b",
        goods_detail={"goods": [{"good_count": 1, "good_name": "tea"}]},
    )
    assert cargo.goods_detail is not None
    assert cargo.goods_detail.goods == [Goods(good_count=1, good_name="tea")]


@pytest.mark.parametrize(
    ("build", "fields"),
    [
        (
            lambda: Cargo(**_CARGO, goods_detail={"goods": [{"good_name": 1}]}),
            {"goods[0].good_name", "goods[0].good_count"},
        ),
        (lambda: GoodsDetail(goods="tea"), {"<value>"}),  # type: ignore[arg-type]
        (lambda: _order(receiver=_ADDRESS_BAD), {"lng"}),
        (lambda: GoodsDetail(goods=None), {"<value>"}),  # type: ignore[arg-type]
        (
            lambda: GoodsDetail(goods=[{"good_count": 1, "good_name": "x"}, {"good_name": 2}]),  # type: ignore[list-item]
            {"[1].good_name", "[1].good_count"},
        ),
        (
            lambda: SendMsgDataRequest(
                openid="o",
                biz_template_id="t",
                order_no="1",
                data={"k": 5, "j": {"value": 1}},  # type: ignore[dict-item]
            ),
            {"k", "j.value"},
        ),
        (
            lambda: SendMsgDataRequest(
                openid="o", biz_template_id="t", order_no="1", data=[{"value": "v"}]
            ),
            {"<value>"},
        ),
    ],
)
def test_a_bad_dict_given_to_a_model_is_a_request_validation_error(
    build: typing.Callable[[], object], fields: set[str] | None
) -> None:
    with pytest.raises(RequestValidationError) as info:
        build()
    assert info.value.errors
    if fields is not None:
        assert set(info.value.fields) == fields


_ADDRESS_BAD: dict[str, typing.Any] = {
    "name": "n",
    "city": "c",
    "address": "a",
    "address_detail": "d",
    "phone": "1",
    "lng": "east",
    "lat": 1.0,
}
_CARGO: dict[str, typing.Any] = {
    "goods_value": Decimal("1"),
    "goods_weight": 1,
    "cargo_first_class": "a",
    "cargo_second_class": "b",
}


async def test_nested_dicts_and_models_send_the_same_body() -> None:
    router = respx.Router()
    mock_token(router)
    send = router.post(f"{BASE}/cityservice/sendmsgdata").respond(
        json={"errcode": 0, "errmsg": "ok", "result_page_url": ""}
    )
    common = {"openid": "o", "biz_template_id": "t", "order_no": "1"}
    async with client_for(router) as client:
        await client.cityservice.send_msg_data(
            openid="o", biz_template_id="t", order_no="1", data={"k": {"value": "v"}}
        )
        await client.cityservice.send_msg_data.send(
            SendMsgDataRequest(**common, data={"k": {"value": "v"}})
        )
        await client.cityservice.send_msg_data(
            openid="o", biz_template_id="t", order_no="1", data={"k": TemplateValue(value="v")}
        )
    bodies = {call.request.content for call in send.calls}
    assert bodies == {
        b'{"openid":"o","biz_template_id":"t","order_no":"1","data":{"k":{"value":"v"}}}'
    }


def _order(**changes: typing.Any) -> AddOrderRequest:
    fields: dict[str, typing.Any] = {
        "shopid": "s",
        "shop_order_id": "1",
        "delivery_id": "TEST",
        "openid": "o",
        "sender": {**_ADDRESS_BAD, "lng": 1.0},
        "receiver": {**_ADDRESS_BAD, "lng": 2.0},
        "cargo": {**_CARGO, "goods_detail": {"goods": [{"good_count": 1, "good_name": "t"}]}},
        "order_info": {"order_type": 0},
        "shop": {"wxa_path": "p", "img_url": "u", "goods_name": "g", "goods_count": 1},
    }
    return AddOrderRequest(**{**fields, **changes})


def test_add_order_request_takes_every_nested_structure_as_dicts() -> None:
    request = _order()
    assert isinstance(request.receiver, Address)
    assert request.receiver.lng == 2.0
    assert isinstance(request.cargo, Cargo)

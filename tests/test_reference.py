"""The endpoint reference is generated from the descriptors and models: every endpoint has a
page, and each page shows what the request model checks and what the response model holds."""

from __future__ import annotations

import re

import attrs

from wechat_async import APIError, EmptyResponse, Endpoint, Namespace, Response
from wechat_async._checks import INT32, between, max_bytes, max_len, min_len, one_of, rule_of
from wechat_async._models import meta
from wechat_async._reference import (
    _endpoint_page,
    endpoints_by_namespace,
    errors,
    nav,
    pages,
    parameters,
    response_fields,
    type_name,
)
from wechat_async.cityservice import CityServiceNamespace
from wechat_async.component import ComponentNamespace
from wechat_async.delivery import DeliveryNamespace
from wechat_async.giftcard import GiftCardNamespace
from wechat_async.invoice import InvoiceNamespace


@attrs.define(kw_only=True)
class _Item:
    #: how many, never zero
    count: int = attrs.field(metadata=meta(check=between(0, low_open=True)))


@attrs.define(kw_only=True)
class _Request:
    name: str = attrs.field(metadata=meta(check=(min_len(1), max_len(20))))
    items: list[_Item] = attrs.field(factory=list)
    kind: int | None = attrs.field(default=None, metadata=meta(check=one_of({1, 2})))
    limit: int | None = None


@attrs.define(kw_only=True)
class _Reply(Response):
    #: the new id
    item_id: str | None = attrs.field(default=None, metadata=meta(wire="itemId"))


class _Made(APIError):
    """Made up for this test."""


class _Shop(Namespace):
    domain = "shop"
    add_item = Endpoint(
        "POST", "/shop/item/add", _Request, _Reply, idempotent=False, errors={7: (_Made, "made up")}
    )


def test_parameters_show_types_required_and_every_check_the_request_runs() -> None:
    rows = {p.path: p for p in parameters(_Shop.add_item)}
    assert list(rows) == ["name", "items", "items[].count", "kind", "limit"]
    assert rows["name"].type == "str"
    assert rows["name"].required
    assert rows["name"].limits == ("not empty", "at most 20 characters")
    assert rows["items"].type == "list[_Item]"
    assert not rows["items"].required
    # A lower bound alone still leaves the 32-bit range the request checker adds.
    assert rows["items[].count"].limits == ("> 0", rule_of(INT32))
    assert rows["items[].count"].doc == "how many, never zero"
    assert rows["kind"].type == "int | None"
    assert rows["kind"].limits == ("one of 1, 2",)
    assert rows["limit"].limits == (rule_of(INT32),)


def test_response_fields_name_the_wire_key_and_leave_out_extra() -> None:
    (row,) = response_fields(_Shop.add_item)
    assert (row.path, row.wire, row.type, row.doc) == (
        "item_id",
        "itemId",
        "str | None",
        "the new id",
    )


def test_an_endpoints_own_errcode_rows_come_first() -> None:
    assert errors(_Shop.add_item) == {7: (_Made, "made up")}
    rows = errors(CityServiceNamespace.send_msg_data)
    assert rows[82023][0].__name__ == "CityServiceHourlyLimitError"
    assert rows[40097][1].startswith("invalid parameter, or the openid")


def test_every_check_has_a_rule_in_words() -> None:
    assert rule_of(max_bytes(128)) == "at most 128 bytes of UTF-8"
    assert rule_of(min_len(3)) == "at least 3 long"
    assert rule_of(between(0, 5000, low_open=True)) == "in (0, 5000]"
    assert rule_of(between(-90, 90)) == "in [-90, 90]"
    assert rule_of(between(high=9)) == "<= 9"

    def two_places(value: object) -> str | None:
        return None

    assert rule_of(two_places) == "two_places"  # a check made without a rule keeps its name


def test_every_check_an_endpoint_runs_states_its_rule_in_words() -> None:
    from wechat_async._registry import endpoints
    from wechat_async._validation import _field_checks

    nameless = set()
    for endpoint in endpoints():
        for model in _models_under(endpoint.request):
            for field in attrs.fields(model):
                for check in _field_checks(field):
                    if not isinstance(getattr(check, "rule", None), str):
                        nameless.add(f"{model.__name__}.{field.name}: {rule_of(check)}")
    assert nameless == set()


def _models_under(cls: type) -> set[type]:
    import typing

    found: set[type] = set()
    pending = [cls]
    while pending:
        model = pending.pop()
        if model in found or not attrs.has(model):
            continue
        found.add(model)
        for tp in typing.get_type_hints(model).values():
            pending.extend(_classes_in(tp))
    return found


def _classes_in(tp: object) -> list[type]:
    import typing

    args = typing.get_args(tp)
    if args:
        return [c for arg in args for c in _classes_in(arg)]
    return [tp] if isinstance(tp, type) else []


def test_type_names_read_as_written() -> None:
    import decimal
    from typing import Literal

    assert type_name(decimal.Decimal | None) == "Decimal | None"
    assert type_name(dict[str, _Item]) == "dict[str, _Item]"
    assert type_name(Literal[1, 2]) == "Literal[1, 2]"


def test_every_endpoint_of_every_namespace_has_a_page_and_a_nav_entry() -> None:
    generated = pages()
    namespaces = endpoints_by_namespace()
    classes = (
        CityServiceNamespace,
        GiftCardNamespace,
        InvoiceNamespace,
        DeliveryNamespace,
        ComponentNamespace,
    )
    assert {name: [e.name for e in eps] for name, eps in namespaces.items()} == {
        ns.domain: [e.name for e in ns.endpoints()] for ns in classes
    }
    entries = str(nav())
    for name, endpoints in namespaces.items():
        assert f"{name}/index.md" in generated
        for e in endpoints:
            page = generated[f"{name}/{e.name}.md"]
            assert f"`{e.method} {e.path}" in page
            assert ("**Retry-safe.**" if e.idempotent else "**Not retry-safe.**") in page
            assert f"reference/{name}/{e.name}.md" in entries


def test_delivery_add_order_page() -> None:
    page = pages()["delivery/add_order.md"]
    assert "`POST /cgi-bin/express/local/business/order/add`" in page
    assert "**Not retry-safe.**" in page
    assert "| `shop_order_id` | `str` | yes | not empty; at most 128 bytes of UTF-8 |" in page
    assert re.search(r"\| `cargo.goods_value` \| `Decimal` \| yes \| in \(0, 5000\]", page)
    assert "| `receiver.coordinate_type` | `int | None` |  | one of 0, 1 |" in page
    assert "| 930562 | `DeliveryOrderExistsError` |" in page
    assert "| 930563 | `DeliveryOrderNotFoundError` |" in page
    assert "`CarrierError`" in page  # the carrier's resultcode layer
    assert "## Response (AddOrderResponse)" in page
    assert "| `waybill_id` | `str | None` |" in page
    assert "[OrderStatus](index.md#orderstatus)" in page
    assert "### OrderStatus" in pages()["delivery/index.md"]


def test_a_model_without_a_docstring_still_shows_its_fields() -> None:
    assert _Reply.__doc__ is None
    assert _Request.__doc__ is None
    page = _endpoint_page("shop", _Shop.add_item)
    assert "| `item_id` (JSON `itemId`) | `str | None` | the new id |" in page
    assert "| `name` | `str` | yes | not empty; at most 20 characters |  |" in page
    assert "Base of every response model" not in page  # not the base class's docstring
    assert "| 7 | `_Made` | made up |" in page


def test_a_response_with_nothing_but_success_says_so() -> None:
    assert DeliveryNamespace.open.response is EmptyResponse
    assert "Nothing beyond success" in pages()["delivery/open.md"]


def test_the_reference_cites_no_internal_document() -> None:
    from tests.test_self_contained import OUTSIDE

    for name, page in pages().items():
        assert not OUTSIDE.search(page), name


def test_a_platform_endpoint_is_shown_on_the_platform_client() -> None:
    generated = pages()
    page = generated["component/query_auth.md"]
    assert "# platform.component.query_auth" in page
    assert "await platform.component.query_auth(" in page
    assert "`POST /cgi-bin/component/api_query_auth`" in page
    assert "# platform.component" in generated["component/index.md"]
    assert "{'platform.component': [" in str(nav())

"""Every model a user meets says what it is: ``help(Order)``, an editor's hover and the endpoint
reference (which shows a request's and a response's own docstring) all read it."""

from __future__ import annotations

import importlib
import typing
from typing import Any

import attrs
import pytest

from wechat_async._reference import _model_doc, _resolved_fields, pages
from wechat_async._registry import endpoints
from wechat_async.giftcard import GiftCardNamespace


def _reachable(tp: Any, found: dict[type, None]) -> None:
    """``tp``'s attrs models and those its fields hold, at any depth (``list[Order]``...)."""
    if isinstance(tp, type) and attrs.has(tp):
        if tp in found:
            return
        found[tp] = None
        for a in _resolved_fields(tp):
            _reachable(a.type, found)
    for arg in typing.get_args(tp):
        _reachable(arg, found)


def _models() -> list[type]:
    """The models of every domain the registry lists: each domain's ``models`` module's public
    attrs classes, and every endpoint's request and response with the models they hold."""
    found: dict[type, None] = {}
    for endpoint in endpoints():
        module = importlib.import_module(f"wechat_async.{endpoint.domain}.models")
        for name in module.__all__:
            _reachable(getattr(module, name), found)
        _reachable(endpoint.request, found)
        _reachable(endpoint.response, found)
    return list(found)


MODELS = _models()


def test_the_walk_finds_every_domains_models() -> None:
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in MODELS}
    domains = {e.domain for e in endpoints()}
    assert domains == {"cityservice", "giftcard", "invoice", "delivery", "component"}
    for expected in (
        "wechat_async.giftcard.models._orders.Order",
        "wechat_async.giftcard.models._orders.GetOrderResponse",
        "wechat_async.giftcard.models._codes.ConsumedCard",  # reached only through a response
        "wechat_async.delivery.models.AddOrderResponse",
        "wechat_async.invoice.models.CustomValue",
        "wechat_async.cityservice.models.SendMsgDataResponse",
        "wechat_async.component.models.TypeInfo",
        "wechat_async._models.EmptyResponse",
    ):
        assert expected in names


@pytest.mark.parametrize("model", MODELS, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_model_has_its_own_docstring(model: type) -> None:
    # Its own: a model without one would otherwise show its base's (``Response``'s).
    doc = model.__dict__.get("__doc__") or ""
    assert doc.strip(), f"{model.__module__}.{model.__qualname__} has no docstring"


def test_the_reference_page_shows_the_request_and_response_docstrings() -> None:
    endpoint = GiftCardNamespace.get_order
    page = pages()["giftcard/get_order.md"]
    for model in (endpoint.request, endpoint.response):
        doc = _model_doc(model)[0]
        assert doc.startswith(("Read one order", "What ``card/giftcard/order/get`` answers"))
        assert doc in page

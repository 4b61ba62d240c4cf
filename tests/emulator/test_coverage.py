"""The emulator answers every endpoint the SDK has: adding a descriptor without its
behaviour in the emulator fails here."""

from __future__ import annotations

from typing import Any

import pytest

from wechat_async._endpoint import Endpoint
from wechat_async.cityservice import CityServiceNamespace
from wechat_async.delivery import DeliveryNamespace
from wechat_async.giftcard import GiftCardNamespace
from wechat_async.invoice import InvoiceNamespace
from wechat_async.testing import Emulator

ENDPOINTS = [
    pytest.param(endpoint, id=endpoint.name)
    for namespace in (CityServiceNamespace, GiftCardNamespace, InvoiceNamespace, DeliveryNamespace)
    for endpoint in namespace.endpoints()
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_sdk_endpoint_has_a_route_in_the_emulator(endpoint: Endpoint[Any, Any, Any]) -> None:
    routes = set(Emulator().app._routes)
    assert (endpoint.method, endpoint.path) in routes

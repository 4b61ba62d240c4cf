"""The emulator answers every endpoint the SDK has, each by its own route: adding a descriptor
(or a ``setbizattr`` action) without its behaviour in the emulator fails here."""

from __future__ import annotations

from typing import Any

import pytest

from wechat_async._auth import AuthNamespace
from wechat_async._endpoint import Endpoint
from wechat_async._registry import endpoints
from wechat_async.testing import Emulator
from wechat_async.testing._app import EmulatorApp, Faults, Quota

ENDPOINTS = [
    pytest.param(endpoint, id=f"{endpoint.domain or 'auth'}.{endpoint.name}")
    for endpoint in [*endpoints(), *AuthNamespace.endpoints()]
]
ROUTES = Emulator().app.routes


def _key(endpoint: Endpoint[Any, Any, Any]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    return endpoint.method, endpoint.path, tuple(sorted(endpoint.query.items()))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_sdk_endpoint_has_its_own_route_in_the_emulator(
    endpoint: Endpoint[Any, Any, Any],
) -> None:
    assert _key(endpoint) in ROUTES


def test_each_route_serves_one_endpoint() -> None:
    keys = [_key(p.values[0]) for p in ENDPOINTS]  # type: ignore[arg-type]
    assert len(keys) == len(set(keys))


class _Half:
    """Handlers for two of the invoice namespace's four ``setbizattr`` actions."""

    async def set_pay_mch(self, call: Any) -> Any:
        return 200, {}

    async def get_pay_mch(self, call: Any) -> Any:
        return 200, {}


def test_an_action_without_its_handler_is_not_routed() -> None:
    from wechat_async.invoice import InvoiceNamespace

    app = EmulatorApp(
        check_token=lambda _: ("wx", None), faults=Faults(), path_faults={}, quota=Quota(), seed=0
    )
    app.serve_namespace(InvoiceNamespace, _Half())
    routed = {q for _, p, q in app.routes if p == "/card/invoice/setbizattr"}
    assert routed == {(("action", "set_pay_mch"),), (("action", "get_pay_mch"),)}
    missing = [e.name for e in InvoiceNamespace.endpoints() if _key(e) not in app.routes]
    assert missing == ["set_auth_field", "get_auth_field", "get_auth_data"]
